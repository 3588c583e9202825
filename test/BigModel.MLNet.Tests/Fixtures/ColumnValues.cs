using Microsoft.ML;
using Microsoft.ML.Data;

namespace BigModel.MLNet.Tests.Fixtures;

/// <summary>Reads any numeric, Boolean, key or vector column of a data view as a flat list of floats.</summary>
internal static class ColumnValues
{
    public static float[] Read(IDataView data, string column)
    {
        var col = data.Schema[column];
        var type = col.Type;
        var values = new List<float>();
        using var cursor = data.GetRowCursor([col]);
        if (type is VectorDataViewType)
        {
            var getter = cursor.GetGetter<VBuffer<float>>(col);
            VBuffer<float> v = default;
            while (cursor.MoveNext()) { getter(ref v); values.AddRange(v.DenseValues()); }
        }
        else if (type == NumberDataViewType.Single)
        {
            var getter = cursor.GetGetter<float>(col);
            float v = 0;
            while (cursor.MoveNext()) { getter(ref v); values.Add(v); }
        }
        else if (type == BooleanDataViewType.Instance)
        {
            var getter = cursor.GetGetter<bool>(col);
            bool v = false;
            while (cursor.MoveNext()) { getter(ref v); values.Add(v ? 1 : 0); }
        }
        else if (type is KeyDataViewType)
        {
            var getter = cursor.GetGetter<uint>(col);
            uint v = 0;
            while (cursor.MoveNext()) { getter(ref v); values.Add(v); }
        }
        else
        {
            throw new NotSupportedException($"Cannot read {type} as floats.");
        }
        return values.ToArray();
    }
}
