// The pipeline's storage account: request, result, model, checkpoint and report containers, the GPU job
// queue, the request-event queue Event Grid fills, and the Durable task hub's tables and queues. Shared-key
// access is off: every client (the Functions host, the Durable Task engine, `rece worker`, KEDA, Event Grid)
// authenticates with a managed identity, so no account key or connection string exists to leak. No identity gets
// a role on the whole account: modules/storageAccess.bicep grants each app its containers, queues and tables.
// Network: with allowedIpRanges or allowedSubnetIds set, everything else is denied (docs/security.md).

@description('Azure region of the account.')
param location string

@description('Storage account name (3-24 lowercase letters and digits, globally unique).')
@minLength(3)
@maxLength(24)
param accountName string

@description('Replication of the account.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param skuName string

@description('Blob containers to create.')
param containerNames array

@description('Queues to create.')
param queueNames array

@description('Tables to create.')
param tableNames array

@description('Public IP ranges (CIDR, e.g. 203.0.113.0/24) allowed to reach the account. Empty, with allowedSubnetIds empty too: any network (authentication still required).')
param allowedIpRanges array = []

@description('Resource ids of virtual network subnets (with the Microsoft.Storage service endpoint) allowed to reach the account.')
param allowedSubnetIds array = []

// Any rule turns the firewall on: what no rule names is denied. Trusted Azure services (Event Grid delivering
// to the request-event queue with its managed identity) pass either way.
var restrictNetwork = !empty(allowedIpRanges) || !empty(allowedSubnetIds)

resource account 'Microsoft.Storage/storageAccounts@2025-08-01' = {
  name: accountName
  location: location
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: restrictNetwork ? 'Deny' : 'Allow'
      bypass: 'AzureServices'
      ipRules: map(allowedIpRanges, range => {
        value: range
        action: 'Allow'
      })
      virtualNetworkRules: map(allowedSubnetIds, subnet => {
        id: subnet
        action: 'Allow'
      })
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-08-01' = {
  parent: account
  name: 'default'
  properties: {
    // A deleted or overwritten request, checkpoint or report can be restored for a week.
    deleteRetentionPolicy: {
      enabled: true
      days: 7
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: 7
    }
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-08-01' = [
  for name in containerNames: {
    parent: blobService
    name: name
    properties: {
      publicAccess: 'None'
    }
  }
]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2025-08-01' = {
  parent: account
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-08-01' = [
  for name in queueNames: {
    parent: queueService
    name: name
  }
]

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2025-08-01' = {
  parent: account
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-08-01' = [
  for name in tableNames: {
    parent: tableService
    name: name
  }
]

output accountName string = account.name
output accountId string = account.id
output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
output tableEndpoint string = account.properties.primaryEndpoints.table
