// One app identity's data access to the pipeline's storage account, resource by resource: each grant is a
// built-in data role on one blob container, one queue or one table, never the account. The apps are split
// this way (issue 17) so the internet-facing Functions app and the GPU worker each reach only what their code
// touches (main.bicep lists it, with the reasons); a compromised app cannot read or rewrite the other's data.
// Every resource named here is created by modules/storage.bicep first: a role assignment needs an existing scope,
// and an app with only scoped roles cannot create containers, queues or tables itself.

@description('Name of the storage account (created by modules/storage.bicep).')
param accountName string

@description('Resource id of the identity (names the role assignments, so what-if can predict them).')
param identityId string

@description('Principal id of that identity.')
param principalId string

@description('Blob containers and the role on each: [{ name, role }], role one of "read", "write".')
param containers array

@description('Queues and the role on each: [{ name, role }], role one of "send", "process".')
param queues array

@description('Tables the identity reads and writes.')
param tables array

// Least privilege per use: reading blobs, reading and writing blobs, only adding queue messages, processing
// queue messages (which also lets the Durable engine and the Functions host create the queue if missing),
// reading and writing table entities.
var roleIds = {
  read: '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1' // Storage Blob Data Reader
  write: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe' // Storage Blob Data Contributor
  send: 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a' // Storage Queue Data Message Sender
  process: '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // Storage Queue Data Contributor
  table: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor
}

resource account 'Microsoft.Storage/storageAccounts@2025-08-01' existing = {
  name: accountName

  resource blobService 'blobServices' existing = {
    name: 'default'
  }

  resource queueService 'queueServices' existing = {
    name: 'default'
  }

  resource tableService 'tableServices' existing = {
    name: 'default'
  }
}

resource scopedContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-08-01' existing = [
  for grant in containers: {
    parent: account::blobService
    name: grant.name
  }
]

resource scopedQueues 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-08-01' existing = [
  for grant in queues: {
    parent: account::queueService
    name: grant.name
  }
]

resource scopedTables 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-08-01' existing = [
  for name in tables: {
    parent: account::tableService
    name: name
  }
]

resource containerRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (grant, i) in containers: {
    name: guid(scopedContainers[i].id, identityId, roleIds[grant.role])
    scope: scopedContainers[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds[grant.role])
      principalId: principalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource queueRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (grant, i) in queues: {
    name: guid(scopedQueues[i].id, identityId, roleIds[grant.role])
    scope: scopedQueues[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds[grant.role])
      principalId: principalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource tableRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (name, i) in tables: {
    name: guid(scopedTables[i].id, identityId, roleIds.table)
    scope: scopedTables[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.table)
      principalId: principalId
      principalType: 'ServicePrincipal'
    }
  }
]
