using Microsoft.ML;

namespace BigModel.MLNet;

/// <summary>The entry point: <c>mlContext.Deep()</c>.</summary>
public static class MLContextExtensions
{
    /// <summary>
    /// The deep-learning trainers, bound to <paramref name="mlContext"/> so that they use its seed, log, cancellation
    /// and GPU settings. Also registers this package with the context's component catalog, so that
    /// <c>mlContext.Model.Load</c> can read models that contain its output mappings.
    /// </summary>
    public static DeepCatalog Deep(this MLContext mlContext)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return new DeepCatalog(mlContext);
    }
}
