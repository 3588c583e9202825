namespace BigModel.MLNet.Engine;

/// <summary>Changes to training options that span several of them.</summary>
public static class TrainingOptionsExtensions
{
    /// <summary>
    /// Trains every epoch on every row: no validation fraction held out and no early stopping, as the MLP and the text
    /// classifier otherwise do by default. For a fixed number of epochs on all the data (or timings that count the same
    /// work in every run). Validation data passed to <c>Fit</c> still validates.
    /// </summary>
    /// <returns>The same options, changed, for use in an initializer expression.</returns>
    public static T OnEveryRow<T>(this T options) where T : TrainingOptions
    {
        options.ValidationFraction = 0;
        options.EarlyStoppingPatience = null;
        return options;
    }
}
