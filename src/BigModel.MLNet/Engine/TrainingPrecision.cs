namespace BigModel.MLNet.Engine;

/// <summary>The arithmetic a network trains in (<see cref="TrainingOptions.Precision"/>). Saved and exported models are float32 either way.</summary>
public enum TrainingPrecision
{
    /// <summary>Everything in float32 (on a CUDA GPU, matrix products may use TF32: <see cref="TrainingOptions.AllowTf32"/>).</summary>
    Float32,
    /// <summary>
    /// Mixed precision through libtorch's autocast: matrix products, linear layers, attention and convolutions in
    /// bfloat16, what libtorch's list for the device keeps in float32 (on CUDA: normalisation, softmax, reductions) in
    /// float32, every loss in float32; weights, gradients and the optimiser's state in float32.
    /// </summary>
    BFloat16,
}
