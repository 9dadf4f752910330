/**
 * The port to a remote object store (an S3-API bucket under a prefix): get, put and head of whole
 * objects by key, and `getStream` for objects too large to hold whole (their bytes as they arrive). Keys are relative to the remote's prefix and built only by ./RemoteKeys.ts from
 * validated digests and artifact ids, so nothing a caller passes can name an object outside it.
 *
 * Two implementations: `RemoteStorage.layerS3` (./RemoteStorageS3.ts, @aws-sdk/client-s3) and
 * `RemoteStorage.layerMemory` (a Map, for tests; it can be told to fail or to corrupt).
 */
import { Chunk, Context, Effect, Layer, Schema, type Scope, Stream } from "effect"

/** A remote request failed (network, permissions, a stopped server): `key` under the remote's prefix. */
export class RemoteIOError extends Schema.TaggedError<RemoteIOError>()("RemoteIOError", {
  operation: Schema.String,
  key: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `remote ${this.operation} failed on ${this.key}: ${this.reason}`
  }
}

export interface RemoteStorageShape {
  /** Where the remote is, for messages (`s3://bucket/prefix`). */
  readonly location: string
  /** The object's bytes, or undefined when there is none under `key`. */
  readonly get: (key: string) => Effect.Effect<Uint8Array | undefined, RemoteIOError>
  /**
   * The object's bytes as they arrive, in chunks of any size, or undefined when there is none
   * under `key`. The response is released when the scope closes, whether the stream was read or not.
   */
  readonly getStream: (key: string) => Effect.Effect<Stream.Stream<Uint8Array, RemoteIOError> | undefined, RemoteIOError, Scope.Scope>
  readonly put: (key: string, bytes: Uint8Array) => Effect.Effect<void, RemoteIOError>
  /** Whether an object is stored under `key`. */
  readonly head: (key: string) => Effect.Effect<boolean, RemoteIOError>
}

export class RemoteStorage extends Context.Tag("pipeline/store/RemoteStorage")<RemoteStorage, RemoteStorageShape>() {}

/** The memory remote's contents and its fault switches (tests). */
export interface MemoryRemote extends RemoteStorageShape {
  readonly objects: Map<string, Uint8Array>
  /** Every put and head, in order (`put <key>`, `head <key>`). */
  readonly log: Array<string>
  /**
   * When set, requests whose key passes the test fail with a RemoteIOError; `body`: a `getStream`
   * whose stream fails after its first chunk (a connection lost mid-download).
   */
  failWhen: ((operation: "get" | "put" | "head" | "body", key: string) => boolean) | undefined
}

/** The memory remote's `getStream` chunk size: objects above it arrive in several chunks. */
export const MEMORY_STREAM_CHUNK = 256 * 1024

const chunksOf = (bytes: Uint8Array): Array<Uint8Array> => {
  const chunks: Array<Uint8Array> = []
  for (let offset = 0; offset < bytes.byteLength; offset += MEMORY_STREAM_CHUNK) {
    chunks.push(bytes.slice(offset, offset + MEMORY_STREAM_CHUNK))
  }
  return chunks
}

export const makeMemoryRemote = (): MemoryRemote => {
  const objects = new Map<string, Uint8Array>()
  const log: Array<string> = []
  const remote: MemoryRemote = {
    location: "memory://remote",
    objects,
    log,
    failWhen: undefined,
    get: (key) =>
      Effect.suspend(() =>
        remote.failWhen?.("get", key) === true
          ? Effect.fail(new RemoteIOError({ operation: "get", key, reason: "injected failure" }))
          : Effect.succeed(objects.has(key) ? Uint8Array.from(objects.get(key)!) : undefined)
      ),
    getStream: (key) =>
      Effect.map(remote.get(key), (bytes) => {
        if (bytes === undefined) return undefined
        const chunks = Stream.fromChunk(Chunk.fromIterable(chunksOf(bytes)))
        return remote.failWhen?.("body", key) === true
          ? Stream.concat(Stream.take(chunks, 1), Stream.fail(new RemoteIOError({ operation: "get", key, reason: "injected failure mid-body" })))
          : chunks
      }),
    put: (key, bytes) =>
      Effect.suspend(() => {
        log.push(`put ${key}`)
        if (remote.failWhen?.("put", key) === true) {
          return Effect.fail(new RemoteIOError({ operation: "put", key, reason: "injected failure" }))
        }
        objects.set(key, Uint8Array.from(bytes))
        return Effect.void
      }),
    head: (key) =>
      Effect.suspend(() => {
        log.push(`head ${key}`)
        return remote.failWhen?.("head", key) === true
          ? Effect.fail(new RemoteIOError({ operation: "head", key, reason: "injected failure" }))
          : Effect.succeed(objects.has(key))
      })
  }
  return remote
}

/** A RemoteStorage layer over the given memory remote (make one with `makeMemoryRemote`). */
export const remoteStorageMemory = (remote: MemoryRemote): Layer.Layer<RemoteStorage> => Layer.succeed(RemoteStorage, remote)
