using BigModel.MLNet.Engine;
using BigModel.MLNet.Glue.Columns;
using BigModel.MLNet.Models.Recommender;
using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace BigModel.MLNet.Tasks;

/// <summary>
/// Learning to rank from interactions: every batch of (user, item) rows gets <c>NegativeRatio</c> sampled items per
/// row (uniform over the item keys, never the row's own item), trained with logistic loss or BPR. Outputs a scalar
/// <c>Score</c>: the relevance logit.
/// </summary>
/// <remarks>Batches are laid out as [positives; negatives for round 1; …; round r], which BPR relies on.</remarks>
internal sealed class ImplicitFeedbackTask(int itemCount, int negativeRatio, ImplicitLoss loss) : PredictionTask
{
    public override PredictionKind Kind => PredictionKind.ImplicitFeedback;

    public override LossFunction Loss => loss == ImplicitLoss.Bpr ? BprLoss : LogisticLoss;

    public override bool IsClassification => false;
    public override int OutputSize => 1;

    public override BatchColumnReader CreateLabelReader(DataViewRow row, DataViewSchema.Column column, int capacity) =>
        throw new InvalidOperationException("Implicit feedback has no label column.");

    /// <summary>Appends the sampled negatives: users (and user features) repeated, items drawn at random.</summary>
    public override TensorBatch CompleteBatch(TensorBatch batch, Random random)
    {
        var users = batch.Inputs[0];
        var items = batch.Inputs[1];
        long rows = users.shape[0];
        long[] positives = items.cpu().data<long>().ToArray();
        var sampled = new long[rows * negativeRatio];
        for (int i = 0; i < sampled.Length; i++)
        {
            long positive = positives[i % rows];
            long item;
            do item = random.Next(1, itemCount + 1);
            while (item == positive && itemCount > 1);
            sampled[i] = item;
        }
        var inputs = new List<Tensor>
        {
            users.repeat(1 + negativeRatio),
            cat([items, tensor(sampled, [sampled.LongLength], device: items.device)], 0),
        };
        inputs.AddRange(batch.Inputs.Skip(2).Select(features => features.repeat(1 + negativeRatio, 1)));
        var target = loss == ImplicitLoss.Bpr
            ? ones(rows, device: users.device)
            : cat([ones(rows, device: users.device), zeros(rows * negativeRatio, device: users.device)], 0);
        return new TensorBatch(inputs, target) { DataRows = rows };
    }

    private static Tensor LogisticLoss(Tensor output, Tensor target) =>
        nn.functional.binary_cross_entropy_with_logits(output.squeeze(-1), target, reduction: nn.Reduction.None);

    /// <summary>−log σ(s⁺ − s⁻), averaged over each positive's negatives: one loss per positive row.</summary>
    private static Tensor BprLoss(Tensor output, Tensor target)
    {
        long rows = target.shape[0];
        using var scores = output.squeeze(-1);
        using var positive = scores.narrow(0, 0, rows);
        using var negative = scores.narrow(0, rows, scores.shape[0] - rows).view(-1, rows);
        using var margin = positive.unsqueeze(0) - negative;
        using var logLikelihood = nn.functional.logsigmoid(margin);
        return logLikelihood.mean([0]).neg();
    }
}
