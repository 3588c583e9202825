namespace BigModel.MLNet.Export;

/// <summary>The ONNX tensor element types the exporter writes (values are ONNX's own codes).</summary>
public enum OnnxElementType
{
    /// <summary>32-bit float.</summary>
    Float = 1,
    /// <summary>8-bit unsigned integer (dynamically quantised activations).</summary>
    UInt8 = 2,
    /// <summary>8-bit signed integer (quantised weights).</summary>
    Int8 = 3,
    /// <summary>32-bit signed integer.</summary>
    Int32 = 6,
    /// <summary>64-bit signed integer.</summary>
    Int64 = 7,
    /// <summary>UTF-8 string.</summary>
    String = 8,
    /// <summary>Boolean.</summary>
    Bool = 9,
    /// <summary>32-bit unsigned integer.</summary>
    UInt32 = 12,
}
