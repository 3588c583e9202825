using BigModel.MLNet.Engine;
using BigModel.MLNet.Export;
using BigModel.MLNet.Glue.Columns;
using BigModel.MLNet.Persistence;
using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace BigModel.MLNet.Tasks;

/// <summary>
/// Cross-entropy over the classes of a key label; outputs <c>Score</c> (class probabilities, in key order) and
/// <c>PredictedLabel</c>, a key of the same classes whose key values are the label's values as text.
/// </summary>
internal sealed class MulticlassClassificationTask : PredictionTask
{
    private readonly string[] _classNames;
    private readonly double _labelSmoothing;

    private MulticlassClassificationTask(string[] classNames, double labelSmoothing)
    {
        _classNames = classNames;
        _labelSmoothing = labelSmoothing;
        var keyValues = new DataViewSchema.Annotations.Builder();
        keyValues.Add(KeyValueNames.KeyValuesKind, new VectorDataViewType(TextDataViewType.Instance, classNames.Length),
            (ValueGetter<VBuffer<ReadOnlyMemory<char>>>)((ref VBuffer<ReadOnlyMemory<char>> value) =>
                value = new VBuffer<ReadOnlyMemory<char>>(classNames.Length, classNames.Select(n => n.AsMemory()).ToArray())));
        OutputColumns =
        [
            new(Score, new VectorDataViewType(NumberDataViewType.Single, classNames.Length), null, batch =>
                (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
                {
                    var editor = VBufferEditor.Create(ref value, classNames.Length);
                    batch.Current(Score).CopyTo(editor.Values);
                    value = editor.Commit();
                })),
            new(PredictedLabel, new KeyDataViewType(typeof(uint), classNames.Length), keyValues.ToAnnotations(), batch =>
                (ValueGetter<uint>)((ref uint value) => value = PredictedKey(batch.Current(Score)))),
        ];
    }

    public static MulticlassClassificationTask For(DataViewSchema.Column label, double labelSmoothing = 0) =>
        new(KeyValueNames.Of(label, KeyLabelReader.ClassCount(label)), labelSmoothing);

    public override PredictionKind Kind => PredictionKind.MulticlassClassification;

    public override LossFunction Loss => (output, target) =>
        nn.functional.cross_entropy(output, target, reduction: nn.Reduction.None, label_smoothing: _labelSmoothing);

    public override bool IsClassification => true;

    public override Tensor Correct(Tensor output, Tensor target)
    {
        using var predicted = output.argmax(-1);
        using var same = predicted.eq(target);
        return same.sum().reshape(1);
    }

    public override int OutputSize => _classNames.Length;
    public override int? ClassCount => _classNames.Length;

    public override BatchColumnReader CreateLabelReader(DataViewRow row, DataViewSchema.Column column, int capacity) =>
        new KeyLabelReader(row, column, capacity);

    public override void AddOnnxOutputs(OnnxGraph graph, string networkOutput)
    {
        string probabilities = graph.AddNode("Softmax", [networkOutput], null, OnnxAttribute.Of("axis", 1L));
        graph.AddOutput(Score, probabilities, OnnxElementType.Float, [null, _classNames.Length]);
        string index = graph.AddNode("ArgMax", [networkOutput], null, OnnxAttribute.Of("axis", 1L), OnnxAttribute.Of("keepdims", 0L));
        string names = graph.AddInitializer("class_names", _classNames, _classNames.Length);
        string label = graph.AddNode("Gather", [names, index]);
        // A row whose probabilities hold NaN (NaN features) predicts no class: the empty name, which maps to the missing key.
        string sum = graph.AddNode("ReduceSum", [probabilities, graph.AddInitializer("class_axis", [1L], 1)], null, OnnxAttribute.Of("keepdims", 0L));
        string isNumber = graph.AddNode("Equal", [sum, sum]);
        string noClass = graph.AddInitializer("no_class", [""], 1);
        graph.AddOutput(PredictedLabel, graph.AddNode("Where", [isNumber, label, noClass]), OnnxElementType.String, [null]);
    }

    public override string[] ScorerOutputs => [Score];
    public override string[] PersistedOutputs => [Score, PredictedLabel];

    public override IEstimator<ITransformer> PersistedOutputMapping(MLContext context)
    {
        var keys = context.Data.LoadFromEnumerable(_classNames.Select(name => new ClassName { Value = name }));
        return context.Transforms.CustomMapping(new MulticlassLabelMapping().GetMapping(), MulticlassLabelMapping.ContractName)
            .Append(context.Transforms.Conversion.MapValueToKey(PredictedLabel, PredictedLabel, keyData: keys));
    }

    public override IReadOnlyList<ScoreColumn> OutputColumns { get; }

    /// <summary>The key (from 1) of the first largest probability, as ONNX's ArgMax picks it; the missing key 0 when
    /// the probabilities hold NaN (a row with NaN features), as the exported model gives.</summary>
    private static uint PredictedKey(ReadOnlySpan<float> probabilities)
    {
        int best = 0;
        for (int i = 0; i < probabilities.Length; i++)
        {
            if (float.IsNaN(probabilities[i]))
                return 0;
            if (probabilities[i] > probabilities[best])
                best = i;
        }
        return (uint)best + 1;
    }

    private sealed class ClassName
    {
        public string Value { get; set; } = "";
    }
}
