using BigModel.MLNet.Engine;
using BigModel.MLNet.Glue.Columns;
using BigModel.MLNet.Glue.Inputs;
using BigModel.MLNet.Tasks;
using Microsoft.ML;

namespace BigModel.MLNet.Models.Recommender;

/// <summary>The recommender preset: user and item keys (plus optional feature vectors) in, a rating or relevance out.</summary>
internal static class RecommenderSpec
{
    public static ModelSpec Create(RecommenderOptions options)
    {
        var inputs = new List<ModelInput> { new KeyInput(options.UserColumnName), new KeyInput(options.ItemColumnName) };
        if (options.UserFeatureColumnName is { } userFeatures)
            inputs.Add(new FloatVectorInput(userFeatures));
        if (options.ItemFeatureColumnName is { } itemFeatures)
            inputs.Add(new FloatVectorInput(itemFeatures));
        bool explicitFeedback = options.Feedback == FeedbackKind.Explicit;

        return new ModelSpec(
            $"{options.Architecture}{options.Feedback}",
            inputs,
            explicitFeedback ? options.LabelColumnName : null,
            schema => explicitFeedback
                ? RegressionTask.Unscaled(schema[options.LabelColumnName], minimum: 0)
                : new ImplicitFeedbackTask(KeyColumnReader.KeyCount(schema[options.ItemColumnName]), options.NegativeRatio, options.ImplicitLoss),
            request =>
            {
                var sizes = request.InputSizes;
                int userFeatureWidth = options.UserFeatureColumnName is null ? 0 : sizes[2];
                int itemFeatureWidth = options.ItemFeatureColumnName is null ? 0 : sizes[^1];
                float globalBias = explicitFeedback ? MeanOf(request.TrainingData, options.LabelColumnName) : 0;
                var network = new RecommenderNetwork(sizes[0], sizes[1], globalBias, userFeatureWidth, itemFeatureWidth, options);
                var built = new BuiltNetwork(new TrainableNetwork(network, network.Forward, network.Penalty), network.ExportOnnx);
                return options.Architecture == RecommenderArchitecture.Biases ? built : built with { Train = session => RecommenderStages.Train(network, session) };
            });
    }

    /// <summary>The mean rating: the global bias starts there, so training spends no epochs finding it.</summary>
    private static float MeanOf(IDataView data, string column)
    {
        double sum = 0;
        long count = 0;
        var label = data.Schema[column];
        using var cursor = data.GetRowCursor([label]);
        var getter = cursor.GetGetter<float>(label);
        float value = 0;
        while (cursor.MoveNext())
        {
            getter(ref value);
            if (float.IsFinite(value))
            {
                sum += value;
                count++;
            }
        }
        return count == 0 ? 0 : (float)(sum / count);
    }
}
