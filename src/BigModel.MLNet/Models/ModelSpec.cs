using BigModel.MLNet.Engine;
using BigModel.MLNet.Glue.Inputs;
using BigModel.MLNet.Tasks;
using Microsoft.ML;

namespace BigModel.MLNet.Models;

/// <summary>
/// What a preset is: the columns its network reads, the task it solves (from the data's schema), and how to build
/// its network. The trainer does the rest, the same way for every preset.
/// </summary>
/// <param name="Name">Names the trainer in the log ("MlpRegression").</param>
/// <param name="Inputs">The network's input columns, in the order its forward pass takes them.</param>
/// <param name="LabelColumn">The label column, or null when the task needs none.</param>
/// <param name="CreateTask">Checks the label (if any) and creates the task.</param>
/// <param name="Build">Builds a fresh network for the inputs' sizes, the task and the training data.</param>
/// <param name="TrainingAugmentation">Given the training data's schema, what changes training batches only (random flips,
/// crops, as an <c>AugmentImages</c> step marked the image column), with the epoch's generator; null for none.
/// Validation batches and scoring never see it.</param>
/// <param name="VerifyExportBeforeTraining">Export the untrained network once before training, so that a layer
/// without ONNX export fails at once (networks the user builds); presets are known to export.</param>
internal sealed record ModelSpec(
    string Name,
    IReadOnlyList<ModelInput> Inputs,
    string? LabelColumn,
    Func<DataViewSchema, PredictionTask> CreateTask,
    Func<NetworkRequest, BuiltNetwork> Build,
    Func<DataViewSchema, Func<TensorBatch, Random, TensorBatch>?>? TrainingAugmentation = null,
    bool VerifyExportBeforeTraining = false);

/// <summary>What a network builder gets: each input's size (vector width or key count), the task, the data and its
/// row count (counted once by the trainer), and the training log (for what the builder decided from the data that the
/// user should know).</summary>
internal sealed record NetworkRequest(IReadOnlyList<int> InputSizes, PredictionTask Task, IDataView TrainingData, long TrainingRows, Action<string> Log);
