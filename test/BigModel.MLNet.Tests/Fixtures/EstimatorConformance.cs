using BigModel.MLNet.Glue;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace BigModel.MLNet.Tests.Fixtures;

/// <summary>
/// The checks every estimator of the package must pass: its declared output shape matches what the fitted model
/// produces, and a model saved and loaded by ML.NET (with no BigModel transformer left in it) scores identically.
/// </summary>
internal static class EstimatorConformance
{
    public const double ScoreTolerance = 1e-5;

    public static void Check(MLContext ml, IEstimator<ITransformer> estimator, ITransformer model, IDataView train, IDataView test, params string[] outputs)
    {
        var declared = estimator.GetOutputSchema(SchemaShapes.FromSchema(train.Schema));
        var produced = model.Transform(test).Schema;
        foreach (var name in outputs)
        {
            var shape = declared.SingleOrDefault(c => c.Name == name);
            Assert.AreEqual(name, shape.Name, $"GetOutputSchema declares '{name}'.");
            var actual = produced[name];
            var itemType = actual.Type is VectorDataViewType vector ? vector.ItemType : actual.Type;
            Assert.AreEqual(itemType.RawType, shape.ItemType.RawType, $"item type of '{name}'");
            Assert.AreEqual(actual.Type is VectorDataViewType, shape.Kind != SchemaShape.Column.VectorKind.Scalar, $"vector-ness of '{name}'");
            Assert.AreEqual(actual.Type is KeyDataViewType, shape.IsKey, $"key-ness of '{name}'");
        }

        string path = Path.Combine(Path.GetTempPath(), $"bigmodel-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(model, train.Schema, path);
            var fresh = new MLContext();
            fresh.Deep(); // registers the package's output mappings with the fresh context
            var loaded = fresh.Model.Load(path, out _);
            Assert.IsFalse(ContainsBigModelTransformer(loaded), "the saved model holds ML.NET transformers only");
            var reloaded = loaded.Transform(test);
            var original = model.Transform(test);
            CollectionAssert.AreEqual(Visible(original.Schema), Visible(reloaded.Schema), "the loaded model adds the same columns");
            foreach (var name in outputs)
                CollectionAssert.That.AreClose(ColumnValues.Read(original, name), ColumnValues.Read(reloaded, name), (float)ScoreTolerance);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string[] Visible(DataViewSchema schema) => [.. schema.Where(c => !c.IsHidden).Select(c => c.Name)];

    private static bool ContainsBigModelTransformer(ITransformer transformer) => transformer switch
    {
        TransformerChain<ITransformer> chain => chain.Any(ContainsBigModelTransformer),
        _ => transformer.GetType().Assembly == typeof(DeepTrainer).Assembly,
    };
}
