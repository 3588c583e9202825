using static TorchSharp.torch;

namespace BigModel.MLNet.Export;

/// <summary>Exports a child module into a graph; handed to <see cref="IOnnxExportable"/> implementations.</summary>
public delegate string ModuleExporter(nn.Module module, string input);
