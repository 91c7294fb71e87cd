// RecePipeline in one Azure resource group: storage (requests, results, models, checkpoints, reports, the
// Durable task hub), the blob-drop event route, monitoring, one managed identity per app with data roles on
// just the containers, queues and tables that app's code touches (never the account), the container registry, and a Container Apps environment running the Durable Functions app (CPU,
// Consumption profile, always one replica) and the GPU workers (serverless GPU, scaled 0..N on gpu-jobs).
// No account key, connection string or registry password is created or handed to anything.
//
// Deploy with infra/deploy.sh (docs/deploy.md): a first pass without imageTag creates everything
// but the two apps, `az acr build` then builds the images into the registry, and a second pass with imageTag
// deploys the apps.

targetScope = 'resourceGroup'

@description('Lowercase letters and digits starting every resource name.')
@minLength(2)
@maxLength(8)
param namePrefix string = 'rece'

@description('Azure region of every resource (one with serverless GPUs for the chosen profile).')
param location string = resourceGroup().location

@description('Image tag of rece-functions and rece-worker in the registry. Empty: deploy everything but the two apps (the registry must exist before `az acr build`).')
param imageTag string = ''

@description('Serverless GPU profile of the workers. Changing it on a deployed environment: see docs/deploy.md.')
@allowed([
  'Consumption-GPU-NC8as-T4'
  'Consumption-GPU-NC24-A100'
])
param gpuProfileType string = 'Consumption-GPU-NC8as-T4'

@description('Most GPU worker replicas at once (bounded by your serverless GPU quota).')
@minValue(1)
@maxValue(100)
param gpuMaxReplicas int = 2

@description('Waiting GPU jobs per worker replica before another one starts.')
@minValue(1)
@maxValue(100)
param jobsPerReplica int = 1

@description('Most function app replicas (at least one always runs).')
@minValue(1)
@maxValue(16)
param functionAppMaxReplicas int = 1

@description('Seconds a claimed GPU job (an erase epoch or evaluation shard) may go without a sign of life (its claim, then a heartbeat every 5 minutes) before it is enqueued again (RECE_JOB_TIMEOUT_SECONDS). Time in the queue does not count.')
@minValue(60)
param gpuJobTimeoutSeconds int = 1800

@description('Seconds a GPU job may wait in the queue for a worker to claim it before its run fails (RECE_JOB_QUEUE_TIMEOUT_SECONDS).')
@minValue(600)
param gpuJobQueueTimeoutSeconds int = 86400

@description('Attempts per GPU job before its run fails (RECE_JOB_ATTEMPTS).')
@minValue(1)
@maxValue(10)
param gpuJobAttempts int = 3

@description('Durable task hub name: letters and digits, starting with a letter. The apps read it from RECE_TASK_HUB.')
@minLength(3)
@maxLength(45)
param taskHubName string = 'rece'

@description('Partitions (control queues) of the task hub: must equal extensions.durableTask.storageProvider.partitionCount in host.json.')
@minValue(1)
@maxValue(16)
param taskHubPartitionCount int = 4

@description('Replication of the storage account.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param storageSku string = 'Standard_LRS'

@description('Container registry tier.')
@allowed([
  'Basic'
  'Standard'
  'Premium'
])
param registrySku string = 'Basic'

@description('Days Log Analytics keeps logs.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 30

@description('Public IP ranges (CIDR) allowed to reach the storage account; with this or allowedSubnetIds set, every other network is denied. Include the apps\' outbound addresses (docs/security.md). Empty: any network, identity still required.')
param allowedIpRanges array = []

@description('Virtual network subnets (resource ids, Microsoft.Storage service endpoint on) allowed to reach the storage account, e.g. the Container Apps environment\'s subnet.')
param allowedSubnetIds array = []

// The names the pipeline's code uses (issue 9's contract; tests/Rece.Infra.Tests checks them against it).
var containerNames = {
  models: 'models'
  requests: 'erasure-requests'
  results: 'erasure-results'
  checkpoints: 'checkpoints'
  reports: 'reports'
}
var queueNames = {
  gpuJobs: 'gpu-jobs'
  // Filled by Event Grid with the BlobCreated events of request blobs (modules/events.bicep says why).
  requestEvents: 'erasure-request-events'
}

// The Durable Task engine's Azure Storage layout for the hub; the apps would create these too.
var hubQueueName = toLower(taskHubName)
var taskHubQueues = concat(
  map(range(0, taskHubPartitionCount), i => '${hubQueueName}-control-${padLeft(i, 2, '0')}'),
  ['${hubQueueName}-workitems']
)
var taskHubTables = [
  '${taskHubName}Instances'
  '${taskHubName}History'
  '${taskHubName}Partitions'
]
// The engine's blob containers (large message payloads, partition leases) and the Functions host's app lease.
var taskHubContainers = [
  '${hubQueueName}-largemessages'
  '${hubQueueName}-leases'
  '${hubQueueName}-applease'
]
// The Functions host's own: locks and blob receipts, function keys (AzureWebJobsSecretStorageType=blob).
var functionsHostContainers = [
  'azure-webjobs-hosts'
  'azure-webjobs-secrets'
]
// Where the host moves a request-event message that failed five times.
var requestEventsPoisonQueue = '${queueNames.requestEvents}-poison'

// What each app's code touches (src/Rece.Storage/StorageNames.cs and the classes using it), and so all it may reach.
// Functions app (internet-facing; the orchestrator and the HTTP API):
//   requests: read (ErasureIntake); models: read (ValidateAsync lists the model folder);
//   results: write (result documents, published copies); reports: write (the erasure report);
//   checkpoints: write (DELETE ...?deleteOutputs=true deletes them; publishing copies patches out of them);
//   gpu-jobs: send only (EnqueueGpuJob); erasure-request-events (+ poison): process (the queue trigger);
//   the task hub's queues, tables and containers, and the host's containers: it runs the hub.
// GPU worker (runs untrusted model files):
//   models: read; checkpoints and reports: write (epoch checkpoints, evaluation shards and reports);
//   gpu-jobs: process (receive, renew, delete; KEDA reads its length);
//   the task hub: its results are events, and the Durable client creates the hub's queues, tables and containers
//   if missing before it sends one, so it holds the same hub grants; nothing of requests or results.
var functionAppAccess = {
  containers: concat(
    [
      { name: containerNames.requests, role: 'read' }
      { name: containerNames.models, role: 'read' }
      { name: containerNames.results, role: 'write' }
      { name: containerNames.reports, role: 'write' }
      { name: containerNames.checkpoints, role: 'write' }
    ],
    map(concat(taskHubContainers, functionsHostContainers), c => { name: c, role: 'write' })
  )
  queues: concat(
    [
      { name: queueNames.gpuJobs, role: 'send' }
      { name: queueNames.requestEvents, role: 'process' }
      { name: requestEventsPoisonQueue, role: 'process' }
    ],
    map(taskHubQueues, q => { name: q, role: 'process' })
  )
  tables: taskHubTables
}
var gpuWorkerAccess = {
  containers: concat(
    [
      { name: containerNames.models, role: 'read' }
      { name: containerNames.checkpoints, role: 'write' }
      { name: containerNames.reports, role: 'write' }
    ],
    map(taskHubContainers, c => { name: c, role: 'write' })
  )
  queues: concat([{ name: queueNames.gpuJobs, role: 'process' }], map(taskHubQueues, q => { name: q, role: 'process' }))
  tables: taskHubTables
}

var suffix = uniqueString(resourceGroup().id, namePrefix)
var prefix = toLower(namePrefix)
var names = {
  functionAppIdentity: '${prefix}-func-identity'
  gpuWorkerIdentity: '${prefix}-worker-identity'
  storage: take('st${prefix}${suffix}', 24)
  registry: take('cr${prefix}${suffix}', 50)
  workspace: '${prefix}-logs'
  appInsights: '${prefix}-appinsights'
  environment: '${prefix}-env'
  storageEvents: '${prefix}-storage-events'
  functionApp: '${prefix}-func'
  gpuWorker: '${prefix}-gpu-worker'
}

// A serverless GPU profile's type cannot change in place, so its name follows the type: switching types adds
// a new profile and drops the old one (deploy.sh moves the worker first).
var gpuProfiles = {
  'Consumption-GPU-NC8as-T4': {
    name: 'gpu-t4'
    cpu: 8
    memory: '56Gi'
  }
  'Consumption-GPU-NC24-A100': {
    name: 'gpu-a100'
    cpu: 24
    memory: '220Gi'
  }
}
var gpuProfile = gpuProfiles[gpuProfileType]

var deployApps = !empty(imageTag)

// One identity per app: the internet-facing Functions app and the GPU worker (which loads model files) share nothing.
resource functionAppIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: names.functionAppIdentity
  location: location
}

resource gpuWorkerIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: names.gpuWorkerIdentity
  location: location
}

var appIdentities = [
  {
    id: functionAppIdentity.id
    principalId: functionAppIdentity.properties.principalId
  }
  {
    id: gpuWorkerIdentity.id
    principalId: gpuWorkerIdentity.properties.principalId
  }
]

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    workspaceName: names.workspace
    appInsightsName: names.appInsights
    retentionDays: logRetentionDays
    publishers: appIdentities
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    location: location
    accountName: names.storage
    skuName: storageSku
    containerNames: concat(map(items(containerNames), c => c.value), taskHubContainers, functionsHostContainers)
    queueNames: concat(map(items(queueNames), q => q.value), [requestEventsPoisonQueue], taskHubQueues)
    tableNames: taskHubTables
    allowedIpRanges: allowedIpRanges
    allowedSubnetIds: allowedSubnetIds
  }
}

module functionAppStorageAccess 'modules/storageAccess.bicep' = {
  name: 'functionAppStorageAccess'
  dependsOn: [
    storage
  ]
  params: {
    accountName: names.storage
    identityId: functionAppIdentity.id
    principalId: functionAppIdentity.properties.principalId
    containers: functionAppAccess.containers
    queues: functionAppAccess.queues
    tables: functionAppAccess.tables
  }
}

module gpuWorkerStorageAccess 'modules/storageAccess.bicep' = {
  name: 'gpuWorkerStorageAccess'
  dependsOn: [
    storage
  ]
  params: {
    accountName: names.storage
    identityId: gpuWorkerIdentity.id
    principalId: gpuWorkerIdentity.properties.principalId
    containers: gpuWorkerAccess.containers
    queues: gpuWorkerAccess.queues
    tables: gpuWorkerAccess.tables
  }
}

module events 'modules/events.bicep' = {
  name: 'events'
  // The account and the event queue come from the storage module; the name is passed as a plain value so
  // what-if can predict the role assignment's name.
  dependsOn: [
    storage
  ]
  params: {
    location: location
    topicName: names.storageEvents
    storageAccountName: names.storage
    requestContainerName: containerNames.requests
    eventQueueName: queueNames.requestEvents
  }
}

module registry 'modules/registry.bicep' = {
  name: 'registry'
  params: {
    location: location
    registryName: names.registry
    sku: registrySku
    pullers: appIdentities
  }
}

module environment 'modules/environment.bicep' = {
  name: 'environment'
  params: {
    location: location
    environmentName: names.environment
    gpuProfileType: gpuProfileType
    gpuProfileName: gpuProfile.name
    workspaceId: monitoring.outputs.workspaceId
  }
}

module functionApp 'modules/functionApp.bicep' = if (deployApps) {
  name: 'functionApp'
  params: {
    location: location
    appName: names.functionApp
    environmentId: environment.outputs.environmentId
    identityId: functionAppIdentity.id
    identityClientId: functionAppIdentity.properties.clientId
    registryServer: registry.outputs.loginServer
    image: '${registry.outputs.loginServer}/rece-functions:${imageTag}'
    storageAccountName: storage.outputs.accountName
    taskHubName: taskHubName
    gpuJobTimeoutSeconds: gpuJobTimeoutSeconds
    gpuJobQueueTimeoutSeconds: gpuJobQueueTimeoutSeconds
    gpuJobAttempts: gpuJobAttempts
    appInsightsConnectionString: monitoring.outputs.appInsightsConnectionString
    maxReplicas: functionAppMaxReplicas
    cpu: '1.0'
    memory: '2Gi'
  }
}

module gpuWorker 'modules/gpuWorker.bicep' = if (deployApps) {
  name: 'gpuWorker'
  params: {
    location: location
    appName: names.gpuWorker
    environmentId: environment.outputs.environmentId
    gpuProfileName: gpuProfile.name
    cpu: gpuProfile.cpu
    memory: gpuProfile.memory
    identityId: gpuWorkerIdentity.id
    identityClientId: gpuWorkerIdentity.properties.clientId
    registryServer: registry.outputs.loginServer
    image: '${registry.outputs.loginServer}/rece-worker:${imageTag}'
    storageAccountName: storage.outputs.accountName
    jobQueueName: queueNames.gpuJobs
    taskHubName: taskHubName
    appInsightsConnectionString: monitoring.outputs.appInsightsConnectionString
    maxReplicas: gpuMaxReplicas
    jobsPerReplica: jobsPerReplica
  }
}

@description('Base URL of the erasure API (POST {apiBaseUrl}/erasures); empty until the apps are deployed.')
output apiBaseUrl string = deployApps ? 'https://${functionApp!.outputs.fqdn}/api' : ''

@description('The storage account holding requests, results, models, checkpoints, reports and the task hub.')
output storageAccountName string = storage.outputs.accountName

@description('Blob containers by role.')
output containerNames object = containerNames

@description('Queues by role.')
output queueNames object = queueNames

@description('Durable task hub name.')
output taskHubName string = taskHubName

@description('Registry the images are built into (`az acr build --registry`).')
output registryName string = registry.outputs.registryName

@description('Login server of that registry.')
output registryLoginServer string = registry.outputs.loginServer

@description('The function app (container app) name.')
output functionAppName string = names.functionApp

@description('The GPU worker (container app) name.')
output gpuWorkerAppName string = names.gpuWorker

@description('Workload profile the GPU worker runs on.')
output gpuProfileName string = gpuProfile.name

@description('Client id of the Functions app\'s managed identity.')
output functionAppIdentityClientId string = functionAppIdentity.properties.clientId

@description('Client id of the GPU worker\'s managed identity.')
output gpuWorkerIdentityClientId string = gpuWorkerIdentity.properties.clientId

@description('Log Analytics workspace id (customer id) for `az monitor log-analytics query`.')
output logAnalyticsWorkspaceId string = monitoring.outputs.workspaceCustomerId

@description('Application Insights component name.')
output appInsightsName string = monitoring.outputs.appInsightsName
