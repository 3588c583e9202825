using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace BigModel.MLNet.Persistence;

/// <summary>
/// Maps the exported network's one-element <c>PredictedLabel</c> vector (the class's label value as text) to a
/// scalar, which the saved model then maps to the label's key. Used by saved models.
/// </summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class MulticlassLabelMapping : CustomMappingFactory<MulticlassLabelMapping.OnnxRow, MulticlassLabelMapping.ScalarRow>
{
    /// <summary>The name ML.NET records in saved models.</summary>
    public const string ContractName = "BigModel.MLNet.MulticlassLabel";

    /// <inheritdoc />
    public override Action<OnnxRow, ScalarRow> GetMapping() => static (input, output) => output.PredictedLabel = input.PredictedLabel[0];

    /// <summary>The ONNX scorer's output.</summary>
    public sealed class OnnxRow
    {
        /// <summary>The predicted class's label value, as a one-element vector.</summary>
        [VectorType(1)] public string[] PredictedLabel { get; set; } = [];
    }

    /// <summary>The predicted class's label value.</summary>
    public sealed class ScalarRow
    {
        /// <summary>The predicted class's label value.</summary>
        public string PredictedLabel { get; set; } = "";
    }
}
