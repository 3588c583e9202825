using BigModel.MLNet.Engine;
using TorchSharp;
using static TorchSharp.torch;

namespace BigModel.MLNet.Models.Recommender;

/// <summary>
/// Trains matrix factorisation and NeuMF in two stages that never end worse than the bias model on validation data:
/// first the biases alone (global mean, user and item offsets: what sparse data mostly supports), then the whole model
/// from there. With validation data, the interaction is kept only when its best epoch validates better than the biases
/// did; otherwise it is set to zero, which leaves exactly the bias model. Without validation data both stages run and
/// the second is kept.
/// </summary>
internal static class RecommenderStages
{
    public static TrainingHistory Train(RecommenderNetwork network, TrainingSession session)
    {
        var context = session.Context;
        network.to(context.Device);
        var staged = session.Options.CopyForStage();
        if (session.Validation is not null)
            staged.EarlyStoppingPatience ??= 3;

        // The first stage trains exactly what Architecture = Biases trains.
        network.InteractionEnabled = false;
        var biases = new TrainableNetwork(network, network.Forward, network.Penalty, [new ParameterGroup(network.BiasParameters)]);
        var first = new TrainingLoop(staged, session.Task, context).Run(biases, session.Training, session.Validation);
        var biasWeights = network.BiasParameters.Select(p => p.detach().clone().DetachFromDisposeScope()).ToList();
        try
        {
            network.InteractionEnabled = true;
            var all = new TrainableNetwork(network, network.Forward, network.Penalty);
            var second = new TrainingLoop(staged, session.Task, context).Run(all, session.Training, session.Validation);

            bool keepBiases = BestLoss(first) is double biasLoss && BestLoss(second) is double fullLoss && fullLoss >= biasLoss;
            if (keepBiases)
            {
                using var _ = no_grad();
                foreach (var (parameter, saved) in network.BiasParameters.Zip(biasWeights))
                    parameter.copy_(saved);
                network.ClearInteraction();
                context.Log($"Kept the bias model: the interaction validated worse (loss {BestLoss(second):G4} against {BestLoss(first):G4}).");
            }
            network.eval();
            return first.Then("biases", second, "interaction", keptThis: keepBiases);
        }
        finally
        {
            foreach (var weight in biasWeights)
                weight.Dispose();
        }
    }

    private static double? BestLoss(TrainingHistory history) =>
        (history.BestEpoch is int best ? history.Epochs[best - 1] : history.Epochs.LastOrDefault())?.ValidationLoss;
}
