// The Container Apps environment: the Consumption profile runs the function app, a serverless GPU profile
// runs the GPU workers. App logs go through Azure Monitor (diagnostic settings) into Log Analytics, so no
// workspace shared key is handed to the environment.

@description('Azure region of the environment.')
param location string

@description('Environment name.')
param environmentName string

@description('Serverless GPU workload profile type of the GPU workers.')
@allowed([
  'Consumption-GPU-NC8as-T4'
  'Consumption-GPU-NC24-A100'
])
param gpuProfileType string

@description('Name of that workload profile in the environment.')
param gpuProfileName string

@description('Log Analytics workspace resource id receiving the environment\'s logs.')
param workspaceId string

resource environment 'Microsoft.App/managedEnvironments@2026-01-01' = {
  name: environmentName
  location: location
  properties: {
    appLogsConfiguration: {
      destination: 'azure-monitor'
    }
    workloadProfiles: [
      {
        name: 'Consumption'
        workloadProfileType: 'Consumption'
      }
      {
        name: gpuProfileName
        workloadProfileType: gpuProfileType
      }
    ]
    zoneRedundant: false
  }
}

// Console output of every container -> ContainerAppConsoleLogs; scaling, revisions, image pulls, KEDA ->
// ContainerAppSystemLogs.
// 2021-05-01-preview is the newest version of resource diagnostic settings (the linter's suggestion,
// 2016-09-01, is the service-level type, which has no workspace destination).
#disable-next-line use-recent-api-versions
resource logs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: environment
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        category: 'ContainerAppConsoleLogs'
        enabled: true
      }
      {
        category: 'ContainerAppSystemLogs'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

output environmentId string = environment.id
output defaultDomain string = environment.properties.defaultDomain
