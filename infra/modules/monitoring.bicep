// Log Analytics (every container's stdout/stderr and the platform's events, via the environment's
// diagnostic settings) and workspace-based Application Insights (the Functions host's requests, traces and
// dependencies). Both refuse key-based ingestion: telemetry authenticates with Microsoft Entra ID, so the
// App Insights connection string the apps get only says where to send, not who may.

@description('Azure region of the resources.')
param location string

@description('Log Analytics workspace name.')
param workspaceName string

@description('Application Insights component name.')
param appInsightsName string

@description('Days Log Analytics keeps logs.')
@minValue(30)
@maxValue(730)
param retentionDays int

@description('The apps\' managed identities, [{ id, principalId }]: each publishes telemetry to Application Insights (the id names its role assignment).')
param publishers array

var monitoringMetricsPublisherRoleId = '3913510d-42f4-4e42-8a64-420c390055eb'

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-07-01' = {
  name: workspaceName
  location: location
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionDays
    features: {
      disableLocalAuth: true
    }
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    IngestionMode: 'LogAnalytics'
    DisableLocalAuth: true
  }
}

// Entra-authenticated ingestion (APPLICATIONINSIGHTS_AUTHENTICATION_STRING in the apps) needs this role,
// on this component only.
resource telemetryPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for publisher in publishers: {
    name: guid(appInsights.id, publisher.id, monitoringMetricsPublisherRoleId)
    scope: appInsights
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisherRoleId)
      principalId: publisher.principalId
      principalType: 'ServicePrincipal'
    }
  }
]

output workspaceId string = workspace.id
output workspaceCustomerId string = workspace.properties.customerId
output appInsightsName string = appInsights.name
// Not a credential: the component accepts only Entra-authenticated telemetry (DisableLocalAuth above).
output appInsightsConnectionString string = appInsights.properties.ConnectionString
