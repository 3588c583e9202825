using static TorchSharp.torch;

namespace BigModel.MLNet.Engine;

/// <summary>A task with its loss replaced by the user's; accuracy and class handling stay the task's own.</summary>
internal sealed class CustomLossTask(ITrainingTask inner, LossFunction loss) : ITrainingTask
{
    public LossFunction Loss => loss;
    public bool IsClassification => inner.IsClassification;
    public long CountCorrect(Tensor output, Tensor target) => inner.CountCorrect(output, target);
    public Tensor Correct(Tensor output, Tensor target) => inner.Correct(output, target);
    public int? OutputWidth => inner.OutputWidth;
    public int? ClassCount => inner.ClassCount;
}
