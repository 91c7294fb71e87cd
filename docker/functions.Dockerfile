# The Durable Functions app (src/Rece.Functions) on the Azure Functions .NET isolated base image.
# Build context: the repository root. infra/deploy.sh builds it in the registry:
#   az acr build --registry <registry> --image rece-functions:<tag> --file docker/functions.Dockerfile .
# Locally, with a Docker engine: docker build -f docker/functions.Dockerfile -t rece-functions .

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
# The publish output holds functions.metadata, extensions.json and the worker's assemblies: what the host loads.
RUN dotnet publish src/Rece.Functions/Rece.Functions.csproj -c Release -o /out

FROM mcr.microsoft.com/azure-functions/dotnet-isolated:4-dotnet-isolated10.0
ENV AzureWebJobsScriptRoot=/home/site/wwwroot \
    AzureFunctionsJobHost__Logging__Console__IsEnabled=true
COPY --from=build /out /home/site/wwwroot
