# The PyTorch side of the GPU benchmark's cnn-probe section (CnnProbe.cs): the small CNN's training step timed whole
# and in parts, then the kernels one step runs, beside the same step in plain TorchSharp and with the package's parts.
#
#   python3 cnn_probe.py [--steps 100] [--batches 512,2048]
import argparse
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from pytorch_eager import small_cnn, synchronize

WARMUP = 10


def timed(steps, device, step):
    """Milliseconds per call of step after a warm-up."""
    for _ in range(WARMUP):
        step()
    synchronize(device)
    start = time.perf_counter()
    for _ in range(steps):
        step()
    synchronize(device)
    return (time.perf_counter() - start) * 1000 / steps


def report(part, batch, milliseconds):
    print(f"| {part} | {batch} | {milliseconds:.3f} |")
    print(json.dumps({"runtime": "pytorch", "probe": part, "batch": batch, "ms_per_step": milliseconds}), flush=True)


def steps_of(device, batch):
    """The whole training step, forward and backward, and the forward pass alone, each on the next batch."""
    torch.manual_seed(0)
    network = small_cnn().to(device).train()
    pixels = torch.rand(batch * 8, 28 * 28, device=device)
    labels = torch.randint(0, 10, (batch * 8,), device=device)
    optimizer = torch.optim.AdamW(network.parameters(), lr=1e-3, weight_decay=0.01)
    position = [0]

    def next_batch():
        index = torch.arange(position[0], position[0] + batch, device=device).remainder_(pixels.shape[0])
        position[0] += batch
        return pixels.index_select(0, index).view(-1, 1, 28, 28), labels.index_select(0, index)

    def whole():
        x, y = next_batch()
        optimizer.zero_grad(set_to_none=True)
        F.cross_entropy(network(x), y).backward()
        optimizer.step()

    def forward_backward():
        x, y = next_batch()
        F.cross_entropy(network(x), y).backward()

    @torch.no_grad()
    def forward():
        network(next_batch()[0])

    return {"whole step (AdamW)": whole, "forward and backward": forward_backward, "forward only": forward}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--batches", default="512,2048", help="batch sizes (small ones for a quick CPU check)")
    args = parser.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    print(f"## CNN probe in PyTorch {torch.__version__} on {device}: cuDNN {torch.backends.cudnn.version()}, "
          f"available {torch.backends.cudnn.is_available()}")
    print("| part | batch | ms per step |")
    print("| -- | --: | --: |")
    batches = [int(b) for b in args.batches.split(",")]
    for batch in batches:
        for part, step in steps_of(device, batch).items():
            report(part, batch, timed(args.steps, device, step))
    conv = nn.Conv2d(32, 64, 3, padding=1, bias=False).to(device)
    x = torch.randn(batches[-1], 32, 14, 14, device=device, requires_grad=True)
    report("second convolution alone, forward and backward", batches[-1], timed(args.steps, device, lambda: conv(x).sum().backward()))
    whole = steps_of(device, batches[0])["whole step (AdamW)"]
    timed(1, device, whole)
    activities = [torch.profiler.ProfilerActivity.CPU] + ([torch.profiler.ProfilerActivity.CUDA] if device.type == "cuda" else [])
    with torch.profiler.profile(activities=activities) as profile:
        for _ in range(5):
            whole()
        synchronize(device)
    sort = "cuda_time_total" if device.type == "cuda" else "cpu_time_total"
    print(profile.key_averages().table(sort_by=sort, row_limit=25, max_name_column_width=70))


if __name__ == "__main__":
    sys.exit(main())
