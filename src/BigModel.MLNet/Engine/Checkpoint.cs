using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace BigModel.MLNet.Engine;

/// <summary>
/// Everything a training run needs to continue exactly where it stopped: the epoch and step reached, the network's
/// weights and buffers, the optimiser's moments, early stopping's best weights and counters, the history, and the
/// random-stream positions. One file per checkpoint: a magic number, a JSON header, then the tensors' bytes, with a
/// SHA-256 of those bytes in the header so that a damaged file is refused by name instead of resuming garbage.
/// </summary>
internal sealed class Checkpoint : IDisposable
{
    private static readonly byte[] Magic = "BMCK"u8.ToArray();
    private static readonly JsonSerializerOptions Json = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };
    private const int Version = 1;

    /// <summary>Epochs completed.</summary>
    public required int Epoch { get; init; }
    /// <summary>Optimisation steps taken (the schedule's position and the per-step random streams).</summary>
    public required long Step { get; init; }
    /// <summary>Random draws of batch-norm recomputation so far.</summary>
    public required long StatisticsDraws { get; init; }
    /// <summary>Steps the optimiser has taken (Adam's bias correction).</summary>
    public required long OptimizerSteps { get; init; }
    /// <summary>The seed of the run that wrote it.</summary>
    public required int Seed { get; init; }
    /// <summary>The epochs so far.</summary>
    public required List<EpochMetrics> History { get; init; }
    /// <summary>Early stopping's state, when it is on.</summary>
    public EarlyStoppingState? EarlyStopping { get; init; }
    /// <summary>Named tensors (network/…, adam1/…, adam2/…, best/…), on the CPU.</summary>
    public required Dictionary<string, Tensor> Tensors { get; init; }

    /// <summary>Early stopping's counters (its best weights travel as "best/…" tensors).</summary>
    public sealed record EarlyStoppingState(double Best, int? BestEpoch, int EpochsWithoutImprovement);

    private sealed record TensorEntry(string Name, string Type, long[] Shape, long Offset, long Length);

    private sealed record Header(int Version, int Epoch, long Step, long StatisticsDraws, long OptimizerSteps, int Seed,
        List<EpochMetrics> History, EarlyStoppingState? EarlyStopping, List<TensorEntry> Tensors, string Sha256);

    /// <summary>The file name of the checkpoint after <paramref name="epoch"/> epochs.</summary>
    public static string FileName(int epoch) => $"epoch-{epoch:D4}.ckpt";

    /// <summary>The latest checkpoint in <paramref name="folder"/>, or null.</summary>
    public static string? Latest(string folder) => Directory.Exists(folder)
        ? Directory.GetFiles(folder, "epoch-*.ckpt").OrderBy(f => f, StringComparer.Ordinal).LastOrDefault()
        : null;

    /// <summary>Writes the checkpoint atomically (beside the target, then renamed over it) and returns its path.</summary>
    public string Write(string folder)
    {
        Directory.CreateDirectory(folder);
        var blob = new MemoryStream();
        var entries = new List<TensorEntry>();
        foreach (var (name, tensor) in Tensors.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            using var scope = NewDisposeScope();
            var cpu = tensor.detach().cpu().contiguous();
            byte[] bytes = cpu.dtype switch
            {
                ScalarType.Float32 => System.Runtime.InteropServices.MemoryMarshal.AsBytes(cpu.data<float>().ToArray().AsSpan()).ToArray(),
                ScalarType.Int64 => System.Runtime.InteropServices.MemoryMarshal.AsBytes(cpu.data<long>().ToArray().AsSpan()).ToArray(),
                _ => throw new NotSupportedException($"Checkpoints hold Float32 and Int64 tensors; '{name}' is {cpu.dtype}."),
            };
            entries.Add(new TensorEntry(name, cpu.dtype == ScalarType.Float32 ? "f32" : "i64", cpu.shape, blob.Length, bytes.Length));
            blob.Write(bytes);
        }
        byte[] data = blob.ToArray();
        var header = new Header(Version, Epoch, Step, StatisticsDraws, OptimizerSteps, Seed, History, EarlyStopping, entries,
            Convert.ToHexString(SHA256.HashData(data)));
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(header, Json);
        string path = Path.Combine(folder, FileName(Epoch));
        string temporary = $"{path}.{Environment.ProcessId}.tmp";
        using (var file = File.Create(temporary))
        {
            file.Write(Magic);
            file.Write(BitConverter.GetBytes(json.LongLength));
            file.Write(json);
            file.Write(data);
        }
        File.Move(temporary, path, overwrite: true);
        return path;
    }

    /// <summary>Reads a checkpoint file, or the latest checkpoint of a folder.</summary>
    /// <exception cref="FileNotFoundException">No such file, or a folder without checkpoints.</exception>
    /// <exception cref="InvalidDataException">The file is not a checkpoint or is damaged (the message names it).</exception>
    public static Checkpoint Read(string path)
    {
        if (Directory.Exists(path))
            path = Latest(path) ?? throw new FileNotFoundException($"The folder '{path}' holds no checkpoint (epoch-NNNN.ckpt).", path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"The checkpoint '{path}' does not exist.", path);
        byte[] file = File.ReadAllBytes(path);
        try
        {
            if (file.Length < 12 || !file.AsSpan(0, 4).SequenceEqual(Magic))
                throw new InvalidDataException("it is not a BigModel.MLNet checkpoint");
            long jsonLength = BitConverter.ToInt64(file, 4);
            if (jsonLength <= 0 || 12 + jsonLength > file.Length)
                throw new InvalidDataException("its header is damaged");
            var header = JsonSerializer.Deserialize<Header>(file.AsSpan(12, (int)jsonLength), Json)
                ?? throw new InvalidDataException("its header is empty");
            if (header.Version != Version)
                throw new InvalidDataException($"it has format version {header.Version}; this package reads version {Version}");
            var data = file.AsMemory((int)(12 + jsonLength));
            if (Convert.ToHexString(SHA256.HashData(data.Span)) != header.Sha256)
                throw new InvalidDataException("its tensors do not match the checksum it records (the file is damaged)");
            var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var entry in header.Tensors)
            {
                var bytes = data.Slice((int)entry.Offset, (int)entry.Length).Span;
                tensors[entry.Name] = entry.Type == "f32"
                    ? tensor(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray(), entry.Shape).DetachFromDisposeScope()
                    : tensor(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(bytes).ToArray(), entry.Shape).DetachFromDisposeScope();
            }
            return new Checkpoint
            {
                Epoch = header.Epoch, Step = header.Step, StatisticsDraws = header.StatisticsDraws, OptimizerSteps = header.OptimizerSteps,
                Seed = header.Seed, History = header.History, EarlyStopping = header.EarlyStopping, Tensors = tensors,
            };
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidDataException or NotSupportedException)
        {
            throw new InvalidDataException($"'{path}' cannot be resumed from: {e.Message}.", e);
        }
    }

    /// <summary>Releases the tensors.</summary>
    public void Dispose()
    {
        foreach (var tensor in Tensors.Values)
            tensor.Dispose();
    }
}
