using BigModel.MLNet.Engine;

namespace BigModel.MLNet.Tests.Fixtures;

/// <summary>Collects training progress reports synchronously, on the training thread (unlike <see cref="Progress{T}"/>).</summary>
internal sealed class ProgressReports : List<TrainingProgress>, IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => Add(value);
}
