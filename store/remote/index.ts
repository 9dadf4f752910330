/**
 * The remote object tier: the local store overlaid on an S3-API bucket (read-through on a local
 * miss, write-behind after a local put), with explicit push and pull.
 */
export * from "./RemoteErrors.js"
export * from "./RemoteEvents.js"
export * from "./RemoteKeys.js"
export * from "./RemoteStorage.js"
export * from "./RemoteStorageS3.js"
export * from "./RemoteTier.js"
