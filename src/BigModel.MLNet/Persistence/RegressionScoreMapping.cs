using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace BigModel.MLNet.Persistence;

// A saved model's last step turns the ONNX model's one-element vectors into the scalar columns ML.NET's
// evaluators expect. The mapping, its input row and its output row sit together in this file because
// they only make sense together. ML.NET finds the mapping again on Load by its contract name.

/// <summary>Maps the exported network's <c>Score</c> vector of one element to a scalar <c>Score</c>. Used by saved models.</summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class RegressionScoreMapping : CustomMappingFactory<RegressionScoreMapping.OnnxRow, RegressionScoreMapping.ScalarRow>
{
    /// <summary>The name ML.NET records in saved models.</summary>
    public const string ContractName = "BigModel.MLNet.RegressionScore";

    /// <inheritdoc />
    public override Action<OnnxRow, ScalarRow> GetMapping() => static (input, output) => output.Score = input.Score[0];

    /// <summary>The ONNX scorer's output.</summary>
    public sealed class OnnxRow
    {
        /// <summary>The prediction, as a one-element vector.</summary>
        [VectorType(1)] public float[] Score { get; set; } = [];
    }

    /// <summary>The scalar columns of a regression model.</summary>
    public sealed class ScalarRow
    {
        /// <summary>The prediction.</summary>
        public float Score { get; set; }
    }
}
