// Parameters of a RecePipeline deployment (infra/deploy.sh passes this file). Every value here can be
// overridden on the command line: deploy.sh sets imageTag (after `az acr build`) and gpuProfileType.
using 'main.bicep'

param namePrefix = 'rece'

// Empty for the first pass (registry before images); deploy.sh sets RECE_IMAGE_TAG for the second.
param imageTag = readEnvironmentVariable('RECE_IMAGE_TAG', '')

// Consumption-GPU-NC8as-T4 (1x T4 16 GB, 8 vCPU, 56 GiB) or Consumption-GPU-NC24-A100 (1x A100 80 GB,
// 24 vCPU, 220 GiB). Both need serverless GPU quota in the subscription and region.
param gpuProfileType = readEnvironmentVariable('RECE_GPU_PROFILE', 'Consumption-GPU-NC8as-T4')

// GPU scale-out: at most gpuMaxReplicas workers, one more per jobsPerReplica waiting jobs.
param gpuMaxReplicas = 2
param jobsPerReplica = 1

// The orchestrating function app: one replica always runs.
param functionAppMaxReplicas = 1

// A claimed GPU job (one erase epoch or evaluation shard) silent for the timeout (no result, no heartbeat) is enqueued again, up to the attempts; the time a job waits in the queue does not count.
param gpuJobTimeoutSeconds = 1800
param gpuJobQueueTimeoutSeconds = 86400
param gpuJobAttempts = 3

// Must match host.json (extensions.durableTask: hubName via RECE_TASK_HUB, storageProvider.partitionCount).
param taskHubName = 'rece'
param taskHubPartitionCount = 4

param storageSku = 'Standard_LRS'
param registrySku = 'Basic'
param logRetentionDays = 30

// Storage firewall (docs/security.md): comma-separated CIDR ranges in RECE_ALLOWED_IP_RANGES, e.g. the Container
// Apps environment's outbound addresses and your own; empty: any network (every request is still authenticated).
param allowedIpRanges = empty(readEnvironmentVariable('RECE_ALLOWED_IP_RANGES', '')) ? [] : split(readEnvironmentVariable('RECE_ALLOWED_IP_RANGES', ''), ',')
