using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace BigModel.MLNet.Tasks;

/// <summary>Reads a key column's key values as text, whatever their type.</summary>
internal static class KeyValueNames
{
    /// <summary>ML.NET's annotation kind for a key column's values.</summary>
    public const string KeyValuesKind = "KeyValues";

    /// <summary>
    /// The <paramref name="count"/> key values of <paramref name="column"/> as strings, or "0", "1", … when the
    /// column carries no key values.
    /// </summary>
    public static string[] Of(DataViewSchema.Column column, int count)
    {
        var annotation = column.Annotations.Schema.GetColumnOrNull(KeyValuesKind);
        if (annotation?.Type is not VectorDataViewType vector)
            return Enumerable.Range(0, count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var read = typeof(KeyValueNames).GetMethod(nameof(Read), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(vector.ItemType.RawType);
        var names = (string[])read.Invoke(null, [column.Annotations])!;
        if (names.Length != count || names.Distinct().Count() != count)
            throw new ArgumentException($"The key values of label column '{column.Name}' are not {count} distinct values.", column.Name);
        return names;
    }

    private static string[] Read<T>(DataViewSchema.Annotations annotations)
    {
        VBuffer<T> values = default;
        annotations.GetValue(KeyValuesKind, ref values);
        return values.DenseValues().Select(v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? "").ToArray();
    }
}
