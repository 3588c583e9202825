using System.Runtime.InteropServices;

namespace BigModel.MLNet.Engine;

/// <summary>Turns libtorch's exceptions into messages a user can read: the first lines, without the C++ stack trace.</summary>
internal static class NativeErrors
{
    /// <summary>Whether <paramref name="e"/> came from libtorch through TorchSharp.</summary>
    public static bool IsNative(Exception e) => e is ExternalException;

    /// <summary>The message without "Exception raised from …" and the frames after it.</summary>
    public static string Clean(string message)
    {
        int trace = message.IndexOf("Exception raised from", StringComparison.Ordinal);
        string text = trace >= 0 ? message[..trace] : message;
        return string.Join(" ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}
