// `rece worker` (image docker/worker.Dockerfile, CUDA libtorch) on the serverless GPU profile. KEDA's
// azure-queue rule watches the gpu-jobs queue with the managed identity: zero replicas (and zero GPU cost)
// while the queue is empty, one more replica per `jobsPerReplica` waiting jobs up to `maxReplicas`.

@description('Azure region of the app.')
param location string

@description('Container app name.')
param appName string

@description('Resource id of the Container Apps environment.')
param environmentId string

@description('Name of the serverless GPU workload profile in the environment.')
param gpuProfileName string

@description('vCPU of the worker container: the whole GPU profile.')
param cpu int

@description('Memory of the worker container: the whole GPU profile.')
param memory string

@description('Resource id of the user-assigned managed identity the worker (and its scale rule) runs as.')
param identityId string

@description('Client id of that identity (selects it for DefaultAzureCredential).')
param identityClientId string

@description('Login server of the registry holding the image.')
param registryServer string

@description('Full image reference, e.g. <registry>/rece-worker:<tag>.')
param image string

@description('Storage account of the task hub, the gpu-jobs queue and the checkpoints.')
param storageAccountName string

@description('Queue the worker takes jobs from and KEDA counts.')
param jobQueueName string

@description('Durable task hub the worker raises result events on.')
param taskHubName string

@description('Application Insights connection string (ingestion endpoint; Entra-authenticated telemetry only).')
param appInsightsConnectionString string

@description('Most GPU replicas at once.')
@minValue(1)
@maxValue(100)
param maxReplicas int

@description('Waiting jobs per replica before KEDA adds another.')
@minValue(1)
param jobsPerReplica int

resource worker 'Microsoft.App/containerApps@2026-01-01' = {
  name: appName
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    environmentId: environmentId
    workloadProfileName: gpuProfileName
    configuration: {
      // No ingress: the worker only talks to storage.
      activeRevisionsMode: 'Single'
      registries: [
        {
          server: registryServer
          identity: identityId
        }
      ]
    }
    template: {
      // The image's entry point is `rece worker`. A job interrupted by a scale-in is not lost: its message
      // becomes visible again when the lease lapses and another replica redoes it (idempotent checkpoints).
      terminationGracePeriodSeconds: 300
      containers: [
        {
          name: 'worker'
          image: image
          resources: {
            cpu: cpu
            memory: memory
          }
          env: [
            {
              name: 'RECE_STORAGE'
              value: storageAccountName
            }
            {
              name: 'RECE_TASK_HUB'
              value: taskHubName
            }
            {
              name: 'AZURE_CLIENT_ID'
              value: identityClientId
            }
            {
              name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
              value: appInsightsConnectionString
            }
            {
              name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
              value: 'ClientId=${identityClientId};Authorization=AAD'
            }
          ]
        }
      ]
      scale: {
        minReplicas: 0
        maxReplicas: maxReplicas
        rules: [
          {
            name: 'gpu-jobs-waiting'
            azureQueue: {
              accountName: storageAccountName
              queueName: jobQueueName
              queueLength: jobsPerReplica
              // KEDA authenticates with the managed identity: no connection string secret.
              identity: identityId
            }
          }
        ]
      }
    }
  }
}

output appName string = worker.name
