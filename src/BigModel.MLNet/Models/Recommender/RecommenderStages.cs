using BigModel.MLNet.Engine;
using TorchSharp;

namespace BigModel.MLNet.Models.Recommender;

/// <summary>
/// Trains matrix factorisation and NeuMF in stages that never end worse on validation data than a simpler model: first
/// the biases alone (global mean, user and item offsets: what sparse data mostly supports), then the factors from
/// there, and for NeuMF then the whole network, starting as the trained factorisation (its fusion layer sums the GMF
/// product and ignores the MLP tower: the NeuMF paper's pre-training, with GMF trained first). With validation data, a
/// stage is kept only when its best epoch validates better than the best stage before it; the network ends as that
/// stage's model (the terms added later set so they change nothing, see <see cref="RecommenderNetwork.ReduceTo"/>).
/// Without validation data every stage runs and the last is kept.
/// </summary>
internal static class RecommenderStages
{
    public static TrainingHistory Train(RecommenderNetwork network, TrainingSession session)
    {
        var context = session.Context;
        var staged = session.Options.CopyForStage();
        if (session.Validation is not null)
            staged.EarlyStoppingPatience ??= 3;

        TrainingHistory? history = null;
        // The best stage so far, with a copy of its weights unless it is the whole network (the last stage).
        (RecommenderArchitecture Stage, double? Loss, WeightSnapshot? Weights)? kept = null;
        try
        {
            foreach (var (stage, _) in network.Stages)
            {
                // NeuMF starts exactly as the trained factorisation. (The factorisation cannot start exactly as the
                // biases: zero factors get no gradient, so they start small and random.)
                if (stage == RecommenderArchitecture.NeuMF)
                    network.ReduceTo(RecommenderArchitecture.MatrixFactorization);
                network.Active = stage;
                string name = StageName(stage);
                staged.Stage = name;
                // The stage's parameters are looked up when training starts, on the training device.
                var trainable = new TrainableNetwork(network, network.Forward, network.Penalty,
                    () => [new ParameterGroup(network.Stages.Single(s => s.Stage == stage).Trained)]);
                var run = new TrainingLoop(staged, session.Task, context).Run(trainable, session.Training, session.Validation);
                double? loss = BestLoss(run);
                bool better = kept is not { Loss: double keptLoss } || loss is not double stageLoss || stageLoss < keptLoss;
                if (better)
                {
                    kept?.Weights?.Dispose();
                    kept = (stage, loss, stage == network.Architecture ? null : WeightSnapshot.Of(network));
                }
                else
                {
                    context.Log($"Stage '{name}' validated worse (loss {loss:G4} against {kept!.Value.Loss:G4}); keeping '{StageName(kept.Value.Stage)}'.");
                }
                history = history is null ? run : history.Then(run, keepNext: better);
            }

            if (kept!.Value.Weights is { } earlier)
            {
                earlier.RestoreInto(network);
                network.ReduceTo(kept.Value.Stage);
            }
            network.Active = network.Architecture;
            network.eval();
            return history!;
        }
        finally
        {
            kept?.Weights?.Dispose();
        }
    }

    private static string StageName(RecommenderArchitecture stage) => stage switch
    {
        RecommenderArchitecture.Biases => "biases",
        RecommenderArchitecture.MatrixFactorization => "factorization",
        _ => "neumf",
    };

    private static double? BestLoss(TrainingHistory history) =>
        (history.BestEpoch is int best ? history.Epochs[best - 1] : history.Epochs.LastOrDefault())?.ValidationLoss;
}
