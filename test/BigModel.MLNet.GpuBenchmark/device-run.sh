#!/usr/bin/env bash
# Runs the GPU benchmark on the lent GPU machine (PyTorch with CUDA, no .NET): PyTorch eager and BigModel.MLNet on the
# same card in one call, then the ratio table. Prepare it here first:
#   ../shared/tools/pack-for-device test/BigModel.MLNet.GpuBenchmark/BigModel.MLNet.GpuBenchmark.csproj
# then give the device tool the command 'bash test/BigModel.MLNet.GpuBenchmark/device-run.sh [steps]' with carry
# [".device"], or 'bash test/BigModel.MLNet.GpuBenchmark/device-run.sh [steps] "[sections]"' for some sections only
# (GpuBenchmark.Sections: presets, feed, agreement, cnn-probe; all but cnn-probe by default). Results land in $OUT
# (gpu.txt, pytorch.jsonl, bigmodel.txt, cnn-probe.txt, table.md) as they come, so a run cut short still returns what
# it measured (compare.py makes the table from them anywhere).
#
# Every preset and section runs in its own process: one that fails (or crashes natively) costs only its own row.
set -uo pipefail
here=$(dirname "$0")
steps=${1:-200}
all_presets="mlp cnn cnn-b2048 resnet18-32 minilm-128 minilm-128-bf16 mf neumf"
sections=${2:-$all_presets agreement feed}
out=${OUT:-/tmp/gpu-benchmark}
mkdir -p "$out" /tmp/dn /tmp/dev
tar -C /tmp/dn -xJf .device/dotnet-rt.tar.xz || exit 1
tar -C /tmp/dev -xJf .device/app.tar.xz || exit 1
export DOTNET_ROOT=/tmp/dn
# TorchSharp loads the machine's own CUDA libtorch (PyTorch's lib folder) instead of a packaged one.
LD_LIBRARY_PATH=$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__) + "/lib")')${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/gpu.txt"
# The C# run times epochs 2 and 3 of 3, so 2 x steps; PyTorch times the same count after its warm-up.
for section in $sections; do
  case " $all_presets " in *" $section "*) ;; *) continue ;; esac
  python3 "$here/pytorch_eager.py" --steps $((2 * steps)) --only "$section" | tee -a "$out/pytorch.jsonl" \
    || echo "pytorch $section: exit $?" | tee -a "$out/failures.txt"
done
case " $sections " in *" cnn-probe "*)
  (cd "$here" && python3 cnn_probe.py --steps "$steps") 2>&1 | tee -a "$out/cnn-probe.txt" \
    || echo "pytorch cnn-probe: exit $?" | tee -a "$out/failures.txt" ;;
esac
for section in $sections; do
  /tmp/dn/dotnet /tmp/dev/app/BigModel.MLNet.GpuBenchmark.dll --steps "$steps" --only "$section" 2>&1 | tee -a "$out/bigmodel.txt" \
    || echo "bigmodel $section: exit $?" | tee -a "$out/failures.txt"
done
python3 "$here/compare.py" "$out/bigmodel.txt" "$out/pytorch.jsonl" | tee "$out/table.md"
