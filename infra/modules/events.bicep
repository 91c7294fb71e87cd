// Blob drops become start requests: an Event Grid system topic on the storage account sends every
// BlobCreated event for a `.json` blob in the request container to a storage queue that the function app
// consumes.
//
// Why a storage queue and not the function app's Event Grid blob-trigger webhook
// (https://<app>/runtime/webhooks/blobs?functionName=...&code=<blobs_extension system key>):
// - the webhook only accepts calls that carry the `blobs_extension` system key. Functions on Container Apps
//   keep keys in Container Apps secrets or in a key store, so a template that subscribes the webhook must
//   either write that key into a secret itself or read it back (`az containerapp function keys list`) and put
//   it into the subscription URL: a key in the deployment either way, and a second deployment phase that
//   needs the new revision up and answering Event Grid's validation handshake;
// - a storage-queue destination with deliveryWithResourceIdentity needs no key at all: the topic's own
//   managed identity may only add messages to this one queue (Storage Queue Data Message Sender, scoped to
//   the queue), the subscription deploys in the same pass as everything else, and events wait in the queue
//   while the function app restarts or is redeployed (messages never expire here).

@description('Azure region of the system topic (the storage account\'s region).')
param location string

@description('Name of the Event Grid system topic.')
param topicName string

@description('Name of the storage account whose events are published.')
param storageAccountName string

@description('The container users drop request blobs into.')
param requestContainerName string

@description('The queue the events are delivered to.')
param eventQueueName string

// Storage Queue Data Message Sender: add messages, nothing else.
var queueMessageSenderRoleId = 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a'

resource account 'Microsoft.Storage/storageAccounts@2025-08-01' existing = {
  name: storageAccountName

  resource queueService 'queueServices' existing = {
    name: 'default'

    resource eventQueue 'queues' existing = {
      name: eventQueueName
    }
  }
}

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: topicName
  location: location
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: account.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

resource topicSendsToQueue 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account::queueService::eventQueue.id, topicName, queueMessageSenderRoleId)
  scope: account::queueService::eventQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', queueMessageSenderRoleId)
    principalId: topic.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource requestBlobCreated 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: topic
  name: 'request-blob-created'
  // The topic's identity must be allowed to send before the first event is delivered.
  dependsOn: [
    topicSendsToQueue
  ]
  properties: {
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: [
        'Microsoft.Storage.BlobCreated'
      ]
      // Blob event subjects read /blobServices/default/containers/<container>/blobs/<blob name>.
      subjectBeginsWith: '/blobServices/default/containers/${requestContainerName}/blobs/'
      subjectEndsWith: '.json'
    }
    deliveryWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      destination: {
        endpointType: 'StorageQueue'
        properties: {
          resourceId: account.id
          queueName: eventQueueName
          // -1: an event waits in the queue until the function app takes it, however long that is.
          queueMessageTimeToLiveInSeconds: -1
        }
      }
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
  }
}

output topicName string = topic.name
output subscriptionName string = requestBlobCreated.name
