// GPU benchmark: every preset's training throughput on CUDA (the CPU when there is none) for a fixed number of steps
// on synthetic data, the data feed's cost, and CPU against CUDA scores. pytorch_eager.py trains the same networks in
// PyTorch; device-run.sh runs both on the lent GPU machine in one call and prints the ratio table.
//
//   dotnet run --project test/BigModel.MLNet.GpuBenchmark -c Release [-- --steps 200] [--only mlp,feed,...]
//
// --only limits the run to some sections (GpuBenchmark.Sections): presets by name, feed (MLP and MF streamed, read
// ahead, kept on the device), agreement (CPU against CUDA; needs CUDA), cnn-probe (the small CNN's step in plain
// TorchSharp, whole and in parts; cnn_probe.py is its PyTorch side). device-run.sh runs each in its own process.
using BigModel.MLNet;
using Microsoft.ML;

int steps = int.Parse(Option("--steps") ?? "200");
string[] only = Option("--only")?.Split(',') ?? [];
var unknown = only.Except(GpuBenchmark.Sections).ToList();
if (unknown.Count > 0)
{
    Console.Error.WriteLine($"unknown section(s) {string.Join(", ", unknown)}; choose from {string.Join(", ", GpuBenchmark.Sections)}");
    return 2;
}
var ml = new MLContext(seed: 1);
ml.Deep();
GpuBenchmark.Run(ml, steps, only);
return 0;

string? Option(string name)
{
    int index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
