namespace BigModel.MLNet.Engine;

/// <summary>Gives the learning rate for each optimisation step under a <see cref="LearningRateSchedule"/>.</summary>
internal sealed class LearningRateScheduler(LearningRateSchedule schedule, double peak, double warmupFraction, long totalSteps)
{
    private readonly long _warmupSteps = (long)Math.Round(warmupFraction * totalSteps);

    /// <summary>The rate for step <paramref name="step"/> (0-based).</summary>
    public double RateAt(long step)
    {
        if (schedule == LearningRateSchedule.Constant || totalSteps <= 1)
            return peak;
        // One-cycle starts at peak/25 and ends near peak/1e4 (Smith's defaults); cosine ramps up from zero.
        double floorStart = schedule == LearningRateSchedule.OneCycle ? peak / 25 : 0;
        double floorEnd = schedule == LearningRateSchedule.OneCycle ? peak / 1e4 : 0;
        if (step < _warmupSteps)
            return floorStart + (peak - floorStart) * (step + 1) / _warmupSteps;
        double progress = (double)(step - _warmupSteps) / Math.Max(1, totalSteps - _warmupSteps - 1);
        return floorEnd + (peak - floorEnd) * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(1, progress)));
    }
}
