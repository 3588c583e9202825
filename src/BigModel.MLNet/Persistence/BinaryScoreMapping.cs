using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace BigModel.MLNet.Persistence;

/// <summary>
/// Maps the exported network's one-element <c>Score</c>, <c>Probability</c> and <c>PredictedLabel</c> vectors to
/// the scalar columns of ML.NET's binary classifiers. Used by saved models.
/// </summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class BinaryScoreMapping : CustomMappingFactory<BinaryScoreMapping.OnnxRow, BinaryScoreMapping.ScalarRow>
{
    /// <summary>The name ML.NET records in saved models.</summary>
    public const string ContractName = "BigModel.MLNet.BinaryScore";

    /// <inheritdoc />
    public override Action<OnnxRow, ScalarRow> GetMapping() => static (input, output) =>
    {
        output.Score = input.Score[0];
        output.Probability = input.Probability[0];
        output.PredictedLabel = input.PredictedLabel[0];
    };

    /// <summary>The ONNX scorer's outputs.</summary>
    public sealed class OnnxRow
    {
        /// <summary>The raw score (logit), as a one-element vector.</summary>
        [VectorType(1)] public float[] Score { get; set; } = [];
        /// <summary>The probability of <c>true</c>, as a one-element vector.</summary>
        [VectorType(1)] public float[] Probability { get; set; } = [];
        /// <summary>The predicted label, as a one-element vector.</summary>
        [VectorType(1)] public bool[] PredictedLabel { get; set; } = [];
    }

    /// <summary>The scalar columns of a binary classifier.</summary>
    public sealed class ScalarRow
    {
        /// <summary>The raw score (logit).</summary>
        public float Score { get; set; }
        /// <summary>The probability of <c>true</c>.</summary>
        public float Probability { get; set; }
        /// <summary>Whether the score is positive.</summary>
        public bool PredictedLabel { get; set; }
    }
}
