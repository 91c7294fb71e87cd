// The container registry the two images are built into (`az acr build`, see infra/deploy.sh). The apps pull
// with the managed identity (AcrPull on this registry only); the admin user stays off.

@description('Azure region of the registry.')
param location string

@description('Registry name (5-50 letters and digits, globally unique).')
@minLength(5)
@maxLength(50)
param registryName string

@description('Registry tier.')
@allowed([
  'Basic'
  'Standard'
  'Premium'
])
param sku string

@description('The apps\' managed identities, [{ id, principalId }]: each may pull images from this registry (the id names its role assignment).')
param pullers array

var acrPullRoleId = '7f951dda-4ed3-4680-a7ca-43fe172d538d'

resource registry 'Microsoft.ContainerRegistry/registries@2025-11-01' = {
  name: registryName
  location: location
  sku: {
    name: sku
  }
  properties: {
    adminUserEnabled: false
    anonymousPullEnabled: false
    publicNetworkAccess: 'Enabled'
  }
}

resource pull 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for puller in pullers: {
    name: guid(registry.id, puller.id, acrPullRoleId)
    scope: registry
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', acrPullRoleId)
      principalId: puller.principalId
      principalType: 'ServicePrincipal'
    }
  }
]

output registryName string = registry.name
output loginServer string = registry.properties.loginServer
