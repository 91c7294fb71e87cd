// The .NET isolated Durable Functions app (src/Rece.Functions, image docker/functions.Dockerfile) as a
// container app of kind functionapp on the Consumption profile. It keeps one replica at all times: Durable
// Functions with the Azure Storage backend is not autoscaled on Container Apps (only the MSSQL backend is),
// and someone has to poll the task hub. Its storage connection is identity-based, so no setting holds a key.

@description('Azure region of the app.')
param location string

@description('Container app name.')
param appName string

@description('Resource id of the Container Apps environment.')
param environmentId string

@description('Resource id of the user-assigned managed identity the app runs as.')
param identityId string

@description('Client id of that identity (selects it for the Functions host and DefaultAzureCredential).')
param identityClientId string

@description('Login server of the registry holding the image.')
param registryServer string

@description('Full image reference, e.g. <registry>/rece-functions:<tag>.')
param image string

@description('Storage account of AzureWebJobsStorage, the task hub and the pipeline\'s containers.')
param storageAccountName string

@description('Durable task hub name (host.json reads it from the RECE_TASK_HUB setting).')
param taskHubName string

@description('Seconds a claimed GPU job may go silent before it is enqueued again.')
param gpuJobTimeoutSeconds int

@description('Seconds a GPU job may wait unclaimed in the queue before its run fails.')
param gpuJobQueueTimeoutSeconds int

@description('Attempts per GPU job before its run fails.')
param gpuJobAttempts int

@description('Application Insights connection string (ingestion endpoint; the component takes Entra-authenticated telemetry only).')
param appInsightsConnectionString string

@description('Most replicas the app may run. More than the task hub\'s partition count gains nothing.')
@minValue(1)
@maxValue(16)
param maxReplicas int

@description('vCPU of the app\'s container.')
param cpu string

@description('Memory of the app\'s container, e.g. 2Gi (2 GiB per vCPU on the Consumption profile).')
param memory string

resource app 'Microsoft.App/containerApps@2026-01-01' = {
  name: appName
  location: location
  kind: 'functionapp'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    environmentId: environmentId
    workloadProfileName: 'Consumption'
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: true
        // The Azure Functions base image listens on port 80.
        targetPort: 80
        transport: 'auto'
        allowInsecure: false
      }
      registries: [
        {
          server: registryServer
          identity: identityId
        }
      ]
    }
    template: {
      containers: [
        {
          name: 'functions'
          image: image
          resources: {
            cpu: json(cpu)
            memory: memory
          }
          env: [
            {
              name: 'FUNCTIONS_WORKER_RUNTIME'
              value: 'dotnet-isolated'
            }
            // Identity-based host storage (also the Durable task hub's connection, host.json connectionName).
            {
              name: 'AzureWebJobsStorage__accountName'
              value: storageAccountName
            }
            {
              name: 'AzureWebJobsStorage__credential'
              value: 'managedidentity'
            }
            {
              name: 'AzureWebJobsStorage__clientId'
              value: identityClientId
            }
            // Function keys: the host generates them and keeps them in the account's azure-webjobs-secrets
            // container (the default Container Apps secret store would need keys provisioned by hand).
            {
              name: 'AzureWebJobsSecretStorageType'
              value: 'blob'
            }
            {
              name: 'RECE_TASK_HUB'
              value: taskHubName
            }
            // The app's own clients (request and result blobs, the GPU job queue) use the same account and
            // DefaultAzureCredential, which picks the user-assigned identity by AZURE_CLIENT_ID.
            {
              name: 'RECE_JOB_TIMEOUT_SECONDS'
              value: string(gpuJobTimeoutSeconds)
            }
            {
              name: 'RECE_JOB_ATTEMPTS'
              value: string(gpuJobAttempts)
            }
            {
              name: 'RECE_JOB_QUEUE_TIMEOUT_SECONDS'
              value: string(gpuJobQueueTimeoutSeconds)
            }
            {
              name: 'RECE_STORAGE'
              value: storageAccountName
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
        minReplicas: 1
        maxReplicas: maxReplicas
      }
    }
  }
}

output appName string = app.name
output fqdn string = app.properties.configuration.ingress.fqdn
