#!/usr/bin/env bash
# The GPU check: on a machine with an NVIDIA GPU, builds rece's CUDA build (or takes one), then runs the tiny fixture's
# generate and erase on cuda and on cpu and compares them, times a 512-px SD v1.4-shaped fp16 step against its big
# operators, measures the memory of a batch of 8 such images, and times NudeNet when given a detector.
# Expected output and what each figure means: docs/gpu.md.
#
#   bash tools/gpu-check.sh [--libtorch DIR] [--prebuilt DIR] [--work DIR] [--nudenet 320n.onnx] [--device cuda:N]
#
#   (default)        dotnet publish with -p:TorchDevice=cuda (the CUDA libtorch TorchSharp binds, from nuget.org)
#   --libtorch DIR   use an installed libtorch instead, e.g. PyTorch's: $(python3 -c 'import torch,os;print(os.path.dirname(torch.__file__))')/lib
#                    (the CPU build is published and its bundled libtorch left out; TorchSharp 0.107 is built against
#                    libtorch 2.10, so another version works only as far as its C++ ABI agrees: docs/gpu.md)
#   --prebuilt DIR   a folder published earlier (by this script or `dotnet publish bench/Rece.Benchmarks`); no build
set -euo pipefail
cd "$(dirname "$0")/.."

libtorch="" prebuilt="" work=".gpu-check/work"
pass=()
while [ $# -gt 0 ]; do
  case "$1" in
    --libtorch) libtorch="$(cd "$2" && pwd)"; shift 2 ;;
    --prebuilt) prebuilt="$(cd "$2" && pwd)"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    *) pass+=("$1"); shift ;;
  esac
done

command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || echo "nvidia-smi not found"

app="$prebuilt"
if [ -z "$app" ]; then
  app=".gpu-check/app"
  if [ -n "$libtorch" ]; then
    dotnet publish bench/Rece.Benchmarks -c Release -o "$app"
  else
    dotnet publish bench/Rece.Benchmarks -c Release -p:TorchDevice=cuda -o "$app"
  fi
fi

if [ -n "$libtorch" ]; then
  # The published libtorch would shadow the installed one; only TorchSharp's own binding stays.
  rm -f "$app"/libtorch*.so "$app"/libc10*.so "$app"/libgomp*.so* "$app"/libshm.so "$app"/libaoti_custom_ops.so \
        "$app"/libbackend_with_compiler.so "$app"/libjitbackend_test.so "$app"/libnnapi_backend.so
  export LD_LIBRARY_PATH="$libtorch${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  missing=$(LD_LIBRARY_PATH="$LD_LIBRARY_PATH" ldd -r "$app/libLibTorchSharp.so" 2>&1 | grep -c "undefined symbol" || true)
  echo "libLibTorchSharp.so against $libtorch: $missing symbol(s) not found (resolved lazily: only a call to one of them fails)"
fi

dotnet "$app/Rece.Benchmarks.dll" gpu-check --work "$work" "${pass[@]}"
