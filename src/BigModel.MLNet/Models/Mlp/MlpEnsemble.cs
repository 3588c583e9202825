using BigModel.MLNet.Engine;
using BigModel.MLNet.Export;
using BigModel.MLNet.Tasks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BigModel.MLNet.Models.Mlp;

/// <summary>
/// <see cref="MlpOptions.EnsembleSize"/> networks trained at once as one (TabM-mini, Gorishniy et al., 2024): every
/// member reads the input through its own learned per-feature scale (starting at random signs, which is what makes the
/// members differ), shares the hidden layers with the others, and has an output layer of its own. While training, each
/// member is trained on every row (the module outputs one row per member, and the engine repeats the targets, see
/// <see cref="Engine.TrainableNetwork.OutputsPerRow"/>); otherwise the members' predictions are averaged: values for
/// regression, probabilities for classification (returned as logits, so the tasks read them as they read one network's).
/// </summary>
internal sealed class MlpEnsemble : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly Parameter member_scales;
    private readonly Sequential hidden;
    private readonly Parameter head_weights;
    private readonly Parameter head_biases;
    private readonly PredictionKind kind;

    /// <summary>The number of members (rows of <see cref="member_scales"/>).</summary>
    private int Members => (int)member_scales.shape[0];

    /// <param name="inputWidth">Values per row that the members read.</param>
    /// <param name="outputs">Values each member outputs per row.</param>
    /// <param name="kind">How the members' outputs are averaged.</param>
    /// <param name="options">The hidden layers (shared) and the number of members.</param>
    /// <param name="batchNorm">Whether the hidden layers normalise batches (<see cref="MlpOptions.UseBatchNorm"/> as resolved for the task).</param>
    public MlpEnsemble(int inputWidth, int outputs, PredictionKind kind, MlpOptions options, bool batchNorm) : base(nameof(MlpEnsemble))
    {
        this.kind = kind;
        hidden = nn.Sequential(MlpNetwork.HiddenLayers(inputWidth, options, batchNorm, out int width));
        int members = options.EnsembleSize;
        using (no_grad())
        {
            using var two = 2.ToScalar();
            member_scales = new Parameter(randint(0, 2, [members, inputWidth]).to_type(ScalarType.Float32).mul_(two).sub_(Scalars.One));
            // Each head starts as nn.Linear's would: uniform within 1/√fan-in.
            double bound = 1 / Math.Sqrt(width);
            head_weights = new Parameter(empty(members, width, outputs).uniform_(-bound, bound));
            head_biases = new Parameter(empty(members, outputs).uniform_(-bound, bound));
        }
        RegisterComponents();
    }

    /// <summary>Training: [rows × members, outputs], member outputs of a row next to each other. Otherwise: the
    /// members' average, [rows, outputs].</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        long rows = input.shape[0], width = input.shape[1];
        var scaled = input.unsqueeze(1).mul(member_scales).reshape(rows * Members, width);
        var features = hidden.call(scaled).reshape(rows, Members, -1);
        var outputs = einsum("bkh,kho->bko", features, head_weights).add(head_biases, Scalars.One); // a kept alpha (see Scalars)
        var result = training ? outputs.reshape(rows * Members, -1) : Average(outputs);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Averages [rows, members, outputs] over the members; softmax and sigmoid are invariant to the constant
    /// log(members) that the log-mean-exp would subtract, so it is left out.</summary>
    private Tensor Average(Tensor outputs) => kind switch
    {
        PredictionKind.BinaryClassification =>
            logsumexp(nn.functional.logsigmoid(outputs), 1).sub(logsumexp(nn.functional.logsigmoid(outputs.neg()), 1)),
        PredictionKind.MulticlassClassification => logsumexp(nn.functional.log_softmax(outputs, 2), 1),
        _ => outputs.mean([1]),
    };

    public string ExportOnnx(OnnxGraph graph, string input, ModuleExporter export)
    {
        long width = member_scales.shape[1], features = head_weights.shape[1];
        string scaled = graph.AddNode("Mul", [
            graph.AddNode("Unsqueeze", [input, graph.AddInitializer("member_axis", [1L], 1)]),
            graph.AddInitializer("member_scales", LayerExporter.ToArray(member_scales), Members, width)]);
        string flat = graph.AddNode("Reshape", [scaled, graph.AddInitializer("member_rows", [-1L, width], 2)]);
        string shared = export(hidden, flat);
        string perMember = graph.AddNode("Reshape", [shared, graph.AddInitializer("member_features", [-1L, Members, features], 3)]);
        // Each member's head as one batched product: [members, rows, features] × [members, features, outputs].
        string membersFirst = graph.AddNode("Transpose", [perMember], null, OnnxAttribute.Of("perm", [1L, 0L, 2L]));
        string products = graph.AddNode("MatMul", [membersFirst, graph.AddInitializer("head_weights", LayerExporter.ToArray(head_weights), head_weights.shape)]);
        string outputs = graph.AddNode("Add", [
            graph.AddNode("Transpose", [products], null, OnnxAttribute.Of("perm", [1L, 0L, 2L])),
            graph.AddInitializer("head_biases", LayerExporter.ToArray(head_biases), head_biases.shape)]);
        return kind switch
        {
            PredictionKind.BinaryClassification => graph.AddNode("Sub", [LogSumExp(LogSigmoid(outputs, negate: false)), LogSumExp(LogSigmoid(outputs, negate: true))]),
            PredictionKind.MulticlassClassification => LogSumExp(graph.AddNode("LogSoftmax", [outputs], null, OnnxAttribute.Of("axis", 2L))),
            _ => graph.AddNode("ReduceMean", [outputs], null, OnnxAttribute.Of("axes", [1L]), OnnxAttribute.Of("keepdims", 0L)),
        };

        // log σ(x) = −softplus(−x), which stays finite where σ underflows; log σ(−x) = −softplus(x).
        string LogSigmoid(string value, bool negate) =>
            graph.AddNode("Neg", [graph.AddNode("Softplus", [negate ? value : graph.AddNode("Neg", [value])])]);
        string LogSumExp(string value) =>
            graph.AddNode("ReduceLogSumExp", [value], null, OnnxAttribute.Of("axes", [1L]), OnnxAttribute.Of("keepdims", 0L));
    }
}
