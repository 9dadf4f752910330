/**
 * Remote-backed objects: a remote holds them and this store has a manifest naming them but not
 * their bytes (a remote hit imports manifests only; the bytes come down when a reader needs them).
 */

/** Why a promised object is absent here, and how to get it. */
export const notDownloadedReason = (location: string): string =>
  `it is on the remote ${location} and was not downloaded: run with --remote ${location} (it is read through on demand) or download it with \`pipeline pull\``
