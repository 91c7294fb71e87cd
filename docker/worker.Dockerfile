# The GPU worker: the `rece` command line built against the CUDA build of libtorch, running `rece worker --device cuda`.
# Build context: the repository root. infra/deploy.sh builds it in the registry:
#   az acr build --registry <registry> --image rece-worker:<tag> --file docker/worker.Dockerfile .
# Locally, with a Docker engine: docker build -f docker/worker.Dockerfile -t rece-worker .
#
# What runs where (docs/gpu.md): the U-Net, VAE, text encoder and CLIP on libtorch's CUDA 12.8 build (it carries its
# own CUDA libraries); NudeNet on ONNX Runtime 1.32's CUDA provider, which links the CUDA 13 runtime and cuDNN 9 of the
# base image below. Host driver: R580 or newer (CUDA 13); both Container Apps GPU profiles (T4, A100) qualify when their
# driver does, and with an older driver the detector falls back to the CPU provider and the job result says so.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
# -p:TorchDevice=cuda swaps libtorch-cpu-linux-x64 for libtorch-cuda-12.8-linux-x64 and Microsoft.ML.OnnxRuntime for
# Microsoft.ML.OnnxRuntime.Gpu.Linux in every project (build/TorchDevice.targets); everything else is the usual build.
RUN dotnet publish src/Rece.Cli/Rece.Cli.csproj -c Release -o /app -p:TorchDevice=cuda

# The ASP.NET Core runtime (the same `rece` also hosts `rece serve`), copied onto the CUDA runtime image.
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS dotnet

FROM nvidia/cuda:13.0.1-cudnn-runtime-ubuntu24.04
COPY --from=dotnet /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
# The NVIDIA container runtime mounts the driver's compute libraries (libcuda.so.1, which rece also asks for the
# device's name and memory) when these are set; the GPU itself comes from the workload profile. JSON log lines let
# Log Analytics query each event's fields (jobId, instanceId, attempt).
ENV NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility \
    DOTNET_ROOT=/usr/share/dotnet \
    RECE_LOG_FORMAT=json
WORKDIR /app
COPY --from=build /app .
# --device cuda: a replica that finds no GPU exits with an error instead of taking jobs at CPU speed.
ENTRYPOINT ["/app/rece", "worker", "--device", "cuda"]
