namespace BigModel.MLNet.Data;

/// <summary>Labelled photos stored one folder per class.</summary>
internal static class ImageFolders
{
    private static readonly string[] DefaultExtensions = [".jpg", ".jpeg", ".png", ".bmp"];

    /// <summary>A photo's path and its class (its folder's name).</summary>
    public sealed class Photo
    {
        /// <summary>The photo's file.</summary>
        public string ImagePath { get; set; } = "";

        /// <summary>Its class: the name of the folder it is in.</summary>
        public string Label { get; set; } = "";
    }

    public static List<Photo> List(string root, string[] extensions)
    {
        if (!Directory.Exists(root))
            throw new DirectoryNotFoundException($"The image folder '{root}' does not exist.");
        var wanted = (extensions.Length == 0 ? DefaultExtensions : extensions)
            .Select(e => e.StartsWith('.') ? e : "." + e).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var classes = Directory.GetDirectories(root).OrderBy(d => d, StringComparer.Ordinal).ToList();
        if (classes.Count == 0)
            throw new InvalidDataException($"The image folder '{root}' has no class sub-folders (expected one folder of photos per class).");
        var photos = new List<Photo>();
        foreach (string folder in classes)
        {
            var files = Directory.GetFiles(folder).Where(f => wanted.Contains(Path.GetExtension(f))).OrderBy(f => f, StringComparer.Ordinal).ToList();
            if (files.Count == 0)
                throw new InvalidDataException($"The class folder '{folder}' holds no images ({string.Join(", ", wanted)}).");
            photos.AddRange(files.Select(file => new Photo { ImagePath = file, Label = Path.GetFileName(folder) }));
        }
        return photos;
    }
}
