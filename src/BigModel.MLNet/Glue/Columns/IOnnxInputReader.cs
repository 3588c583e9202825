using Microsoft.ML.OnnxRuntime;

namespace BigModel.MLNet.Glue.Columns;

/// <summary>A column reader whose rows can also feed ONNX Runtime directly (for batched scoring).</summary>
internal interface IOnnxInputReader
{
    /// <summary>Reads the cursor's current row into slot <paramref name="slot"/>.</summary>
    void Read(int slot);

    /// <summary>Slots 0 to <paramref name="rows"/> − 1 as the ONNX input named after the column (no copy).</summary>
    NamedOnnxValue ToOnnx(int rows);

    /// <summary>The rows in <paramref name="slots"/>, in that order, as the ONNX input.</summary>
    NamedOnnxValue ToOnnx(int[] slots);
}
