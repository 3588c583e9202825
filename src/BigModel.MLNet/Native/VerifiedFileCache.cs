namespace BigModel.MLNet.Native;

/// <summary>
/// Keeps a file with known contents in the first usable folder of a list, and returns it only after checking that it
/// holds exactly those contents: a copy that is corrupt or was replaced is written again, and a folder that other users
/// can write to (or that belongs to someone else) is passed over. Used for the patched native library, which is loaded
/// into the process: nothing a third party could have planted is trusted.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class VerifiedFileCache
{
    private const UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OthersWrite = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;

    /// <summary>
    /// The path of <paramref name="fileName"/> holding <paramref name="contents"/> in the first folder of
    /// <paramref name="folders"/> that is (or can be made) private to this user.
    /// </summary>
    /// <exception cref="InvalidOperationException">No folder is usable; the message says why for each.</exception>
    public static string Provide(string fileName, byte[] contents, IEnumerable<string> folders)
    {
        var problems = new List<string>();
        foreach (string folder in folders)
        {
            try
            {
                if (Unusable(folder) is { } problem)
                {
                    problems.Add($"'{folder}': {problem}");
                    continue;
                }
                string path = Path.Combine(folder, fileName);
                if (!HoldsExactly(path, contents))
                    Write(path, contents);
                string? fileProblem = Unusable(path) ?? (HoldsExactly(path, contents) ? null : "its contents changed after writing");
                if (fileProblem is not null)
                {
                    problems.Add($"'{path}': {fileProblem}");
                    continue;
                }
                return path;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add($"'{folder}': {e.Message}");
            }
        }
        throw new InvalidOperationException(
            $"BigModel.MLNet needs a private folder for a patched copy of {fileName}, but none is usable: {string.Join("; ", problems)}. " +
            "Set BIGMODEL_NATIVE_CACHE to a folder that only you can write to.");
    }

    /// <summary>Why a folder or file may not be trusted (null when it may), creating a missing folder privately.</summary>
    private static string? Unusable(string path)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
            Directory.CreateDirectory(path, PrivateFolder);
        UnixFileMode mode = File.GetUnixFileMode(path);
        if ((mode & OthersWrite) != 0)
            return "other users can write to it";
        try
        {
            // Changing the mode to itself succeeds only for the owner: a cheap ownership test without stat(2).
            File.SetUnixFileMode(path, mode);
        }
        catch (UnauthorizedAccessException)
        {
            return "it belongs to another user";
        }
        return null;
    }

    private static bool HoldsExactly(string path, byte[] contents)
    {
        if (!File.Exists(path) || new FileInfo(path).Length != contents.Length)
            return false;
        return File.ReadAllBytes(path).AsSpan().SequenceEqual(contents);
    }

    /// <summary>Writes beside the target and renames over it, so a reader never sees half a file.</summary>
    private static void Write(string path, byte[] contents)
    {
        string temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        File.WriteAllBytes(temporary, contents);
        File.Move(temporary, path, overwrite: true);
    }
}
