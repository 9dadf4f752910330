/**
 * Object keys on the remote, relative to its prefix; the layout mirrors the local store:
 *
 * ```
 * cas/<blake3 hex>            objects
 * artifacts/<art_id>.json     manifests (as the local catalog holds them)
 * actions/<key hex>.json      action entries (the commit point: written last)
 * ```
 *
 * Every key is built from a digest or an artifact id checked against its pattern, so no key can
 * leave the prefix (no `/`, `..` or other text reaches one).
 */
import { Effect, Schema } from "effect"
import { ArtifactId } from "../ArtifactCatalog.js"
import { Digest, hexOf } from "../Digest.js"
import { InvalidRemoteKey } from "./RemoteErrors.js"

const isDigest = Schema.is(Digest)
const isArtifactId = Schema.is(ArtifactId)
const HEX = /^[0-9a-f]{64}$/

const checkedHex = (digest: string): Effect.Effect<string, InvalidRemoteKey> =>
  isDigest(digest) && HEX.test(hexOf(digest))
    ? Effect.succeed(hexOf(digest))
    : Effect.fail(new InvalidRemoteKey({ value: digest, expected: "blake3:<64 hex>" }))

export const objectKey = (digest: string): Effect.Effect<string, InvalidRemoteKey> =>
  Effect.map(checkedHex(digest), (hex) => `cas/${hex}`)

export const manifestKey = (id: string): Effect.Effect<string, InvalidRemoteKey> =>
  isArtifactId(id)
    ? Effect.succeed(`artifacts/${id}.json`)
    : Effect.fail(new InvalidRemoteKey({ value: id, expected: "art_<64 hex>" }))

export const actionKey = (key: string): Effect.Effect<string, InvalidRemoteKey> =>
  Effect.map(checkedHex(key), (hex) => `actions/${hex}.json`)

/** Joins a prefix (no leading or trailing `/`, may be empty) and a relative key. */
export const underPrefix = (prefix: string, key: string): string => (prefix === "" ? key : `${prefix}/${key}`)
