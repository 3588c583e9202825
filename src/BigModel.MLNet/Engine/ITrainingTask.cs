using static TorchSharp.torch;

namespace BigModel.MLNet.Engine;

/// <summary>What the engine needs to know about the learning problem: its loss and how to judge predictions.</summary>
public interface ITrainingTask
{
    /// <summary>The per-row loss.</summary>
    LossFunction Loss { get; }

    /// <summary>Whether outputs have classes, so that accuracy and class weights apply.</summary>
    bool IsClassification { get; }

    /// <summary>Counts correct predictions in a batch (classification only).</summary>
    long CountCorrect(Tensor output, Tensor target);

    /// <summary>Correct predictions in a batch as a one-element tensor, left on the batch's device so that counting
    /// needs no copy to the host; the default counts with <see cref="CountCorrect"/>.</summary>
    Tensor Correct(Tensor output, Tensor target) => tensor(new[] { CountCorrect(output, target) });

    /// <summary>Values the network must output per row (shape [rows, width]), checked on the first batch; null
    /// accepts any output.</summary>
    int? OutputWidth => null;

    /// <summary>Classes of a classification task (2 for binary), which <see cref="TrainingOptions.ClassWeights"/> must
    /// match; null when unknown.</summary>
    int? ClassCount => null;
}
