/**
 * RemoteStorage over the test S3-API server (s3rver): `getStream` hands an object over 1 MiB as it
 * arrives (several chunks, the same bytes), and an absent key as undefined.
 */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import { RemoteStorage, remoteStorageS3 } from "../../../store/remote/index.js"
import { freshRemote, s3Server } from "../../support/s3.js"

const storage = () => {
  const s3 = s3Server()
  return remoteStorageS3(freshRemote("stream"), {
    endpoint: s3.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }
  })
}

describe("RemoteStorage on S3 (s3rver)", () => {
  it.live("getStream: a 5 MiB object arrives in chunks, byte for byte; an absent key is undefined", () =>
    Effect.gen(function* () {
      const remote = yield* RemoteStorage
      const bytes = new Uint8Array(5 * 1024 * 1024 + 3)
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 251
      yield* remote.put("cas/big", bytes)

      const chunks = yield* Effect.scoped(
        Effect.flatMap(remote.getStream("cas/big"), (body) => (body === undefined ? Effect.succeed(undefined) : Stream.runCollect(body)))
      )
      expect(chunks).toBeDefined()
      const received = Chunk.toReadonlyArray(chunks!)
      expect(received.length).toBeGreaterThan(1)
      const joined = new Uint8Array(received.reduce((sum, chunk) => sum + chunk.byteLength, 0))
      let offset = 0
      for (const chunk of received) {
        joined.set(chunk, offset)
        offset += chunk.byteLength
      }
      expect(Buffer.from(joined).equals(Buffer.from(bytes))).toBe(true)

      expect(yield* Effect.scoped(remote.getStream("cas/absent"))).toBeUndefined()
    }).pipe(Effect.provide(storage())))
})
