namespace BigModel.MLNet.Engine;

/// <summary>The optimisation algorithm that updates the network's weights.</summary>
public enum OptimizerKind
{
    /// <summary>Adam, with L2 weight decay added to the gradient.</summary>
    Adam,
    /// <summary>AdamW: Adam with decoupled weight decay (the usual choice for transformers).</summary>
    AdamW,
    /// <summary>Stochastic gradient descent with (Nesterov-free) momentum.</summary>
    Sgd,
}
