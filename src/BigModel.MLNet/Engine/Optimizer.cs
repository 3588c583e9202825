using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BigModel.MLNet.Engine;

/// <summary>
/// Adam, AdamW and SGD with momentum, written against TorchSharp tensors (the update rules of PyTorch's
/// <c>torch.optim</c>, with the learning rate passed per step so that schedules need no extra state).
/// </summary>
/// <remarks>
/// Why not <c>torch.optim</c>: TorchSharp 0.107's optimisers pass <c>double</c> values through implicit
/// <see cref="Scalar"/> temporaries that nothing keeps alive during the native call. Under garbage-collection
/// pressure (any ML.NET pipeline) a finaliser can free one mid-call, and <c>step()</c> then fails at random
/// with "Expected false to be true ... toFloat". Here every scalar lives in a <c>using</c> (or in <see cref="Scalars"/>)
/// until its call returns, and no overload that makes a hidden scalar (such as <c>add_(x)</c>) is used.
/// <para>
/// Sparse gradients (embedding tables created with <c>sparse: true</c>) update only the rows a batch touched, with
/// their moments ("lazy" Adam): a table of 100,000 users then costs per step what its batch uses, not its size.
/// </para>
/// </remarks>
internal sealed class Optimizer : IDisposable
{
    private const double Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8;

    private readonly OptimizerKind _kind;
    private readonly double _weightDecay;
    private readonly double _momentum;
    private readonly Parameter[] _parameters;
    private readonly double[] _scales;
    private readonly Tensor?[] _first;   // Adam: first moment; SGD: momentum buffer
    private readonly Tensor?[] _second;  // Adam: second moment (unused by SGD)
    private long _steps;

    public Optimizer(OptimizerKind kind, IEnumerable<ParameterGroup> groups, double weightDecay, double momentum)
    {
        _kind = kind;
        _weightDecay = weightDecay;
        _momentum = momentum;
        var trainable = groups.SelectMany(g => g.Parameters.Where(p => p.requires_grad).Select(p => (Parameter: p, g.LearningRateScale))).ToArray();
        _parameters = trainable.Select(t => t.Parameter).ToArray();
        _scales = trainable.Select(t => t.LearningRateScale).ToArray();
        _first = new Tensor?[_parameters.Length];
        _second = new Tensor?[_parameters.Length];
    }

    /// <summary>Drops every parameter's gradient (the next backward pass allocates fresh ones, sparse or dense).</summary>
    public void ZeroGrad()
    {
        foreach (var parameter in _parameters)
            parameter.grad = null;
    }

    /// <summary>Applies one update with learning rate <paramref name="learningRate"/> (times each group's scale); frozen
    /// parameters have no gradient and are skipped.</summary>
    public void Step(double learningRate)
    {
        _steps++;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        for (int i = 0; i < _parameters.Length; i++)
        {
            var parameter = _parameters[i];
            var grad = parameter.grad;
            if (grad is null)
                continue;
            if (grad.is_sparse)
                SparseStep(i, parameter, grad, learningRate * _scales[i]);
            else
                DenseStep(i, parameter, grad, learningRate * _scales[i]);
        }
    }

    /// <summary>
    /// Applies the dense rule to the touched rows only: gather the rows (summing repeated indices), update them and
    /// their optimiser state as if they were a small dense parameter, and scatter them back.
    /// </summary>
    private void SparseStep(int i, Parameter parameter, Tensor grad, double learningRate)
    {
        var (rows, inverse, _) = unique(grad.SparseIndices[0], sorted: true, return_inverse: true);
        var values = zeros(rows.shape[0], parameter.shape[1], device: parameter.device).index_add_(0, inverse!, grad.SparseValues, Scalars.One);
        var touched = parameter.index_select(0, rows);
        var first = State(_first, i, parameter).index_select(0, rows);
        var second = _kind == OptimizerKind.Sgd ? null : State(_second, i, parameter).index_select(0, rows);
        Update(touched, values, first, second, learningRate);
        parameter.index_copy_(0, rows, touched);
        _first[i]!.index_copy_(0, rows, first);
        if (second is not null)
            _second[i]!.index_copy_(0, rows, second);
    }

    private void DenseStep(int i, Parameter parameter, Tensor grad, double learningRate) =>
        Update(parameter, grad, State(_first, i, parameter), _kind == OptimizerKind.Sgd ? null : State(_second, i, parameter), learningRate);

    private static Tensor State(Tensor?[] states, int i, Parameter parameter) =>
        states[i] ??= zeros_like(parameter).DetachFromDisposeScope();

    /// <summary>One update of <paramref name="parameter"/> (a whole parameter, or its touched rows) and its state.</summary>
    private void Update(Tensor parameter, Tensor grad, Tensor first, Tensor? second, double learningRate)
    {
        if (_weightDecay > 0)
        {
            if (_kind == OptimizerKind.AdamW)
            {
                using var shrink = (1 - learningRate * _weightDecay).ToScalar();
                parameter.mul_(shrink);
            }
            else
            {
                using var decay = _weightDecay.ToScalar();
                grad = grad.add(parameter, decay);
            }
        }
        if (second is null)
            SgdUpdate(parameter, grad, first, learningRate);
        else
            AdamUpdate(parameter, grad, first, second, learningRate);
    }

    private void SgdUpdate(Tensor parameter, Tensor grad, Tensor momentumBuffer, double learningRate)
    {
        using var step = (-learningRate).ToScalar();
        if (_momentum == 0)
        {
            parameter.add_(grad, step);
            return;
        }
        using var momentum = _momentum.ToScalar();
        momentumBuffer.mul_(momentum).add_(grad, Scalars.One);
        parameter.add_(momentumBuffer, step);
    }

    private void AdamUpdate(Tensor parameter, Tensor grad, Tensor first, Tensor second, double learningRate)
    {
        using var beta1 = Beta1.ToScalar();
        using var oneMinusBeta1 = (1 - Beta1).ToScalar();
        using var beta2 = Beta2.ToScalar();
        using var oneMinusBeta2 = (1 - Beta2).ToScalar();
        first.mul_(beta1).add_(grad, oneMinusBeta1);
        second.mul_(beta2).addcmul_(grad, grad, oneMinusBeta2);

        double correction1 = 1 - Math.Pow(Beta1, _steps);
        double correction2 = 1 - Math.Pow(Beta2, _steps);
        using var rootCorrection2 = Math.Sqrt(correction2).ToScalar();
        using var epsilon = Epsilon.ToScalar();
        using var stepSize = (-learningRate / correction1).ToScalar();
        var denominator = second.sqrt().div_(rootCorrection2).add_(epsilon, Scalars.One);
        parameter.addcdiv_(first, denominator, stepSize);
    }

    /// <summary>Steps taken (Adam's bias correction depends on it).</summary>
    public long Steps => _steps;

    /// <summary>Each parameter's moments (first: "adam1/name", second: "adam2/name"), for checkpoints; names from
    /// <paramref name="nameOf"/>.</summary>
    public IEnumerable<(string Name, Tensor State)> States(Func<Parameter, string> nameOf)
    {
        for (int i = 0; i < _parameters.Length; i++)
        {
            if (_first[i] is { } first)
                yield return ($"adam1/{nameOf(_parameters[i])}", first);
            if (_second[i] is { } second)
                yield return ($"adam2/{nameOf(_parameters[i])}", second);
        }
    }

    /// <summary>Continues from saved moments and step count (see <see cref="States"/>).</summary>
    public void Restore(long steps, IReadOnlyDictionary<string, Tensor> states, Func<Parameter, string> nameOf)
    {
        _steps = steps;
        using var _ = no_grad();
        for (int i = 0; i < _parameters.Length; i++)
        {
            string name = nameOf(_parameters[i]);
            if (states.TryGetValue($"adam1/{name}", out var first))
                State(_first, i, _parameters[i]).copy_(first);
            if (states.TryGetValue($"adam2/{name}", out var second))
                State(_second, i, _parameters[i]).copy_(second);
        }
    }

    public void Dispose()
    {
        foreach (var state in _first.Concat(_second))
            state?.Dispose();
    }
}
