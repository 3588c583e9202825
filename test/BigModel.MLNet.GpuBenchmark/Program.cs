// GPU benchmark: every preset's training throughput on CUDA (the CPU when there is none) for a fixed number of steps
// on synthetic data, the data feed's cost, and CPU against CUDA scores. pytorch_eager.py trains the same networks in
// PyTorch; device-run.sh runs both on the lent GPU machine in one call and prints the ratio table.
//
//   dotnet run --project test/BigModel.MLNet.GpuBenchmark -c Release [-- --steps 200] [--only feed]
//
// --only feed measures the feed alone (MLP and MF streamed, read ahead, kept on the device) on the CPU.
using BigModel.MLNet;
using BigModel.MLNet.Engine;
using Microsoft.ML;

int steps = Option("--steps") ?? 200;
var ml = new MLContext(seed: 1);
ml.Deep();
if (args.Contains("feed"))
    GpuBenchmark.Feed(ml, DeviceKind.Cpu, steps);
else
    GpuBenchmark.Run(ml, steps);

int? Option(string name)
{
    int index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1]) : null;
}
