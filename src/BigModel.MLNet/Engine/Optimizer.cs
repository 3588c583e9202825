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
/// </remarks>
internal sealed class Optimizer : IDisposable
{
    private const double Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8;

    private readonly OptimizerKind _kind;
    private readonly double _weightDecay;
    private readonly double _momentum;
    private readonly Parameter[] _parameters;
    private readonly Tensor?[] _first;   // Adam: first moment; SGD: momentum buffer
    private readonly Tensor?[] _second;  // Adam: second moment
    private long _steps;

    public Optimizer(OptimizerKind kind, IEnumerable<Parameter> parameters, double weightDecay, double momentum)
    {
        _kind = kind;
        _weightDecay = weightDecay;
        _momentum = momentum;
        _parameters = parameters.Where(p => p.requires_grad).ToArray();
        _first = new Tensor?[_parameters.Length];
        _second = new Tensor?[_parameters.Length];
    }

    /// <summary>Clears every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        foreach (var parameter in _parameters)
        {
            using var grad = parameter.grad;
            grad?.zero_();
        }
    }

    /// <summary>Applies one update with learning rate <paramref name="learningRate"/>.</summary>
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
            if (_kind == OptimizerKind.Sgd)
                SgdStep(i, parameter, grad, learningRate);
            else
                AdamStep(i, parameter, grad, learningRate);
        }
    }

    private void AdamStep(int i, Parameter parameter, Tensor grad, double learningRate)
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
        var first = _first[i] ??= zeros_like(parameter).DetachFromDisposeScope();
        var second = _second[i] ??= zeros_like(parameter).DetachFromDisposeScope();
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

    private void SgdStep(int i, Parameter parameter, Tensor grad, double learningRate)
    {
        if (_weightDecay > 0)
        {
            using var decay = _weightDecay.ToScalar();
            grad = grad.add(parameter, decay);
        }
        if (_momentum > 0)
        {
            using var momentum = _momentum.ToScalar();
            if (_first[i] is { } buffer)
                buffer.mul_(momentum).add_(grad, Scalars.One);
            else
                _first[i] = grad.clone().DetachFromDisposeScope();
            grad = _first[i]!;
        }
        using var step = (-learningRate).ToScalar();
        parameter.add_(grad, step);
    }

    public void Dispose()
    {
        foreach (var state in _first.Concat(_second))
            state?.Dispose();
    }
}
