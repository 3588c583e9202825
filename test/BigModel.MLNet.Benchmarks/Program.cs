// Benchmark app: every number is reported next to a baseline measured in the same process.
//
//   dotnet run --project test/BigModel.MLNet.Benchmarks -c Release [-- --rows 50000] [--only core|resnet|text|int8|bf16]
//
// 1. Training throughput of the MLP streamed from an IDataView, against the same engine fed from tensors already
//    in memory (the cost of the ML.NET glue), by batch size.
// 2. Scoring throughput of DeepPredictionTransformer.Transform (ONNX Runtime, one call per batch) against ML.NET's
//    OnnxTransformer running the same ONNX model row by row (what a reloaded model does).
// 3. Memory across epochs: managed heap, process working set and live TorchSharp tensors after each epoch.
// 4. Recommender training throughput by batch size (100,000 users, 20,000 items), against the bias-only model.
// 5. Small CNN on 28×28 images: training images/s by batch size; batched against row-by-row scoring.
// 6. ResNet-18 (32-pixel images with the small-image stem, 224-pixel images with the standard stem): training and
//    scoring images/s, batched against row-by-row scoring; then batched scoring with test-time flip averaging against
//    without, on the same weights.
// 7. Fine-tuning all-MiniLM-L6-v2 (text classifier): training and scoring sequences/s by sequence length; batched
//    scoring against the reloaded model scoring row by row (its tokenisation included).
// 8. int8 quantisation: batched scoring speed, ONNX size and metric of MiniLM (fine-tuned on Yelp), the MLP and
//    ResNet-18, each against the same model in float.
// 9. bfloat16 mixed precision: MiniLM fine-tuned on Yelp in float32 and in bfloat16, training speed and accuracy.
// 10. Weight averaging: MLP training rows/s with the MLP's default average (half-life 1 epoch) against without.
// "--only core" runs 1–5, "--only resnet" 6, "--only text" 7, "--only int8" 8, "--only bf16" 9, "--only averaging" 10.
using System.Diagnostics;
using BigModel.MLNet;
using BigModel.MLNet.Engine;
using BigModel.MLNet.Models.Cnn;
using BigModel.MLNet.Models.Mlp;
using BigModel.MLNet.Models.Recommender;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using static TorchSharp.torch;

int rows = Option("--rows") ?? 50_000;
string? only = Array.IndexOf(args, "--only") is var onlyAt and >= 0 ? args.ElementAtOrDefault(onlyAt + 1) : null;
bool Section(string name) => only is null || only == name;
const int Width = 32;
var ml = new MLContext(seed: 1);
ml.Deep();
var data = ml.Data.Cache(ml.Data.LoadFromEnumerable(Generate(rows, 1)));
if (Section("core"))
{
    Console.WriteLine($"# {rows} rows x {Width} features, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");

    Console.WriteLine();
    Console.WriteLine("## Training throughput (MLP 256-128, AdamW, CPU), 3 epochs after one warm-up epoch");
    Console.WriteLine("| batch size | IDataView-streamed rows/s | in-memory tensors rows/s | ratio |");
    Console.WriteLine("| --: | --: | --: | --: |");
    foreach (int batchSize in new[] { 64, 256, 1024 })
    {
        double streamed = TrainStreamed(batchSize);
        double inMemory = TrainInMemory(batchSize);
        Console.WriteLine($"| {batchSize} | {streamed:N0} | {inMemory:N0} | {streamed / inMemory:F2} |");
    }

    Console.WriteLine();
    Console.WriteLine("## Scoring throughput (same ONNX model, CPU, ONNX Runtime)");
    var model = ml.Deep().Regression.Mlp(new MlpOptions { Epochs = 1, HiddenLayers = [256, 128], EnsembleSize = 1 }).Fit(data);
    string path = Path.Combine(Path.GetTempPath(), "bigmodel-bench.zip");
    ml.Model.Save(model, data.Schema, path);
    var rowByRow = ml.Model.Load(path, out _);
    double baseline = Measure.Median(() => Measure.ScoredRowsPerSecond(rowByRow.Transform(data)));
    Console.WriteLine("| scorer | rows/s | ratio to row-by-row |");
    Console.WriteLine("| -- | --: | --: |");
    Console.WriteLine($"| ML.NET OnnxTransformer, row by row (reloaded model) | {baseline:N0} | 1.00 |");
    foreach (int batchSize in new[] { 1, 32, 256, 1024 })
    {
        model.ScoringBatchSize = batchSize;
        double batched = Measure.Median(() => Measure.ScoredRowsPerSecond(model.Transform(data)));
        Console.WriteLine($"| DeepPredictionTransformer, batch {batchSize} | {batched:N0} | {batched / baseline:F2} |");
    }

    Console.WriteLine();
    Console.WriteLine("## Memory across 10 epochs (batch 256)");
    Console.WriteLine("| epoch | managed heap MB | working set MB | live tensors |");
    Console.WriteLine("| --: | --: | --: | --: |");
    ml.Deep().Regression.Mlp(new MlpOptions
    {
        Epochs = 10, BatchSize = 256, HiddenLayers = [256, 128], EnsembleSize = 1,
        PrefetchBatches = 0, // tensor counts are per thread: keep every tensor on this one
        EpochEnded = e =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Console.WriteLine($"| {e.Epoch} | {GC.GetTotalMemory(true) / 1e6:F1} | {Environment.WorkingSet / 1e6:F0} | {DisposeScopeManager.Statistics.ThreadTotalLiveCount} |");
        },
    }.OnEveryRow()).Fit(data);

    Console.WriteLine();
    Console.WriteLine($"## Recommender training throughput ({Interaction.Users:N0} users, {Interaction.Items:N0} items, 200,000 ratings, embeddings 32, CPU)");
    var ratings = ml.Data.Cache(ml.Data.LoadFromEnumerable(Interactions(200_000, 2)));
    Console.WriteLine("| batch size | biases rows/s | MF rows/s | MF ratio | NeuMF rows/s | NeuMF ratio |");
    Console.WriteLine("| --: | --: | --: | --: | --: | --: |");
    foreach (int batchSize in new[] { 256, 1024, 4096 })
    {
        double RowsPerSecond(RecommenderArchitecture architecture) => ml.Deep().Recommendation.Recommender(new RecommenderOptions
        {
            Architecture = architecture, BatchSize = batchSize, Epochs = 1, EmbeddingSize = 32,
        }).Fit(ratings).History.RowsPerSecond;
        double biases = RowsPerSecond(RecommenderArchitecture.Biases);
        double factorization = RowsPerSecond(RecommenderArchitecture.MatrixFactorization);
        double neuMf = RowsPerSecond(RecommenderArchitecture.NeuMF);
        Console.WriteLine($"| {batchSize} | {biases:N0} | {factorization:N0} | {factorization / biases:F2} | {neuMf:N0} | {neuMf / biases:F2} |");
    }

    Console.WriteLine();
    Console.WriteLine("## Small CNN (conv 32-64, dense 128) on 28x28 grey images, CPU");
    var images = ml.Data.Cache(ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable(Images(10_000, 3)))
        .Transform(ml.Data.LoadFromEnumerable(Images(10_000, 3))));
    Console.WriteLine("| batch size | training images/s | ratio to batch 32 |");
    Console.WriteLine("| --: | --: | --: |");
    double? cnnBaseline = null;
    DeepPredictionTransformer? cnn = null;
    foreach (int batchSize in new[] { 32, 128, 512 })
    {
        cnn = ml.Deep().MulticlassClassification.Cnn(new CnnOptions { Epochs = 1, BatchSize = batchSize, Filters = [32, 64] }).Fit(images);
        double rate = cnn.History.RowsPerSecond;
        cnnBaseline ??= rate;
        Console.WriteLine($"| {batchSize} | {rate:N0} | {rate / cnnBaseline:F2} |");
    }
    var (cnnBatchRate, cnnRowRate) = Measure.ScoringRates(ml, cnn!, images);
    Console.WriteLine();
    Console.WriteLine("| scorer | images/s | ratio to row-by-row |");
    Console.WriteLine("| -- | --: | --: |");
    Console.WriteLine($"| ML.NET OnnxTransformer, row by row (reloaded model) | {cnnRowRate:N0} | 1.00 |");
    Console.WriteLine($"| DeepPredictionTransformer, batch {cnn!.ScoringBatchSize} | {cnnBatchRate:N0} | {cnnBatchRate / cnnRowRate:F2} |");
}

if (Section("resnet"))
    ResNetBenchmark.Run(ml);
if (Section("text"))
    TextBenchmark.Run(ml);
if (Section("int8"))
    Int8Benchmark.Run(ml);
if (Section("bf16"))
    PrecisionBenchmark.Run();
if (Section("averaging"))
{
    Console.WriteLine();
    Console.WriteLine("## Weight averaging (MLP 256-128, AdamW, CPU, IDataView-streamed): training rows/s, median of 5 alternating 2-epoch fits");
    Console.WriteLine("| batch size | averaged (half-life 1 epoch) | without | ratio |");
    Console.WriteLine("| --: | --: | --: | --: |");
    foreach (int batchSize in new[] { 64, 256 })
    {
        double Fit(double? halfLife) => ml.Deep().Regression.Mlp(new MlpOptions
        {
            Epochs = 2, BatchSize = batchSize, HiddenLayers = [256, 128], EnsembleSize = 1, WeightAveragingHalfLife = halfLife,
        }.OnEveryRow()).Fit(data).History.RowsPerSecond;
        var (averaged, without) = Measure.MedianPair(() => Fit(1), () => Fit(null));
        Console.WriteLine($"| {batchSize} | {averaged:N0} | {without:N0} | {averaged / without:F2} |");
    }
}

double TrainStreamed(int batchSize)
{
    // One network without weight averaging, as the in-memory baseline trains: the ratio is the glue's cost alone. (The
    // benchmark's other MLPs are single networks too, as they were when their figures were recorded.)
    var options = new MlpOptions { Epochs = 1, BatchSize = batchSize, HiddenLayers = [256, 128], EnsembleSize = 1, WeightAveragingHalfLife = null }.OnEveryRow();
    ml.Deep().Regression.Mlp(options).Fit(data); // warm-up
    options.Epochs = 3;
    return ml.Deep().Regression.Mlp(options).Fit(data).History.RowsPerSecond;
}

double TrainInMemory(int batchSize)
{
    var features = data.GetColumn<float[]>("Features").SelectMany(f => f).ToArray();
    var labels = data.GetColumn<float>("Label").ToArray();
    using var x = tensor(features, [rows, Width]);
    using var y = tensor(labels, [rows]);
    using var source = new InMemoryBatchSource(x, y, batchSize);
    var task = new SquaredError();
    double Run(int epochs)
    {
        manual_seed(1);
        using var network = MlpNetwork.Create(new NetworkShape(Width, 1), new MlpOptions { HiddenLayers = [256, 128] });
        var options = new TrainingOptions { Epochs = epochs, BatchSize = batchSize };
        return new TrainingLoop(options, task, TrainingContext.Cpu(1)).Run(TrainableNetwork.From(network), source, null).RowsPerSecond;
    }
    Run(1); // warm-up
    return Run(3);
}




static IEnumerable<Row> Generate(int count, int seed)
{
    var random = new Random(seed);
    for (int i = 0; i < count; i++)
    {
        var x = Enumerable.Range(0, Width).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        yield return new Row { Features = x, Label = MathF.Sin(3 * x[0]) + x[1] * x[2] + x.Sum() / Width };
    }
}

static IEnumerable<ImageRow> Images(int count, int seed)
{
    var random = new Random(seed);
    for (int i = 0; i < count; i++)
        yield return new ImageRow { Image = Enumerable.Range(0, 784).Select(_ => (float)random.NextDouble()).ToArray(), Label = random.Next(10) };
}

static IEnumerable<Interaction> Interactions(int count, int seed)
{
    var random = new Random(seed);
    for (int i = 0; i < count; i++)
        yield return new Interaction { UserId = (uint)random.Next(1, Interaction.Users + 1), ItemId = (uint)random.Next(1, Interaction.Items + 1), Label = random.Next(11) };
}

int? Option(string name)
{
    int index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1]) : null;
}

sealed class SquaredError : ITrainingTask
{
    public LossFunction Loss => (output, target) => { using var error = output.squeeze(-1) - target; return error * error; };
    public bool IsClassification => false;
    public long CountCorrect(Tensor output, Tensor target) => 0;
}
