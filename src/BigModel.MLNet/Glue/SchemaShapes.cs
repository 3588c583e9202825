using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace BigModel.MLNet.Glue;

/// <summary>Builds <see cref="SchemaShape"/> values, whose column constructor ML.NET keeps internal.</summary>
internal static class SchemaShapes
{
    private static readonly Func<DataViewSchema, SchemaShape> Create = FindCreate();

    /// <summary>The shape of <paramref name="schema"/>, as ML.NET's own estimators see it.</summary>
    public static SchemaShape FromSchema(DataViewSchema schema) => Create(schema);

    /// <summary>
    /// Returns <paramref name="input"/> with the columns of <paramref name="added"/> appended, replacing
    /// input columns of the same name (as ML.NET's own trainers do for Score and PredictedLabel).
    /// </summary>
    public static SchemaShape Append(SchemaShape input, DataViewSchema added)
    {
        var addedColumns = Create(added).ToList();
        var names = addedColumns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        return new SchemaShape(input.Where(c => !names.Contains(c.Name)).Concat(addedColumns));
    }

    /// <summary>
    /// A schema with the shape's columns, for running the same column checks on a shape as on real data.
    /// </summary>
    public static DataViewSchema ToSchema(SchemaShape shape)
    {
        var builder = new DataViewSchema.Builder();
        foreach (var column in shape)
        {
            // Shapes record neither key counts nor vector sizes: two keys and one slot stand in for them.
            // Scalars may be structured types (an image); vectors always hold primitive items.
            DataViewType item = column.IsKey ? new KeyDataViewType(column.ItemType.RawType, 2) : column.ItemType;
            DataViewType type = column.Kind switch
            {
                SchemaShape.Column.VectorKind.Scalar => item,
                SchemaShape.Column.VectorKind.Vector => new VectorDataViewType((PrimitiveDataViewType)item, 1),
                _ => new VectorDataViewType((PrimitiveDataViewType)item),
            };
            builder.AddColumn(column.Name, type);
        }
        return builder.ToSchema();
    }

    private static Func<DataViewSchema, SchemaShape> FindCreate()
    {
        var method = typeof(SchemaShape).GetMethod("Create", BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public,
            [typeof(DataViewSchema)]) ?? throw new MissingMethodException(
            $"{nameof(SchemaShape)}.Create(DataViewSchema) is missing; this build of BigModel.MLNet expects Microsoft.ML 5.0.x.");
        return method.CreateDelegate<Func<DataViewSchema, SchemaShape>>();
    }
}
