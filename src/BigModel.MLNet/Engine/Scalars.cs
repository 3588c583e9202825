using TorchSharp;

namespace BigModel.MLNet.Engine;

/// <summary>
/// Constant TorchSharp scalars that live for the whole process. Pass them where TorchSharp would otherwise create
/// a temporary (<c>add_(x)</c> passes an implicit alpha of 1 that nothing keeps alive during the native call; a
/// finaliser freeing it mid-call makes libtorch fail at random; <c>square()</c> is <c>pow(2)</c> with the same flaw).
/// See <see cref="Optimizer"/>.
/// </summary>
internal static class Scalars
{
    public static readonly Scalar One = 1.0.ToScalar();
    public static readonly Scalar Zero = 0L.ToScalar();
}
