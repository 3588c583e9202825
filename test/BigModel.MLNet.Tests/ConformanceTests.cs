using BigModel.MLNet.Engine;
using BigModel.MLNet.Models.Cnn;
using BigModel.MLNet.Models.Mlp;
using BigModel.MLNet.Models.Recommender;
using BigModel.MLNet.Models.Text;
using BigModel.MLNet.Tests.Fixtures;
using BigModel.MLNet.Tests.Models;
using Microsoft.ML;
using static TorchSharp.torch;

namespace BigModel.MLNet.Tests;

/// <summary>Every model kind of the package through <see cref="EstimatorConformance"/>: a new kind is one more line in <see cref="Cases"/>.</summary>
[TestClass]
public class ConformanceTests
{
    private static readonly string[] Binary = ["Score", "Probability", "PredictedLabel"];
    private static readonly string[] Multiclass = ["Score", "PredictedLabel"];
    private static readonly string[] Scalar = ["Score"];
    private static readonly string[] Features = ["Features", "Label"];

    private static readonly ConformanceCase[] All =
    [
        new("MlpRegression", ml => SyntheticData.Regression(ml, 40, 1), () => new MlpOptions { Epochs = 1, BatchSize = 8 },
            (ml, o) => ml.Deep().Regression.Mlp((MlpOptions)o), Features, Scalar),
        new("MlpBinary", ml => SyntheticData.Binary(ml, 40, 1), () => new MlpOptions { Epochs = 1, BatchSize = 8, UseBatchNorm = true },
            (ml, o) => ml.Deep().BinaryClassification.Mlp((MlpOptions)o), Features, Binary),
        new("MlpMulticlass", ml => Keyed(ml, SyntheticData.Multiclass(ml, 40, 1), "Label"), () => new MlpOptions { Epochs = 1, BatchSize = 8, DropoutRate = 0.2 },
            (ml, o) => ml.Deep().MulticlassClassification.Mlp((MlpOptions)o), Features, Multiclass),
        // The cases above train the default ensemble; these keep the single network (EnsembleSize = 1) conformant too.
        new("MlpOneNetworkBinary", ml => SyntheticData.Binary(ml, 40, 1), () => new MlpOptions { Epochs = 1, BatchSize = 8, EnsembleSize = 1, UseBatchNorm = true },
            (ml, o) => ml.Deep().BinaryClassification.Mlp((MlpOptions)o), Features, Binary),
        new("MlpOneNetworkMulticlass", ml => Keyed(ml, SyntheticData.Multiclass(ml, 40, 1), "Label"), () => new MlpOptions { Epochs = 1, BatchSize = 8, EnsembleSize = 1 },
            (ml, o) => ml.Deep().MulticlassClassification.Mlp((MlpOptions)o), Features, Multiclass),
        new("MlpTabular", ml => SyntheticTabular.Keyed(ml, SyntheticTabular.Generate(40, 1)), () => new MlpOptions
            {
                FeatureColumnName = "Numbers", LabelColumnName = "Price", CategoricalColumnNames = ["Shop"], Epochs = 1, BatchSize = 8,
                RegressionLoss = RegressionLoss.Huber,
            },
            (ml, o) => ml.Deep().Regression.Mlp((MlpOptions)o), ["Numbers", "Shop", "Price"], Scalar),
        new("SmallCnn", ml => Keyed(ml, SyntheticImages.Load(ml, 40, 1), "Label"), () => new CnnOptions
            {
                ImageHeight = SyntheticImages.Size, ImageWidth = SyntheticImages.Size, Filters = [4], DenseUnits = 8, Epochs = 1, BatchSize = 8,
            },
            (ml, o) => ml.Deep().MulticlassClassification.Cnn((CnnOptions)o), ["Image", "Label"], Multiclass),
        new("ResNet18", ml => Keyed(ml, SyntheticImages.Load(ml, 24, 1), "Label"), () => new CnnOptions
            {
                Architecture = CnnArchitecture.ResNet18, ImageHeight = SyntheticImages.Size, ImageWidth = SyntheticImages.Size, Epochs = 1, BatchSize = 8,
            },
            (ml, o) => ml.Deep().MulticlassClassification.Cnn((CnnOptions)o), ["Image", "Label"], Multiclass),
        new("TextClassifier", ml => SyntheticText.Load(ml, 40, 1), () => TextClassifierTests.TinyOptions(epochs: 1),
            (ml, o) => ml.Deep().BinaryClassification.TextClassifier((TextClassifierOptions)o), ["Text", "Label"], Binary),
        new("MatrixFactorization", ml => Ratings(ml), () => new RecommenderOptions { Epochs = 1, BatchSize = 16 },
            (ml, o) => ml.Deep().Recommendation.Recommender((RecommenderOptions)o), ["UserId", "ItemId", "Label"], Scalar),
        new("NeuMF", ml => Ratings(ml), () => new RecommenderOptions { Architecture = RecommenderArchitecture.NeuMF, Epochs = 1, BatchSize = 16, MlpLayers = [8] },
            (ml, o) => ml.Deep().Recommendation.Recommender((RecommenderOptions)o), ["UserId", "ItemId", "Label"], Scalar),
        new("ImplicitNeuMF", ml => Ratings(ml), () => new RecommenderOptions
            {
                Architecture = RecommenderArchitecture.NeuMF, Feedback = FeedbackKind.Implicit, Epochs = 1, BatchSize = 16, MlpLayers = [8],
            },
            (ml, o) => ml.Deep().Recommendation.Recommender((RecommenderOptions)o), ["UserId", "ItemId"], Scalar),
        new("CustomNetwork", ml => SyntheticData.Regression(ml, 40, 1), () => new TrainingOptions { Epochs = 1, BatchSize = 8 },
            (ml, o) => ml.Deep().Regression.Custom(shape => nn.Sequential(nn.Linear(shape.InputSize, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, shape.OutputSize)), o),
            Features, Scalar),
    ];

    public static IEnumerable<object[]> Cases => All.Select(c => new object[] { c.Name });

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void EveryModelKindConforms(string name) => EstimatorConformance.Run(All.Single(c => c.Name == name));

    private static IDataView Keyed(MLContext ml, IDataView data, string column) =>
        ml.Transforms.Conversion.MapValueToKey(column).Fit(data).Transform(data);

    private static IDataView Ratings(MLContext ml)
    {
        var (train, _, _) = new SyntheticRatings(1).Load(ml);
        return ml.Data.TakeRows(train, 40);
    }
}
