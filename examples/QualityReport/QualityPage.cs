namespace BigModel.MLNet.Examples.Quality;

/// <summary>docs/quality.md: what the table measures, then the table of one run.</summary>
internal static class QualityPage
{
    public static string Render(string table) => $"""
        # Model quality against ML.NET's baselines

        Written by `examples/QualityReport` from one run; do not edit by hand. Each row trains one of the package's
        models on a shared real dataset (`../shared/data`, split as its SOURCE.md suggests) and ML.NET's strongest
        one-line baseline on the same split in the same run; fashion-mnist (Debian's `dataset-fashion-mnist`, the first
        10,000 training images against the 10,000 test images) holds the MLP's ten-class row, on raw pixels, with the
        defaults. Ratio = ours /
        baseline (below 1 wins for errors, above 1 for accuracies); a bold value beats or equals the baseline.
        "Defaults" is what a new user writes; "recommended" adds the README's recommended settings (the text
        classifier's defaults are those settings, so text has one row). The notes under the table give the rest of the
        from-scratch image target: the small CNN's accuracy against chance, and its largest validation-loss rise from one
        epoch to the next after epoch 2 (at most ×2).

        {table}
        """;
}
