#!/usr/bin/env bash
# Deploys RecePipeline into an Azure resource group and prints the API URL.
#
#   infra/deploy.sh --resource-group NAME [--location REGION] [--gpu-profile TYPE] [--tag TAG]
#
# 1. creates the resource group if needed and registers the resource providers the templates use;
# 2. deploys infra/main.bicep without images: storage, events, monitoring, identity, registry, environment;
# 3. builds the two images in the registry with `az acr build` (no local Docker needed);
# 4. deploys infra/main.bicep again with the image tag: the function app and the GPU worker.
# Needs the Azure CLI, signed in (az login) as someone who may create resources and role assignments in the
# group (Owner, or Contributor plus Role Based Access Control Administrator).
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: infra/deploy.sh --resource-group NAME [--location REGION] [--gpu-profile TYPE] [--tag TAG]

  --resource-group, -g  resource group to deploy into (created when missing, then --location is required)
  --location, -l        Azure region of a new resource group; it must offer serverless GPUs of the profile
  --gpu-profile         Consumption-GPU-NC8as-T4 or Consumption-GPU-NC24-A100 (default: the profile the GPU
                        worker runs on now, Consumption-GPU-NC8as-T4 for a new deployment)
  --tag                 image tag to build and deploy (default: the git commit and the time)
USAGE
}

fail() {
  echo "error: $*" >&2
  exit 2
}

group=""
location=""
gpu_profile=""
tag=""
while [ $# -gt 0 ]; do
  case "$1" in
    -g | --resource-group) group="${2:-}"; shift 2 ;;
    -l | --location) location="${2:-}"; shift 2 ;;
    --gpu-profile) gpu_profile="${2:-}"; shift 2 ;;
    --tag) tag="${2:-}"; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; fail "unknown argument '$1'" ;;
  esac
done

[ -n "$group" ] || { usage >&2; fail "--resource-group is required"; }
case "$gpu_profile" in
  "" | Consumption-GPU-NC8as-T4 | Consumption-GPU-NC24-A100) ;;
  *) fail "--gpu-profile '$gpu_profile' is not supported: use Consumption-GPU-NC8as-T4 or Consumption-GPU-NC24-A100" ;;
esac
command -v az >/dev/null 2>&1 || fail "the Azure CLI (az) is not installed: see https://learn.microsoft.com/cli/azure/install-azure-cli"
az account show --output none 2>/dev/null || fail "not signed in to Azure: run 'az login' (and 'az account set --subscription ...')"

cd "$(dirname "$0")/.."
if [ -z "$tag" ]; then
  tag="$(git rev-parse --short HEAD 2>/dev/null || echo local)-$(date -u +%Y%m%d%H%M%S)"
fi

echo "Registering resource providers (once per subscription)..." >&2
for namespace in Microsoft.App Microsoft.ContainerRegistry Microsoft.EventGrid Microsoft.ManagedIdentity \
  Microsoft.OperationalInsights Microsoft.Insights Microsoft.Storage; do
  az provider register --namespace "$namespace" --wait --output none
done

if [ "$(az group exists --name "$group")" != "true" ]; then
  [ -n "$location" ] || fail "resource group '$group' does not exist: pass --location REGION to create it"
  echo "Creating resource group $group in $location..." >&2
  az group create --name "$group" --location "$location" --output none
fi

# The GPU profile the worker runs on now, if it is deployed.
worker="$(az deployment group show --resource-group "$group" --name rece-apps \
  --query properties.outputs.gpuWorkerAppName.value --output tsv 2>/dev/null || true)"
current_type=""
if [ -n "$worker" ] && az containerapp show --resource-group "$group" --name "$worker" --output none 2>/dev/null; then
  current_profile="$(az containerapp show --resource-group "$group" --name "$worker" --query properties.workloadProfileName --output tsv)"
  environment_id="$(az containerapp show --resource-group "$group" --name "$worker" --query properties.environmentId --output tsv)"
  current_type="$(az resource show --ids "$environment_id" \
    --query "properties.workloadProfiles[?name=='$current_profile'].workloadProfileType | [0]" --output tsv)"
fi
gpu_profile="${gpu_profile:-${current_type:-Consumption-GPU-NC8as-T4}}"

# A serverless GPU profile's type cannot change in place: the templates name the profile after its type and
# drop the old one, which Azure refuses while the worker still runs on it. The worker holds no state (jobs
# wait in the gpu-jobs queue; a job in progress is redone by the next worker), so remove it first.
if [ -n "$current_type" ] && [ "$current_type" != "$gpu_profile" ]; then
  echo "Moving the GPU worker from $current_type to $gpu_profile: removing $worker first..." >&2
  az containerapp delete --resource-group "$group" --name "$worker" --yes --output none
fi

# Runs one deployment of infra/main.bicep with infra/main.bicepparam (which reads RECE_IMAGE_TAG and
# RECE_GPU_PROFILE) and prints the value of one output.
deploy() {
  local name="$1" image_tag="$2" output="$3"
  RECE_IMAGE_TAG="$image_tag" RECE_GPU_PROFILE="$gpu_profile" az deployment group create \
    --resource-group "$group" --name "$name" \
    --template-file infra/main.bicep --parameters infra/main.bicepparam \
    --query "properties.outputs.$output.value" --output tsv
}

echo "Deploying storage, events, monitoring, identity, registry and the Container Apps environment..." >&2
registry="$(deploy rece-foundation "" registryName)"

echo "Building the images in $registry (tag $tag)..." >&2
az acr build --registry "$registry" --image "rece-functions:$tag" --file docker/functions.Dockerfile --timeout 3600 --output none .
# The CUDA libtorch makes this image several GB: its build takes a while.
az acr build --registry "$registry" --image "rece-worker:$tag" --file docker/worker.Dockerfile --timeout 7200 --output none .

echo "Deploying the function app and the GPU worker..." >&2
api="$(deploy rece-apps "$tag" apiBaseUrl)"
function_app="$(az deployment group show --resource-group "$group" --name rece-apps \
  --query properties.outputs.functionAppName.value --output tsv)"

cat >&2 <<EOF
Deployed. The apps' role assignments can take a few minutes to apply; until then the function app restarts.
Submit a request:   curl -X POST "$api/erasures?code=<host key>" -H 'Content-Type: application/json' -d @request.json
Host keys:          az containerapp function keys list --resource-group $group --name $function_app --key-type hostKey
Or drop a request:  az storage blob upload --auth-mode login --account-name <storage account> --container-name erasure-requests --name my-run.json --file request.json
EOF
echo "$api"
