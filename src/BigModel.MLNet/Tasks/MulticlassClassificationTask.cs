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

    private MulticlassClassificationTask(string[] classNames)
    {
        _classNames = classNames;
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
                (ValueGetter<uint>)((ref uint value) => value = (uint)ArgMax(batch.Current(Score)) + 1)),
        ];
    }

    public static MulticlassClassificationTask For(DataViewSchema.Column label) =>
        new(KeyValueNames.Of(label, KeyLabelReader.ClassCount(label)));

    public override PredictionKind Kind => PredictionKind.MulticlassClassification;

    public override LossFunction Loss => static (output, target) =>
        nn.functional.cross_entropy(output, target, reduction: nn.Reduction.None);

    public override bool IsClassification => true;

    public override long CountCorrect(Tensor output, Tensor target)
    {
        using var predicted = output.argmax(-1);
        using var correct = predicted.eq(target).sum();
        return correct.item<long>();
    }

    public override int OutputSize => _classNames.Length;

    public override BatchColumnReader CreateLabelReader(DataViewRow row, DataViewSchema.Column column, int capacity) =>
        new KeyLabelReader(row, column, capacity);

    public override void AddOnnxOutputs(OnnxGraph graph, string networkOutput)
    {
        graph.AddOutput(Score, graph.AddNode("Softmax", [networkOutput], null, OnnxAttribute.Of("axis", 1L)),
            OnnxElementType.Float, [null, _classNames.Length]);
        string index = graph.AddNode("ArgMax", [networkOutput], null, OnnxAttribute.Of("axis", 1L), OnnxAttribute.Of("keepdims", 0L));
        string names = graph.AddInitializer("class_names", _classNames, _classNames.Length);
        graph.AddOutput(PredictedLabel, graph.AddNode("Gather", [names, index]), OnnxElementType.String, [null]);
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

    /// <summary>The first index of the largest value, as ONNX's ArgMax picks it.</summary>
    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
                best = i;
        }
        return best;
    }

    private sealed class ClassName
    {
        public string Value { get; set; } = "";
    }
}
