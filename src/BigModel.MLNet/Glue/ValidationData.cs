using BigModel.MLNet.Engine;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace BigModel.MLNet.Glue;

/// <summary>
/// Where a fit's validation data comes from, in this order: data passed to <c>Fit</c>; rows marked by
/// <see cref="TrainingOptions.ValidationColumnName"/>; <see cref="TrainingOptions.ValidationFraction"/> of the training
/// rows, at random or the last ones (<see cref="TrainingOptions.ValidationSplit"/>; the last ones also when a random
/// draw leaves either side empty); or none (also when the data has fewer than two rows).
/// </summary>
internal static class ValidationData
{
    private const string Marker = "BigModel.IsValidation";

    /// <summary>The training data and the validation data (null for none) for one fit.</summary>
    public static (IDataView Train, IDataView? Validation) Split(MLContext context, IDataView data, IDataView? validation, TrainingOptions options, int seed)
    {
        if (validation is not null)
            return (data, validation);
        if (options.ValidationColumnName is { } column)
            return ByColumn(context, data, column);
        if (options.ValidationFraction == 0)
            return (data, null);
        if (options.ValidationSplit == ValidationSplit.Random)
        {
            var split = context.Data.TrainTestSplit(data, options.ValidationFraction, seed: seed);
            // Each row is drawn on its own, so a few dozen rows can leave one side empty; the last rows validate then.
            if (HasRows(split.TrainSet) && HasRows(split.TestSet))
                return (split.TrainSet, split.TestSet);
        }
        long rows = DataViewRows.Count(data);
        if (rows < 2)
            return (data, null); // nothing to hold out (the trainer names empty data)
        long held = Math.Clamp((long)Math.Round(rows * options.ValidationFraction), 1, rows - 1);
        return (context.Data.TakeRows(data, rows - held), context.Data.SkipRows(data, rows - held));
    }

    private static bool HasRows(IDataView data)
    {
        using var cursor = data.GetRowCursor([]);
        return cursor.MoveNext();
    }

    private static (IDataView Train, IDataView Validation) ByColumn(MLContext context, IDataView data, string column)
    {
        var marks = DeepTrainer.RequireColumn(data.Schema, column, "validation-marking");
        if (marks.Type != BooleanDataViewType.Instance)
            throw new ArgumentOutOfRangeException(column, $"Validation column '{column}' must be Boolean (true: a validation row), but is {marks.Type}.");
        var numeric = context.Transforms.Conversion.ConvertType(Marker, column, DataKind.Single).Fit(data).Transform(data);
        var train = context.Data.FilterRowsByColumn(numeric, Marker, upperBound: 0.5);
        var validation = context.Data.FilterRowsByColumn(numeric, Marker, lowerBound: 0.5);
        return (train, validation);
    }
}
