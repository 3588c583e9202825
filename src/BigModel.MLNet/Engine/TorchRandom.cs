using static TorchSharp.torch;

namespace BigModel.MLNet.Engine;

/// <summary>
/// Gives each training run its own random stream although libtorch has one global generator (weight initialisation
/// and dropout draw from it, and TorchSharp offers no per-call generator for them).
/// </summary>
/// <remarks>
/// Every draw from the global generator happens under one process-wide lock, right after seeding the generator with a
/// value derived from the run's seed and what is drawn (the network's construction, or one training step). Concurrent
/// fits with the same seed therefore give the same weights as sequential ones: no fit sees another's draws. The lock
/// is held for the forward pass of a training step only; backward passes and optimiser steps run in parallel.
/// </remarks>
internal static class TorchRandom
{
    private static readonly object Gate = new();

    /// <summary>Runs <paramref name="draw"/> with the global generator seeded from <paramref name="seed"/> and
    /// <paramref name="stream"/>, with no other thread drawing meanwhile.</summary>
    public static T Draw<T>(int seed, long stream, Func<T> draw)
    {
        lock (Gate)
        {
            manual_seed(Mix(seed, stream));
            return draw();
        }
    }

    /// <summary>SplitMix64 of the two values: distinct streams get unrelated seeds.</summary>
    private static long Mix(int seed, long stream)
    {
        ulong z = unchecked((ulong)(uint)seed * 0x9E3779B97F4A7C15UL + (ulong)stream + 0x632BE59BD9B4E019UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (long)((z ^ (z >> 31)) >> 1); // libtorch seeds are non-negative
    }
}
