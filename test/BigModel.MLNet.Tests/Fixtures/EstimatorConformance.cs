using System.Reflection;
using BigModel.MLNet.Engine;
using BigModel.MLNet.Export;
using BigModel.MLNet.Glue;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace BigModel.MLNet.Tests.Fixtures;

/// <summary>
/// One model kind under the conformance checks: small valid training data, quick options, and how to make the trainer.
/// </summary>
/// <param name="Name">Names the case in test output.</param>
/// <param name="Data">About 40 valid rows, typed as the trainer needs (keys already mapped).</param>
/// <param name="Options">Quick options (one or two epochs); a new object per call.</param>
/// <param name="Trainer">Makes the trainer from the options.</param>
/// <param name="Inputs">The columns the trainer reads, label included.</param>
/// <param name="Outputs">The columns the model adds.</param>
internal sealed record ConformanceCase(
    string Name,
    Func<MLContext, IDataView> Data,
    Func<TrainingOptions> Options,
    Func<MLContext, TrainingOptions, DeepTrainer> Trainer,
    string[] Inputs,
    string[] Outputs)
{
    public override string ToString() => Name;
}

/// <summary>
/// The checks every estimator of the package must pass (the ML.NET habit): its declared output shape matches what the
/// fitted model produces; a model saved and loaded by ML.NET (no BigModel transformer left in it) scores identically; a
/// damaged file never loads into a model that scores differently; bad data and bad options get errors that name the
/// column, row or option; one-row data and batches of one row train on every row or fail clearly; and no trained model
/// holds NaN or infinite weights. A new model kind gets all of it from one <see cref="ConformanceCase"/>.
/// </summary>
internal static class EstimatorConformance
{
    public const double ScoreTolerance = 1e-5;

    /// <summary>Runs every check on <paramref name="case"/>.</summary>
    public static void Run(ConformanceCase @case)
    {
        var ml = new MLContext(1);
        var data = @case.Data(ml);
        long rows = 0;
        using (var cursor = data.GetRowCursor([]))
        {
            while (cursor.MoveNext())
                rows++;
        }

        var trainer = @case.Trainer(ml, @case.Options());
        var model = trainer.Fit(data);
        Check(ml, trainer, model, data, data, @case.Outputs);
        AssertFinite(model, @case.Name);
        SavedModelsDetectDamage(ml, model, data, @case.Outputs);

        var empty = Assert.ThrowsExactly<ArgumentException>(() => trainer.Fit(ml.Data.SkipRows(data, rows)), "empty data");
        StringAssert.Contains(empty.Message, "no rows");

        TrainsOnEveryRowOrFailsClearly(() => trainer.Fit(ml.Data.TakeRows(data, 1)), expectedRows: 1, "one row", @case.Name);
        var single = @case.Options().OnEveryRow(); // every row trains, so that none can be lost
        single.BatchSize = 1;
        TrainsOnEveryRowOrFailsClearly(() => @case.Trainer(ml, single).Fit(data), expectedRows: rows, "BatchSize", @case.Name);

        foreach (string column in @case.Inputs)
        {
            var type = data.Schema[column].Type;
            if ((type is VectorDataViewType { ItemType: var item } ? item : type) == NumberDataViewType.Single)
            {
                foreach (float bad in new[] { float.NaN, float.NegativeInfinity })
                {
                    var error = Assert.ThrowsExactly<InvalidDataException>(() => trainer.Fit(AlteredDataView.WithValue(data, column, 3, bad)),
                        $"{@case.Name}: {bad} in '{column}'");
                    StringAssert.Contains(error.Message, $"'{column}'");
                    StringAssert.Contains(error.Message, "row 3");
                }
            }
            var wrong = AlteredDataView.WithWrongType(data, column);
            var typeError = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.Fit(wrong), $"{@case.Name}: '{column}' of the wrong type");
            StringAssert.Contains(typeError.Message, $"'{column}'");
            Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.GetOutputSchema(SchemaShapes.FromSchema(wrong.Schema)));
        }

        OptionsOutOfRangeAreNamed(ml, @case, data);

        model.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => model.Transform(data));
    }

    /// <summary>
    /// Every numeric option at NaN, −1, 0 and a huge value: the trainer refuses it naming the option, or accepts it and
    /// then trains a finite model (or fails naming the option).
    /// </summary>
    private static void OptionsOutOfRangeAreNamed(MLContext ml, ConformanceCase @case, IDataView data)
    {
        var numeric = @case.Options().GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && BadValuesFor(p.PropertyType).Any());
        foreach (var property in numeric)
        {
            foreach (object bad in BadValuesFor(property.PropertyType))
            {
                var options = @case.Options();
                property.SetValue(options, bad);
                string what = $"{@case.Name}: {property.Name} = {Describe(bad)}";
                Exception? error = null;
                try
                {
                    var model = @case.Trainer(ml, options).Fit(data);
                    AssertFinite(model, what);
                }
                catch (Exception e)
                {
                    error = e;
                }
                if (error is null)
                    continue;
                bool named = error is ArgumentException { ParamName: var name } && name == property.Name || error.Message.Contains(property.Name, StringComparison.Ordinal);
                Assert.IsTrue(named && error is ArgumentException or InvalidOperationException or InvalidDataException,
                    $"{what} failed without naming the option: {error.GetType().Name}: {error.Message}");
            }
        }
    }

    private static IEnumerable<object> BadValuesFor(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(int))
            return [-1, 0, int.MaxValue];
        if (type == typeof(double))
            return [double.NaN, -1.0, 0.0, double.PositiveInfinity, 1e300];
        if (type == typeof(float[]))
            return new[] { float.NaN, -1f, 0f, float.PositiveInfinity }.Select(v => (object)new[] { v });
        if (type == typeof(int[]))
            return new[] { -1, 0, int.MaxValue }.Select(v => (object)new[] { v });
        return [];
    }

    private static string Describe(object value) => value is Array array ? $"[{string.Join(", ", array.Cast<object>())}]" : $"{value}";

    private static void TrainsOnEveryRowOrFailsClearly(Func<DeepPredictionTransformer> fit, long expectedRows, string named, string name)
    {
        try
        {
            using var model = fit();
            Assert.AreEqual(expectedRows, model.History.Epochs[0].Rows, $"{name} ({named}): rows trained per epoch");
            AssertFinite(model, $"{name} ({named})");
        }
        catch (InvalidOperationException e) when (e.Message.Contains("one row", StringComparison.Ordinal))
        {
            StringAssert.Contains(e.Message, named == "BatchSize" ? "BatchSize" : "single row", $"{name}: the error says what to change");
        }
    }

    /// <summary>Every float weight of the exported network is finite.</summary>
    public static void AssertFinite(DeepPredictionTransformer model, string what)
    {
        string path = Path.Combine(Path.GetTempPath(), $"bigmodel-{Guid.NewGuid():N}.onnx");
        try
        {
            model.ExportToOnnx(path);
            var weights = OnnxModelReader.Read(path).Initializers;
            var bad = weights.FirstOrDefault(w => w.Value.Values.Any(v => !float.IsFinite(v)));
            Assert.IsNull(bad.Key, $"{what}: weight '{bad.Key}' holds NaN or infinity");
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// Single-bit flips spread over a saved model: <c>ml.Deep().LoadModel</c> must refuse the file, naming it, or load a
    /// model that scores exactly as before — never one that scores differently.
    /// </summary>
    private static void SavedModelsDetectDamage(MLContext ml, ITransformer model, IDataView data, string[] outputs)
    {
        string path = Path.Combine(Path.GetTempPath(), $"bigmodel-{Guid.NewGuid():N}.zip");
        string damaged = path + ".damaged.zip";
        try
        {
            ml.Model.Save(model, data.Schema, path);
            byte[] bytes = File.ReadAllBytes(path);
            var expected = outputs.Select(o => ColumnValues.Read(model.Transform(data), o)).ToList();
            var random = new Random(5);
            for (int flip = 0; flip < 24; flip++)
            {
                var copy = (byte[])bytes.Clone();
                int at = (int)((long)bytes.Length * flip / 24) + random.Next(bytes.Length / 24);
                copy[at] ^= (byte)(1 << random.Next(8));
                File.WriteAllBytes(damaged, copy);
                ITransformer loaded;
                try
                {
                    loaded = ml.Deep().LoadModel(damaged, out _);
                }
                catch (InvalidDataException e)
                {
                    StringAssert.Contains(e.Message, damaged, $"the error names the file: {e}");
                    continue;
                }
                for (int o = 0; o < outputs.Length; o++)
                    CollectionAssert.That.AreClose(expected[o], ColumnValues.Read(loaded.Transform(data), outputs[o]), (float)ScoreTolerance);
            }
        }
        finally
        {
            File.Delete(path);
            File.Delete(damaged);
        }
    }

    public static void Check(MLContext ml, IEstimator<ITransformer> estimator, ITransformer model, IDataView train, IDataView test, params string[] outputs) =>
        Check(ml, estimator, model, train, test, ScoreTolerance, outputs);

    /// <summary><see cref="Check(MLContext, IEstimator{ITransformer}, ITransformer, IDataView, IDataView, string[])"/> with
    /// saved and in-memory scores allowed to differ by <paramref name="scoreTolerance"/> (int8 models: the saved model
    /// scores row by row, and a row's int8 score moves slightly with the rows scored beside it).</summary>
    public static void Check(MLContext ml, IEstimator<ITransformer> estimator, ITransformer model, IDataView train, IDataView test,
        double scoreTolerance, params string[] outputs)
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
                CollectionAssert.That.AreClose(ColumnValues.Read(original, name), ColumnValues.Read(reloaded, name), (float)scoreTolerance);
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
