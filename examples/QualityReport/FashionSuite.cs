using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Transforms;

namespace BigModel.MLNet.Examples.Quality;

/// <summary>
/// Fashion-MNIST (Debian's <c>dataset-fashion-mnist</c>, not one of ../shared/data) as ten-class tabular data: the 784
/// pixels of the first 10,000 training images as one feature vector, scored on the 10,000 test images; the MLP with
/// its defaults against LightGBM: the report's multiclass row for the MLP.
/// </summary>
internal static class FashionSuite
{
    public const string Folder = "/usr/share/datasets/fashion-mnist";

    public static void Run(bool quick, Report report)
    {
        var ml = new MLContext(seed: 1);
        ExampleArguments.ShowTrainingLog(ml, "Mlp");
        IDataView Load(string prefix, int rows) => ml.Data.TakeRows(
            ml.Deep().LoadIdx(Path.Combine(Folder, $"{prefix}-images-idx3-ubyte.gz"), Path.Combine(Folder, $"{prefix}-labels-idx1-ubyte.gz")), rows);
        var train = ml.Data.Cache(Load("train", quick ? 2_000 : 10_000));
        var test = ml.Data.Cache(Load("t10k", quick ? 2_000 : 10_000));
        var label = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue);

        var (baseline, _) = Evaluate(label.Append(ml.MulticlassClassification.Trainers.LightGbm(featureColumnName: "Image")));
        var (mlp, minutes) = Evaluate(label.Append(ml.Deep().MulticlassClassification.Mlp(featureColumnName: "Image", epochs: quick ? 2 : 20)));
        report.Add(new ReportRow("fashion-mnist", "MLP, defaults (784 pixels)", "accuracy", mlp, baseline, "LightGBM", minutes, LowerIsBetter: false));
        report.PrintDataset("fashion-mnist");

        (double Accuracy, double Minutes) Evaluate(IEstimator<ITransformer> pipeline)
        {
            var clock = Stopwatch.StartNew();
            var model = pipeline.Fit(train);
            double elapsed = clock.Elapsed.TotalMinutes;
            return (ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy, elapsed);
        }
    }
}
