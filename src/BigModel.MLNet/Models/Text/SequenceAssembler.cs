using BigModel.MLNet.Engine;
using BigModel.MLNet.Export;
using static TorchSharp.torch;

namespace BigModel.MLNet.Models.Text;

/// <summary>
/// Turns the WordPiece ids of one or two texts (each row a prefix of ids followed by −1) into BERT's input:
/// <c>[CLS] a [SEP]</c> or <c>[CLS] a [SEP] b [SEP]</c>, truncated to <see cref="MaxLength"/> by cutting the longer
/// text first ("longest first" as Hugging Face's Python tokenizers do it: on an odd budget the first text keeps the
/// extra token), with token types (0 for a, 1 for b) and an attention mask.
/// </summary>
/// <remarks>
/// Assembling inside the model keeps tokenisation independent of the model's maximum length, and lets a batch be only
/// as long as its longest row. The same rules are written twice: in C# for training and as ONNX operators for scoring;
/// a test checks they agree.
/// </remarks>
internal sealed record SequenceAssembler(int MaxLength, long Classification, long Separator, long Padding)
{
    /// <summary>The assembled batch: ids and token types (int64) and the mask (float, 1 = token), each [rows, length].</summary>
    public sealed record Assembled(Tensor Ids, Tensor Types, Tensor Mask);

    /// <summary>Assembles a batch; with <paramref name="trim"/> its length is its longest row's, else <see cref="MaxLength"/>.</summary>
    public Assembled Assemble(Tensor first, Tensor? second, bool trim, Device device)
    {
        int rows = (int)first.shape[0];
        var a = Rows(first);
        var b = second is null ? null : Rows(second);
        var kept = new (int A, int B, int Total)[rows];
        for (int r = 0; r < rows; r++)
            kept[r] = Keep(a[r].Length, b?[r].Length);
        int length = trim ? kept.Max(k => k.Total) : MaxLength;

        var ids = new long[rows * length];
        var types = new long[rows * length];
        var mask = new float[rows * length];
        Array.Fill(ids, Padding);
        for (int r = 0; r < rows; r++)
        {
            var (keepA, keepB, total) = kept[r];
            int at = r * length;
            ids[at] = Classification;
            a[r].AsSpan(0, keepA).CopyTo(ids.AsSpan(at + 1));
            ids[at + keepA + 1] = Separator;
            if (b is not null)
            {
                b[r].AsSpan(0, keepB).CopyTo(ids.AsSpan(at + keepA + 2));
                ids[at + total - 1] = Separator;
                types.AsSpan(at + keepA + 2, keepB + 1).Fill(1);
            }
            mask.AsSpan(at, total).Fill(1f);
        }
        return new Assembled(HostCopy.ToDevice(tensor(ids, [rows, length]), device), HostCopy.ToDevice(tensor(types, [rows, length]), device),
            HostCopy.ToDevice(tensor(mask, [rows, length]), device));
    }

    /// <summary>How many ids of each text are kept, and the sequence's length with its special tokens.</summary>
    private (int A, int B, int Total) Keep(int lengthA, int? lengthB)
    {
        if (lengthB is not int b)
        {
            int keepA = Math.Min(lengthA, MaxLength - 2);
            return (keepA, 0, keepA + 2);
        }
        int budget = MaxLength - 3;
        // Removing one id at a time from the longer text (from b on ties) leaves a at most ceil(budget / 2) when both are long.
        int a = Math.Min(lengthA, Math.Max(budget - b, (budget + 1) / 2));
        int kept = Math.Min(b, budget - a);
        return (a, kept, a + kept + 3);
    }

    private static long[][] Rows(Tensor ids)
    {
        using var scope = NewDisposeScope();
        int rows = (int)ids.shape[0], width = (int)ids.shape[1];
        long[] all = ids.cpu().contiguous().data<long>().ToArray();
        var result = new long[rows][];
        for (int r = 0; r < rows; r++)
        {
            var row = all.AsSpan(r * width, width);
            int count = row.IndexOf(-1L) is var end and >= 0 ? end : width;
            result[r] = row[..count].ToArray();
        }
        return result;
    }

    /// <summary>
    /// The same assembly as ONNX operators on int64 [rows, width] inputs. Returns the names of ids, types (int64) and
    /// mask (float); with <paramref name="trim"/> the length is the batch's longest row's.
    /// </summary>
    public (string Ids, string Types, string Mask) ExportOnnx(OnnxGraph graph, string first, string? second, bool trim)
    {
        string Int(string hint, long value) => graph.AddInitializer(hint, [value]);
        string Node(string op, params string[] inputs) => graph.AddNode(op, inputs);
        string Axes(long axis) => graph.AddInitializer("axes", [axis], 1);
        string zero = Int("zero", 0), one = Int("one", 1), two = Int("two", 2);
        string Length(string ids) => graph.AddNode("ReduceSum", [graph.AddNode("Cast", [Node("GreaterOrEqual", ids, zero)], null,
            OnnxAttribute.Of("to", (long)OnnxElementType.Int64)), Axes(1)], null, OnnxAttribute.Of("keepdims", 1L)); // [rows, 1]

        string keepA, total, keepB = "";
        if (second is null)
        {
            keepA = Node("Min", Length(first), Int("budget", MaxLength - 2));
            total = Node("Add", keepA, two);
        }
        else
        {
            long budget = MaxLength - 3;
            string lengthB = Length(second);
            keepA = Node("Min", Length(first), Node("Max", Node("Sub", Int("budget", budget), lengthB), Int("half", (budget + 1) / 2)));
            keepB = Node("Min", lengthB, Node("Sub", Int("budget", budget), keepA));
            total = Node("Add", Node("Add", keepA, keepB), Int("three", 3));
        }

        string length = trim
            ? graph.AddNode("ReduceMax", [total], null, OnnxAttribute.Of("keepdims", 0L))
            : Int("max_length", MaxLength);
        string positions = Node("Unsqueeze", Node("Range", zero, length, one), Axes(0)); // [1, L]

        string rowCount = Node("Gather", Node("Shape", first), zero);
        string gridShape = graph.AddNode("Concat", [Node("Unsqueeze", rowCount, Axes(0)), Node("Unsqueeze", length, Axes(0))], null, OnnxAttribute.Of("axis", 0L));
        string Pick(string ids, string offset)
        {
            // ids[row, clamp(p − offset, 0, width − 1)] for every position p of the grid.
            string last = Node("Sub", Node("Gather", Node("Shape", ids), one), one);
            string index = Node("Max", Node("Min", Node("Sub", positions, offset), last), zero);
            return graph.AddNode("GatherElements", [ids, Node("Expand", index, gridShape)], null, OnnxAttribute.Of("axis", 1L));
        }

        string endA = Node("Add", keepA, one);                // position of the first [SEP]
        string isA = Node("And", Node("GreaterOrEqual", positions, one), Node("LessOrEqual", positions, keepA));
        string ids = Int("pad", Padding);
        if (second is not null)
        {
            string isB = Node("And", Node("Greater", positions, endA), Node("LessOrEqual", positions, Node("Add", endA, keepB)));
            ids = Node("Where", Node("Equal", positions, Node("Sub", total, one)), Int("sep", Separator), ids);
            ids = Node("Where", isB, Pick(second, Node("Add", endA, one)), ids);
        }
        ids = Node("Where", Node("Equal", positions, endA), Int("sep", Separator), ids);
        ids = Node("Where", isA, Pick(first, one), ids);
        ids = Node("Where", Node("Equal", positions, zero), Int("cls", Classification), ids);

        // Every condition compares positions [1, L] with per-row counts [rows, 1], so the results are [rows, L].
        string inside = Node("Less", positions, total);
        string types = graph.AddNode("Cast", [Node("And", Node("Greater", positions, endA), inside)], null, OnnxAttribute.Of("to", (long)OnnxElementType.Int64));
        string mask = graph.AddNode("Cast", [inside], null, OnnxAttribute.Of("to", (long)OnnxElementType.Float));
        return (ids, types, mask);
    }
}
