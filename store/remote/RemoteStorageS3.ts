/**
 * RemoteStorage over an S3-API bucket (AWS S3, MinIO, s3rver, …) with @aws-sdk/client-s3.
 *
 * The endpoint, region and credentials come from the SDK's own configuration chain (its standard
 * environment variables: AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * or a profile). Addressing is path-style (works with self-hosted servers); request checksums are
 * computed and response checksums checked only when an operation requires them — every byte read
 * is BLAKE3-verified by the remote tier anyway, and some servers reject the SDK's default checksums.
 * The client is destroyed when the layer's scope closes. The SDK is loaded when the layer is built,
 * so commands without a remote never load it.
 */
import type * as S3 from "@aws-sdk/client-s3"
import { Effect, Layer, Stream } from "effect"
import { InvalidRemoteUrl } from "./RemoteErrors.js"
import { underPrefix } from "./RemoteKeys.js"
import { RemoteIOError, RemoteStorage, type RemoteStorageShape } from "./RemoteStorage.js"

export interface S3Location {
  readonly bucket: string
  /** Without leading or trailing `/`; may be empty. */
  readonly prefix: string
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/
const PREFIX_PART = /^[A-Za-z0-9._-]+$/

/** `s3://bucket[/prefix]`: a DNS-style bucket name and a prefix of `[A-Za-z0-9._-]` segments. */
export const parseS3Url = (url: string): Effect.Effect<S3Location, InvalidRemoteUrl> =>
  Effect.suspend(() => {
    const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url)
    if (match === null) return Effect.fail(new InvalidRemoteUrl({ url, reason: "expected s3://bucket/prefix" }))
    const bucket = match[1]
    if (!BUCKET.test(bucket)) return Effect.fail(new InvalidRemoteUrl({ url, reason: `bucket name ${bucket} is not valid` }))
    const prefix = (match[2] ?? "").replace(/\/+$/, "")
    const parts = prefix === "" ? [] : prefix.split("/")
    if (parts.some((part) => !PREFIX_PART.test(part) || part === "." || part === "..")) {
      return Effect.fail(new InvalidRemoteUrl({ url, reason: "the prefix's segments are made of [A-Za-z0-9._-] (no empty, . or .. segment)" }))
    }
    return Effect.succeed({ bucket, prefix })
  })

const reasonOf = (error: unknown): string => {
  if (typeof error === "object" && error !== null) {
    const named = error as { name?: unknown; message?: unknown }
    return `${String(named.name ?? "Error")}: ${String(named.message ?? "")}`
  }
  return String(error)
}

const statusOf = (error: unknown): number | undefined => {
  if (typeof error !== "object" || error === null || !("$metadata" in error)) return undefined
  const metadata = (error as { $metadata?: { httpStatusCode?: number } }).$metadata
  return metadata?.httpStatusCode
}

const isNotFound = (error: unknown) =>
  statusOf(error) === 404 ||
  (typeof error === "object" && error !== null && "name" in error && (error.name === "NoSuchKey" || error.name === "NotFound"))

const isAsyncIterable = (value: unknown): value is AsyncIterable<Uint8Array> =>
  typeof value === "object" && value !== null && Symbol.asyncIterator in value

/** The SDK module (`@aws-sdk/client-s3`), loaded on demand. */
export type S3Sdk = typeof S3

export const makeS3Storage = (sdk: S3Sdk, client: S3.S3Client, location: S3Location): RemoteStorageShape => {
  const { GetObjectCommand, HeadObjectCommand, PutObjectCommand } = sdk
  const keyOf = (key: string) => underPrefix(location.prefix, key)
  const request = <A>(operation: string, key: string, run: (signal: AbortSignal) => Promise<A>) =>
    Effect.tryPromise({ try: run, catch: (error) => ({ error, key, operation }) })
  const ioError = (operation: string, key: string, error: unknown) =>
    new RemoteIOError({ operation, key: keyOf(key), reason: reasonOf(error) })
  return {
    location: `s3://${location.bucket}${location.prefix === "" ? "" : `/${location.prefix}`}`,
    get: (key) =>
      request("get", key, async (abortSignal) => {
        const response = await client.send(new GetObjectCommand({ Bucket: location.bucket, Key: keyOf(key) }), { abortSignal })
        return response.Body === undefined ? new Uint8Array(0) : await response.Body.transformToByteArray()
      }).pipe(
        Effect.catchAll(({ error }) => (isNotFound(error) ? Effect.succeed(undefined) : Effect.fail(ioError("get", key, error))))
      ),
    getStream: (key) =>
      Effect.acquireRelease(
        request("get", key, (abortSignal) =>
          client.send(new GetObjectCommand({ Bucket: location.bucket, Key: keyOf(key) }), { abortSignal })).pipe(
            Effect.map((response) => response.Body),
            Effect.catchAll(({ error }) => (isNotFound(error) ? Effect.succeed(undefined) : Effect.fail(ioError("get", key, error))))
          ),
        // An unread or half-read body holds its connection: released with the scope.
        (body) => Effect.sync(() => (body !== undefined && "destroy" in body && typeof body.destroy === "function" ? body.destroy() : undefined))
      ).pipe(
        Effect.map((body) => {
          if (body === undefined) return undefined
          // Node: the response itself, read as it arrives; elsewhere the SDK's whole-body reader.
          return isAsyncIterable(body)
            ? Stream.fromAsyncIterable(body, (error) => ioError("get", key, error))
            : Stream.fromEffect(Effect.tryPromise({ try: () => body.transformToByteArray(), catch: (error) => ioError("get", key, error) }))
        })
      ),
    put: (key, bytes) =>
      request("put", key, (abortSignal) =>
        client.send(new PutObjectCommand({ Bucket: location.bucket, Key: keyOf(key), Body: bytes, ContentLength: bytes.byteLength }), {
          abortSignal
        })).pipe(Effect.asVoid, Effect.mapError(({ error }) => ioError("put", key, error))),
    head: (key) =>
      request("head", key, (abortSignal) =>
        client.send(new HeadObjectCommand({ Bucket: location.bucket, Key: keyOf(key) }), { abortSignal })).pipe(
          Effect.as(true),
          Effect.catchAll(({ error }) => (isNotFound(error) ? Effect.succeed(false) : Effect.fail(ioError("head", key, error))))
        )
  }
}

/** The S3 client's fixed settings; endpoint, region and credentials may be given here or come from the SDK's chain. */
export const s3ClientConfig = (overrides: Partial<S3.S3ClientConfig> = {}): S3.S3ClientConfig => ({
  forcePathStyle: true,
  requestChecksumCalculation: "WHEN_REQUIRED",
  responseChecksumValidation: "WHEN_REQUIRED",
  maxAttempts: 2,
  ...overrides
})

/** RemoteStorage on `s3://bucket/prefix`; the client lives as long as the layer. */
export const remoteStorageS3 = (
  url: string,
  overrides: Partial<S3.S3ClientConfig> = {}
): Layer.Layer<RemoteStorage, InvalidRemoteUrl> =>
  Layer.scoped(
    RemoteStorage,
    Effect.gen(function* () {
      const location = yield* parseS3Url(url)
      const sdk = yield* Effect.promise(() => import("@aws-sdk/client-s3"))
      const client = yield* Effect.acquireRelease(
        Effect.sync(() => new sdk.S3Client(s3ClientConfig(overrides))),
        (client) => Effect.sync(() => client.destroy())
      )
      return makeS3Storage(sdk, client, location)
    })
  )
