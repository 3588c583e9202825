using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace BigModel.MLNet.Glue;

/// <summary>
/// What a trainer takes from its <see cref="MLContext"/>: a seed drawn from the context's random stream,
/// a log channel that feeds <see cref="MLContext.Log"/>, the cancellation flag, and the GPU settings.
/// </summary>
internal sealed class ContextServices : IDisposable
{
    private readonly MLContext _context;
    private readonly IHost _host;
    private readonly Func<bool> _isCanceled;
    private IChannel? _channel;

    public ContextServices(MLContext context, string name)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        _host = ((IHostEnvironment)context).Register(name);
        _isCanceled = CancellationProbe(_host);
    }


    /// <summary>A fresh seed from the context's random stream: fixed when the MLContext has a seed.</summary>
    public int NextSeed() => _host.Rand.Next();

    /// <summary>Whether cancellation of the context was requested (see <see cref="DeepCatalog.CancelExecution"/>).</summary>
    public bool IsCanceled => _isCanceled();

    public int? GpuDeviceId => _context.GpuDeviceId;

    public bool FallbackToCpu => _context.FallbackToCpu;

    /// <summary>Writes an informational line to <see cref="MLContext.Log"/>.</summary>
    public void Info(string message) => (_channel ??= _host.Start("Training")).Info(MessageSensitivity.None, message);

    /// <summary>Closes the log channel.</summary>
    public void Dispose() => _channel?.Dispose();

    /// <summary>
    /// Requests cancellation of everything running under <paramref name="context"/>, as ML.NET's own
    /// (non-public) <c>CancelExecution</c> does.
    /// </summary>
    public static void Cancel(MLContext context)
    {
        var cancel = typeof(MLContext).GetMethod("CancelExecution", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            ?? context.GetType().GetInterfaces().Select(i => i.GetMethod("CancelExecution")).FirstOrDefault(m => m is not null)
            ?? throw new NotSupportedException("This version of ML.NET offers no way to cancel an MLContext.");
        cancel.Invoke(context, null);
    }

    // ML.NET keeps its cancellation flag behind an internal interface; the host object exposes it as a
    // public property of a non-public class, which reflection can read.
    private static Func<bool> CancellationProbe(IHost host)
    {
        var property = host.GetType().GetProperty("IsCanceled", BindingFlags.Instance | BindingFlags.Public);
        return property?.PropertyType == typeof(bool) ? () => (bool)property.GetValue(host)! : () => false;
    }
}
