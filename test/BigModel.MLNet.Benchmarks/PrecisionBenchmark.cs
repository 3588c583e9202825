using BigModel.MLNet;
using BigModel.MLNet.Engine;
using Microsoft.ML;

/// <summary>
/// bfloat16 mixed precision (<see cref="TrainingPrecision.BFloat16"/>) against float32: MiniLM fine-tuned on the Yelp
/// sentences with the same seed, split and options, on this machine's CPU (a GPU run is the GPU benchmark's).
/// </summary>
static class PrecisionBenchmark
{
    public static void Run()
    {
        Console.WriteLine();
        Console.WriteLine("## MiniLM fine-tuning on Yelp sentences, float32 against bfloat16 mixed precision (same seed and split)");
        Console.WriteLine("| precision | fine-tuning seq/s | speed-up | test accuracy |");
        Console.WriteLine("| -- | --: | --: | --: |");
        double? baseline = null;
        foreach (var precision in new[] { TrainingPrecision.Float32, TrainingPrecision.BFloat16 })
        {
            var ml = new MLContext(seed: 1);
            if (YelpSentences.Load(ml) is not var (train, test))
            {
                Console.WriteLine($"| skipped: {YelpSentences.Path} is missing | | | |");
                return;
            }
            var options = YelpSentences.Options();
            options.Precision = precision;
            var model = ml.Deep().BinaryClassification.TextClassifier(options).Fit(train);
            double rate = model.History.Epochs.Skip(1).Sum(e => e.Rows) / model.History.Epochs.Skip(1).Sum(e => e.Duration.TotalSeconds);
            baseline ??= rate;
            double accuracy = ml.BinaryClassification.Evaluate(model.Transform(test)).Accuracy;
            Console.WriteLine($"| {precision} | {rate:N1} | {rate / baseline:F2} | {accuracy:F4} |");
        }
    }
}
