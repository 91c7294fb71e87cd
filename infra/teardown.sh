#!/usr/bin/env bash
# Deletes a RecePipeline deployment: the whole resource group, with the storage account and everything in it
# (models, requests, results, checkpoints, reports), the registry and its images, and the logs.
#
#   infra/teardown.sh --resource-group NAME [--yes]
set -euo pipefail

fail() {
  echo "error: $*" >&2
  exit 2
}

group=""
confirmed=false
while [ $# -gt 0 ]; do
  case "$1" in
    -g | --resource-group) group="${2:-}"; shift 2 ;;
    -y | --yes) confirmed=true; shift ;;
    -h | --help) echo "usage: infra/teardown.sh --resource-group NAME [--yes]"; exit 0 ;;
    *) fail "unknown argument '$1' (usage: infra/teardown.sh --resource-group NAME [--yes])" ;;
  esac
done

[ -n "$group" ] || fail "--resource-group is required (usage: infra/teardown.sh --resource-group NAME [--yes])"
command -v az >/dev/null 2>&1 || fail "the Azure CLI (az) is not installed: see https://learn.microsoft.com/cli/azure/install-azure-cli"
az account show --output none 2>/dev/null || fail "not signed in to Azure: run 'az login'"
[ "$(az group exists --name "$group")" = "true" ] || fail "resource group '$group' does not exist in subscription $(az account show --query name --output tsv)"

if [ "$confirmed" != true ]; then
  echo "This deletes resource group '$group' and everything in it, including all blobs in its storage account." >&2
  az resource list --resource-group "$group" --query "[].{name:name, type:type}" --output table >&2
  [ -t 0 ] || fail "no terminal to confirm on: pass --yes to delete without asking"
  read -r -p "Type the resource group name to confirm: " answer
  [ "$answer" = "$group" ] || fail "not confirmed; nothing was deleted"
fi

echo "Deleting resource group $group (this takes several minutes)..." >&2
az group delete --name "$group" --yes
echo "Deleted $group." >&2
