#!/usr/bin/env bash
# Installs what the test suite needs besides the .NET SDK and NuGet, when it is missing; safe to run again.
#   - Azurite, the Azure Storage emulator the pipeline tests start themselves: npm ci into tools/azurite (pinned by its
#     package-lock.json).
#   - Chromium, in which the evaluation tests render report.html headless: Debian's package (apt-get; root or sudo).
#   - CSharpier, the formatter the code-style test runs (a local .NET tool pinned in .config/dotnet-tools.json).
set -euo pipefail
cd "$(dirname "$0")/.."

dotnet tool restore >/dev/null

if [ ! -x tools/azurite/node_modules/.bin/azurite ]; then
  command -v npm >/dev/null || { echo "error: npm is needed to install Azurite (Debian: apt-get install -y nodejs npm)" >&2; exit 1; }
  npm ci --prefix tools/azurite --no-audit --no-fund --loglevel=error
fi

if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq chromium >/dev/null
fi
