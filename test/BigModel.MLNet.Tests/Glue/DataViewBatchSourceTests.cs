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
        var task = PredictionTask.Create(PredictionKind.Regression, data.Schema["Label"]);
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
}
