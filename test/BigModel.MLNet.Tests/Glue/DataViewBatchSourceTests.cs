using BigModel.MLNet.Glue;
using BigModel.MLNet.Glue.Inputs;
using BigModel.MLNet.Tasks;
using BigModel.MLNet.Tests.Fixtures;
using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace BigModel.MLNet.Tests.Glue;

[TestClass]
public class DataViewBatchSourceTests
{
    private static (IDataView Data, DataViewBatchSource Source) Source(int rows, int batchSize, int pool)
    {
        var ml = new MLContext(1);
        var data = SyntheticData.Regression(ml, rows, 1);
        var task = PredictionTask.Create(PredictionKind.Regression, data.Schema["Label"], new BigModel.MLNet.Engine.TrainingOptions());
        return (data, new DataViewBatchSource(data, [new FloatVectorInput("Features")], "Label", task, batchSize, pool, "training", seed: 1));
    }

    private static List<float> Labels(Func<IEnumerable<BigModel.MLNet.Engine.TensorBatch>> read)
    {
        var labels = new List<float>();
        foreach (var batch in read())
        {
            using var scope = NewDisposeScope();
            labels.AddRange(batch.Target.data<float>().ToArray());
            Assert.AreEqual(batch.Inputs[0].shape[0], batch.Target.shape[0]);
        }
        return labels;
    }

    [TestMethod]
    public void UnshuffledEpochKeepsTheDataOrderInFullAndPartialBatches()
    {
        var (data, source) = Source(rows: 103, batchSize: 10, pool: 1000);
        var expected = data.GetColumn<float>("Label").ToList();
        CollectionAssert.AreEqual(expected, Labels(() => source.ReadEpoch(CPU, null)));
        Assert.AreEqual(11, source.BatchesPerEpoch);
    }

    [TestMethod]
    public void ShuffledEpochsArePermutationsThatDifferAndRepeatWithTheSeed()
    {
        var (data, source) = Source(rows: 250, batchSize: 16, pool: 64);
        var expected = data.GetColumn<float>("Label").Order().ToList();
        var first = Labels(() => source.ReadEpoch(CPU, new Random(1)));
        var second = Labels(() => source.ReadEpoch(CPU, new Random(2)));
        var again = Labels(() => source.ReadEpoch(CPU, new Random(1)));

        CollectionAssert.AreEqual(expected, first.Order().ToList(), "every row exactly once");
        CollectionAssert.AreEqual(expected, second.Order().ToList(), "every row exactly once");
        CollectionAssert.AreNotEqual(first, second, "a new order each epoch");
        CollectionAssert.AreEqual(first, again, "the same generator gives the same order");
    }

    private sealed class TextRow
    {
        public string Text { get; set; } = "";
        public float Label { get; set; }
    }

    [TestMethod]
    public void TextBatchesGroupSimilarLengthsAndStillServeEveryRowOnce()
    {
        var ml = new MLContext(1);
        var random = new Random(4);
        // Row i has i % 40 + 1 words, so its length identifies its bucket; the label identifies the row.
        var rows = Enumerable.Range(0, 400).Select(i => new TextRow { Text = string.Join(' ', Enumerable.Repeat("food", i % 40 + 1)), Label = i })
            .OrderBy(_ => random.Next()).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var vocabulary = SyntheticText.WriteVocabulary(Path.Combine(Path.GetTempPath(), $"bigmodel-bucket-{Environment.ProcessId}"));
        var encoder = new BigModel.MLNet.Transforms.Text.WordPieceEncoder(BigModel.MLNet.Transforms.Text.BertVocabulary.Load(vocabulary), true);
        var task = PredictionTask.Create(PredictionKind.Regression, data.Schema["Label"], new BigModel.MLNet.Engine.TrainingOptions());
        (List<float> Labels, double TokenShare) Read(int pool, bool bucket = true)
        {
            var source = new DataViewBatchSource(data, [new TextInput("Text", encoder)], "Label", task, 20, pool, "training", seed: 1,
                bucketByLength: bucket);
            var labels = new List<float>();
            long padded = 0, tokens = 0;
            foreach (var batch in source.ReadEpoch(CPU, new Random(1)))
            {
                using var scope = NewDisposeScope();
                labels.AddRange(batch.Target.data<float>().ToArray());
                padded += batch.Inputs[0].numel();
                tokens += batch.Inputs[0].ge(0).sum().item<long>();
            }
            return (labels, tokens / (double)padded);
        }
        var expected = rows.Select(r => r.Label).Order().ToList();
        var (labels, share) = Read(pool: 1000);
        CollectionAssert.AreEqual(expected, labels.Order().ToList(), "every row exactly once");
        // Random batches of lengths 1–40 would be about half padding; bucketed ones pad a few per cent.
        Assert.IsGreaterThan(0.9, share, $"{share:P0} of batch cells are tokens");
        CollectionAssert.AreEqual(labels, Read(pool: 1000).Labels, "the same generator gives the same order");
        Assert.IsLessThan(0.8, Read(pool: 1000, bucket: false).TokenShare, "random batches pad much more");
        // A pool smaller than the data refills while bucketed batches wait to be served.
        CollectionAssert.AreEqual(expected, Read(pool: 100).Labels.Order().ToList(), "every row exactly once, small pool");
    }

    [TestMethod]
    public void DataKeptOnTheDeviceIsReadOnceForEveryEpoch()
    {
        var ml = new MLContext(1);
        int enumerations = 0;
        IEnumerable<SyntheticData.RegressionRow> Rows()
        {
            enumerations++;
            for (int i = 0; i < 40; i++)
                yield return new SyntheticData.RegressionRow { Features = new float[SyntheticData.Width], Label = i };
        }
        var data = ml.Data.LoadFromEnumerable(Rows());
        var task = PredictionTask.Create(PredictionKind.Regression, data.Schema["Label"], new BigModel.MLNet.Engine.TrainingOptions());
        using var source = new DataViewBatchSource(data, [new FloatVectorInput("Features")], "Label", task, 8, 100, "training", seed: 1,
            keepOnDevice: true);
        var expected = Enumerable.Range(0, 40).Select(i => (float)i).ToList();
        CollectionAssert.AreEqual(expected, Labels(() => source.ReadEpoch(CPU, new Random(1))).Order().ToList());
        int afterFirstEpoch = enumerations;
        // A new Device object each epoch, as the training loop's tensors give: the same device, another reference.
        for (int epoch = 2; epoch <= 3; epoch++)
            CollectionAssert.AreEqual(expected, Labels(() => source.ReadEpoch(new Device("cpu"), new Random(epoch))).Order().ToList());
        Assert.AreEqual(afterFirstEpoch, enumerations, "later epochs select from the tensors read by the first");
    }
}
