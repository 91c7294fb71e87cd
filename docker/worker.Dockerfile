# The GPU worker: the `rece` command line built against the CUDA build of libtorch, running `rece worker`.
# Build context: the repository root. infra/deploy.sh builds it in the registry:
#   az acr build --registry <registry> --image rece-worker:<tag> --file docker/worker.Dockerfile .
# Locally, with a Docker engine: docker build -f docker/worker.Dockerfile -t rece-worker .

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
# -p:TorchDevice=cuda swaps libtorch-cpu-linux-x64 for libtorch-cuda-12.8-linux-x64 in every project
# (build/TorchDevice.targets); everything else is the same build as on a developer's machine.
RUN dotnet publish src/Rece.Cli/Rece.Cli.csproj -c Release -o /app -p:TorchDevice=cuda

# ASP.NET Core runtime: the same `rece` also hosts `rece serve`.
FROM mcr.microsoft.com/dotnet/aspnet:10.0
# libtorch's CUDA build carries its CUDA runtime libraries; the GPU and its driver come from the host, and the
# NVIDIA container runtime mounts the driver's compute libraries when these are set.
ENV NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
WORKDIR /app
COPY --from=build /app .
ENTRYPOINT ["/app/rece", "worker"]
