#!/usr/bin/env bash
# Runs the local pipeline walkthrough of docs/pipeline.md ("Run it locally against Azurite") end to end:
#   Azurite (from tools/azurite, on 127.0.0.1, a temporary --location, --disableTelemetry) -> `rece fixture tiny`
#   -> `rece upload-model` -> `rece serve --workers 1` in the background -> POST /api/erasures with curl
#   -> poll GET /api/erasures/ID until it finishes -> print the status document.
# Everything it starts is stopped by its process id on exit, and its temporary folder is deleted.
# Needs the .NET SDK, curl and Azurite (bash tools/install-test-dependencies.sh, or npm ci --prefix tools/azurite).
# Ports: AZURITE_BLOB_PORT (10000), AZURITE_QUEUE_PORT (10001), AZURITE_TABLE_PORT (10002), RECE_PORT (7071).
set -euo pipefail
cd "$(dirname "$0")/.."

blob_port=${AZURITE_BLOB_PORT:-10000}
queue_port=${AZURITE_QUEUE_PORT:-10001}
table_port=${AZURITE_TABLE_PORT:-10002}
api_port=${RECE_PORT:-7071}
api="http://127.0.0.1:$api_port/api"
azurite_bin=tools/azurite/node_modules/.bin/azurite

[ -x "$azurite_bin" ] || { echo "error: Azurite is not installed: run bash tools/install-test-dependencies.sh (or npm ci --prefix tools/azurite)" >&2; exit 1; }
command -v curl >/dev/null || { echo "error: curl is needed" >&2; exit 1; }

work=$(mktemp -d)
azurite_pid=""
serve_pid=""
cleanup() {
  status=$?
  if [ -n "$serve_pid" ] && kill -0 "$serve_pid" 2>/dev/null; then
    kill -TERM "$serve_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$serve_pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$serve_pid" 2>/dev/null || true
  fi
  if [ -n "$azurite_pid" ] && kill -0 "$azurite_pid" 2>/dev/null; then
    kill -TERM "$azurite_pid" 2>/dev/null || true
    wait "$azurite_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Azurite's well-known development account, on the ports chosen above.
storage="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:$blob_port/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue_port/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table_port/devstoreaccount1;"

echo "== building rece (Release)"
dotnet build src/Rece.Cli -c Release --nologo -v quiet
rece_dll=$(dotnet msbuild src/Rece.Cli -p:Configuration=Release -getProperty:TargetPath)
rece() { dotnet "$rece_dll" "$@"; }

echo "== starting Azurite (blob $blob_port, queue $queue_port, table $table_port; data in $work/azurite)"
"$azurite_bin" --silent --skipApiVersionCheck --loose --disableTelemetry --location "$work/azurite" \
  --blobHost 127.0.0.1 --blobPort "$blob_port" --queueHost 127.0.0.1 --queuePort "$queue_port" \
  --tableHost 127.0.0.1 --tablePort "$table_port" >"$work/azurite.log" 2>&1 &
azurite_pid=$!
for _ in $(seq 1 100); do
  curl -s -o /dev/null "http://127.0.0.1:$blob_port/devstoreaccount1?comp=list" && break
  kill -0 "$azurite_pid" 2>/dev/null || { echo "error: Azurite exited:" >&2; cat "$work/azurite.log" >&2; exit 1; }
  sleep 0.2
done

echo "== rece fixture tiny"
rece fixture tiny --out "$work/tiny-sd" --force

echo "== rece upload-model"
rece upload-model --storage "$storage" --model "$work/tiny-sd" --name tiny

echo "== rece serve --workers 1 (log: $work/serve.log)"
# Started directly (not through the rece function, which would run in a subshell) so that $! is its own process id.
dotnet "$rece_dll" serve --storage "$storage" --urls "http://127.0.0.1:$api_port" --workers 1 >"$work/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 1 300); do
  curl -s -o /dev/null "$api/erasures" && break
  kill -0 "$serve_pid" 2>/dev/null || { echo "error: rece serve exited:" >&2; cat "$work/serve.log" >&2; exit 1; }
  sleep 0.2
done

echo "== POST $api/erasures"
request='{"model": "tiny", "concepts": ["nudity"], "preset": "nudity", "sweep": {"reg": [0.1, 0.01]}}'
accepted=$(curl -sS --fail-with-body -X POST "$api/erasures" -H 'Content-Type: application/json' -d "$request")
echo "$accepted"
id=$(printf '%s' "$accepted" | sed -n 's/.*"id"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')
[ -n "$id" ] || { echo "error: no instance id in the answer" >&2; exit 1; }

echo "== polling $api/erasures/$id"
runtime_status=""
for _ in $(seq 1 600); do
  doc=$(curl -sS "$api/erasures/$id")
  runtime_status=$(printf '%s' "$doc" | sed -n 's/.*"runtimeStatus"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')
  case "$runtime_status" in
    Completed|Failed|Terminated) break ;;
  esac
  sleep 1
done

echo "== result ($runtime_status)"
if command -v jq >/dev/null; then printf '%s\n' "$doc" | jq .; else printf '%s\n' "$doc"; fi
[ "$runtime_status" = Completed ] || { echo "error: the instance did not complete (rece serve log follows)" >&2; tail -n 50 "$work/serve.log" >&2; exit 1; }
echo "walkthrough completed: instance $id"
