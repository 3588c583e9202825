namespace BigModel.MLNet.Export;

/// <summary>
/// Implemented by a TorchSharp module whose forward pass the built-in layer exporters cannot
/// see through (a custom <c>forward</c>), so that it can still be saved and served through ONNX.
/// </summary>
public interface IOnnxExportable
{
    /// <summary>
    /// Appends this module's inference-time computation to <paramref name="graph"/>.
    /// </summary>
    /// <param name="graph">The graph being built.</param>
    /// <param name="input">The name of the value this module receives.</param>
    /// <param name="export">Exports a child module (any supported layer or another <see cref="IOnnxExportable"/>).</param>
    /// <returns>The name of the value this module produces.</returns>
    string ExportOnnx(OnnxGraph graph, string input, ModuleExporter export);
}
