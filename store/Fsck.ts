/**
 * Consistency check of the filesystem store (`pipeline fsck`).
 *
 * - every object under objects/ is re-hashed in full (no stat cache) and must hash to its name; an
 *   object path holding a symbolic link (never followed) or anything else than a regular file is a
 *   problem, and that object counts as absent;
 * - every manifest must decode, carry the id its fields hash to (and its file name), and point at an
 *   existing object of the recorded size; its inputs must have manifests;
 * - every action entry must decode, be filed under its key, and name output manifests that exist
 *   and record the same digest;
 * - every experiment record and run must decode; each run's outputs and the experiment's frozen
 *   inputs must exist (with the digests the run recorded);
 * - identity pointers must decode;
 * - every action entry's key must be blake3(canonical(material)) of its recorded material;
 * - with the domain's checks (FsckOptions): every experiment id must derive from its definition and
 *   frozen inputs, and every manifest's rowCount / minTs / maxTs (and columns) must agree with its
 *   object.
 *
 * Problems are collected, not thrown: the report lists each one with what it is about (digest,
 * artifact id, action key, experiment id), the file, and what is wrong. Debris that gc sweeps
 * (tmp/ entries, index markers without a manifest, experiment directories without a record) is not
 * a problem. Reads only; the stat cache is refreshed for the objects it re-hashes when the store can
 * be written (a read-only store is checked all the same).
 */
import type { Effect } from "effect"
import type { ActionCache } from "./ActionCache.js"
import type { ArtifactCatalog, ArtifactManifest } from "./ArtifactCatalog.js"
import type { ExperimentRecord, ExperimentTracker } from "./ExperimentTracker.js"
import type { ObjectStore } from "./ObjectStore.js"
import type { StoreIOError } from "./StoreError.js"
import type { StoreRoot } from "./StoreLayout.js"
import { runFsck } from "./internal/fsck.js"

export type FsckKind = "object" | "artifact" | "action" | "experiment" | "identity"

export type FsckProblemCode =
  /** object: its bytes hash to another digest. */
  | "corrupt"
  /** object: its path is a symbolic link (never followed: the object is absent; a run puts it back). */
  | "symlink"
  /** object: its path is a directory or a special file, not a regular file. */
  | "not-a-file"
  /** artifact: the manifest names an object that is not in the store. */
  | "object-missing"
  /** artifact: the object's size differs from the manifest's `bytes`. */
  | "size-mismatch"
  /** artifact: the id is not its file name, or not the hash of its fields. */
  | "id-mismatch"
  /** artifact: an input has no manifest; experiment: a frozen input has no manifest. */
  | "input-missing"
  /** any record: it does not decode (the detail says which field). */
  | "malformed"
  /** action: the entry is filed under another key than it records. */
  | "key-mismatch"
  /** action / experiment run: an output artifact has no manifest. */
  | "output-missing"
  /** action / experiment run: an output's recorded digest is not its manifest's digest. */
  | "digest-mismatch"
  /** action: the key is not blake3(canonical(material)) of the material the entry records. */
  | "material-mismatch"
  /** experiment: the id is not the one its definition and frozen inputs derive to (`experimentIdOf`). */
  | "definition-mismatch"
  /** artifact: `rowCount` is not the number of rows in the object (`checkObject`). */
  | "row-count-mismatch"
  /** artifact: `minTs`/`maxTs` disagree with the object's time column (`checkObject`). */
  | "time-range-mismatch"
  /** artifact: the object's columns are not its type's, or it cannot be read as such (`checkObject`). */
  | "schema-mismatch"

export interface FsckProblem {
  readonly kind: FsckKind
  /** Digest, artifact id, action key, experiment id (`exp_…/run 000001` for a run), identity hash. */
  readonly id: string
  readonly path: string
  readonly problem: FsckProblemCode
  readonly detail: string
}

export interface FsckReport {
  readonly objects: { readonly count: number; readonly bytes: number }
  readonly artifacts: number
  readonly actions: number
  readonly experiments: number
  readonly runs: number
  readonly identities: number
  /**
   * Manifests whose object is on a remote and was not downloaded (a remote hit brings manifests
   * only): not a problem, the remote tier reads them through on demand; by remote location.
   */
  readonly remoteBacked: ReadonlyArray<{ readonly location: string; readonly artifacts: number }>
  /** Sorted by kind, then id. Empty when the store is consistent. */
  readonly problems: ReadonlyArray<FsckProblem>
}

export type FsckServices = StoreRoot | ObjectStore | ArtifactCatalog | ActionCache | ExperimentTracker

/** A problem `checkObject` found in an artifact's object. */
export interface ObjectCheckProblem {
  readonly problem: "row-count-mismatch" | "time-range-mismatch" | "schema-mismatch"
  readonly detail: string
}

/**
 * The store knows neither how an experiment id derives from its definition nor what is inside an
 * object: the domain (nodes/) supplies both checks, and the CLI passes them. Unset: not checked.
 */
export interface FsckOptions<R = never> {
  /** Objects hashed at once (default 2). */
  readonly concurrency?: number
  /** The id an experiment record's definition and frozen inputs derive to. */
  readonly experimentIdOf?: (record: ExperimentRecord) => Effect.Effect<string, unknown, R>
  /**
   * The manifest's descriptive fields (rowCount, minTs, maxTs) against its object at `path`, which
   * is present, intact and of the recorded size when this is called; [] when they agree.
   */
  readonly checkObject?: (
    manifest: ArtifactManifest,
    path: string
  ) => Effect.Effect<ReadonlyArray<ObjectCheckProblem>, never, R>
}

/** Checks the whole store; fails only when the store cannot be read at all. Prints nothing. */
export const fsck = <R = never>(options: FsckOptions<R> = {}): Effect.Effect<FsckReport, StoreIOError, FsckServices | R> =>
  runFsck({ ...options, concurrency: Math.max(1, Math.floor(options.concurrency ?? 2)) })
