using BigModel.MLNet.Export;

namespace BigModel.MLNet.Models.Cnn;

/// <summary>
/// Test-time augmentation by horizontal flip (<see cref="CnnOptions.TestTimeFlip"/>): the scored network sees each image
/// and its mirror image in one batch of twice the rows and averages the two outputs, so a prediction no longer depends
/// on which way the photo faces. It lives in the exported graph only — what <c>Transform</c>, saved models and ONNX
/// exports run — so the network's weights are stored once and training (validation included) sees single images.
/// </summary>
internal static class FlipAveraging
{
    /// <summary>Appends the flipped copies, the network (<paramref name="network"/>, from flat pixel rows to
    /// [rows, <paramref name="outputs"/>]) and the average to <paramref name="graph"/>; returns the averaged output.</summary>
    public static string Export(OnnxGraph graph, string pixels, CnnOptions options, int outputs, Func<string, string> network)
    {
        long[] imageShape = ImageInput.ShapeOf(options);
        string images = graph.AddNode("Reshape", [pixels, graph.AddInitializer("tta_image_shape", imageShape, imageShape.Length)]);
        // Width reversed: a slice of the last axis from its end to before its start, step −1.
        string mirrored = graph.AddNode("Slice", [images, graph.AddInitializer("tta_start", [-1L], 1),
            graph.AddInitializer("tta_end", [long.MinValue], 1), graph.AddInitializer("tta_axis", [3L], 1), graph.AddInitializer("tta_step", [-1L], 1)]);
        string mirroredRows = graph.AddNode("Flatten", [mirrored], null, OnnxAttribute.Of("axis", 1L));
        string both = graph.AddNode("Concat", [pixels, mirroredRows], null, OnnxAttribute.Of("axis", 0L));
        string scored = network(both);
        string pairs = graph.AddNode("Reshape", [scored, graph.AddInitializer("tta_pairs", [2L, -1L, outputs], 3)]);
        return graph.AddNode("ReduceMean", [pairs], null, OnnxAttribute.Of("axes", [0L]), OnnxAttribute.Of("keepdims", 0L));
    }
}
