using BigModel.MLNet.Glue;
using Microsoft.ML;

namespace BigModel.MLNet.Tests.Fixtures;

/// <summary>Shortcuts into the package's internals for tests.</summary>
internal static class Internals
{
    public static SchemaShape SchemaShapesOf(IDataView data) => SchemaShapes.FromSchema(data.Schema);
}
