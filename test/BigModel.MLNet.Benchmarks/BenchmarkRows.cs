using Microsoft.ML.Data;

// The generated rows both benchmark apps train on (the GPU benchmark links this file).

/// <summary>A tabular row: 32 features and a regression label.</summary>
sealed class Row
{
    [VectorType(32)] public float[] Features { get; set; } = [];
    public float Label { get; set; }
}

/// <summary>A rating of an item by a user.</summary>
sealed class Interaction
{
    public const int Users = 100_000, Items = 20_000;
    [KeyType(Users)] public uint UserId { get; set; }
    [KeyType(Items)] public uint ItemId { get; set; }
    public float Label { get; set; }
}

/// <summary>A 28 × 28 grey image and its class.</summary>
sealed class ImageRow
{
    [VectorType(784)] public float[] Image { get; set; } = [];
    public float Label { get; set; }
}
