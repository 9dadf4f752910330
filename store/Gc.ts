/**
 * Garbage collection of the filesystem store (`pipeline gc`).
 *
 * Rules:
 *
 * 1. **Kept experiments.** All of them by default. With `keepLast: N`, the N most recently run
 *    experiments, ranked by their latest run's createdAt (an experiment without runs by its own
 *    createdAt; ties by id). Whatever the rank, an experiment is also kept while one of its runs is
 *    pending/running and not abandoned, or when one of its records was modified within the grace
 *    period. The records (experiment.json and runs/) of the other experiments are removed.
 * 2. **Roots.** Every output artifact of every run of a kept experiment and the experiment's frozen
 *    input artifacts; every artifact produced by import (`producedBy.node === "import"`) that is not
 *    tombstoned (user data is never collected implicitly); every manifest modified within the grace
 *    period, and the outputs of every action entry modified within it.
 * 3. **Kept artifacts** are the roots plus, transitively, their lineage (inputs, recursively). Other
 *    manifests are removed with their status overlay and index markers.
 * 4. **Action entries** are kept when every output artifact of the entry is kept (so a removed
 *    artifact can never be a cache hit); the others are removed. Identity pointers
 *    (`actions/identity/`) whose entry is removed or absent are removed, as are unreadable ones.
 * 5. **Objects** are kept when a kept manifest references their digest. Just before objects are
 *    removed, manifests that appeared while gc ran are read and their objects spared too.
 * 6. **tmp/.** Only entries named by the store's temp pattern (TempName.ts:
 *    `<kind>-<pid>-<n>-<16 hex><suffix>`) are candidates: one whose owner pid is not alive on this
 *    host is removed, and so is one not written for 24 h (by mtime; this also covers pids reused by
 *    another process); entries of live processes are kept. DuckDB projections
 *    (`*-projection.duckdb`, `.wal`, `.tmp/`) of dead processes are included. Links are never
 *    followed: a symlinked tmp/ or entry, and any other name, is left alone and listed in
 *    `leftAlone` (a user's file in a directory adopted as a store is not debris).
 *    Index markers naming an artifact without a manifest (debris of an interrupted publish) are
 *    removed.
 * 7. **Grace period.** Nothing (experiment record, manifest, action entry, identity pointer, index
 *    marker, object) modified less than `grace` ago (default 15 minutes) is removed, so the fresh
 *    outputs of a concurrent run survive (git's gc.pruneExpire). "Modified" is the later of a file's
 *    mtime and ctime: objects carry a fixed mtime, and their ctime records when they were linked in.
 * 8. **Order.** Dependents go before what they depend on: identity pointers, then action entries,
 *    experiment records, manifests (a derived artifact's before its inputs'), markers, objects and
 *    tmp/ — the reverse of the write order (object → manifest → entry), so a concurrent reader never
 *    gets a hit whose artifacts are half gone, and a gc killed at any point leaves a store fsck
 *    calls clean (no `input-missing`, `output-missing` or `object-missing`).
 * 9. **Dry run** computes the same plan and changes nothing.
 * 10. **Record.** Before its first removal, gc writes `gc/<ms>-<pid>.json` (internal/gcLog.ts) with
 *    the artifact ids and object digests it removes, kept 7 days. `ArtifactCatalog.get` of an absent
 *    id listed there fails with `ArtifactNotFound` whose reason says gc removed it, when, with which
 *    grace (a concurrent run's fresh intermediate with grace 0); a second run recomputes it.
 *
 * gc refuses to run (fails with RecordDecodeError) on a store holding an undecodable manifest,
 * action entry or experiment record: it could not know what that record references. `pipeline fsck`
 * names such records.
 *
 * Times come from Effect's `Clock` compared with filesystem timestamps: run it with the live clock.
 */
import { Duration, Effect } from "effect"
import type { ActionCache } from "./ActionCache.js"
import type { ArtifactCatalog } from "./ArtifactCatalog.js"
import type { ExperimentTracker, ProcessLiveness } from "./ExperimentTracker.js"
import type { ObjectStore } from "./ObjectStore.js"
import type { RecordDecodeError, StoreIOError } from "./StoreError.js"
import type { StoreRoot } from "./StoreLayout.js"
import { GC_KINDS as kinds, runGc } from "./internal/gc.js"

/** What gc removes, one kind per row of its summary, in removal order. */
export const GC_KINDS: typeof kinds = kinds
export type GcKind = (typeof GC_KINDS)[number]

export interface GcOptions {
  /** Plan only: report what would be removed and change nothing (default false). */
  readonly dryRun?: boolean
  /** Keep only the N most recently run experiments (default: all). Non-negative integer. */
  readonly keepLast?: number
  /** Anything modified less than this long ago is never removed (default 15 minutes). */
  readonly grace?: Duration.DurationInput
  /** tmp/ entries older than this are removed whatever their owner (default 24 hours). */
  readonly tmpMaxAge?: Duration.DurationInput
}

export const DEFAULT_GC_GRACE = Duration.minutes(15)
export const DEFAULT_TMP_MAX_AGE = Duration.hours(24)

export interface GcItem {
  readonly kind: GcKind
  /**
   * What it is: experiment id, action key, identity hash, artifact id, marker path relative to the
   * store root, object digest, or tmp/ entry name.
   */
  readonly id: string
  /** The file or directory on disk. */
  readonly path: string
  readonly bytes: number
  /** For people: artifact type and logical key, action node name, why a tmp entry goes, … */
  readonly detail?: string
}

/** Something gc found but did not touch because the store did not write it. */
export interface GcLeftAlone {
  readonly path: string
  /** e.g. "a symbolic link: gc does not follow links", "not a name the store writes". */
  readonly reason: string
}

export interface GcSummaryRow {
  readonly kind: GcKind
  readonly count: number
  readonly bytes: number
}

export interface GcReport {
  readonly dryRun: boolean
  readonly graceMs: number
  /** Experiments kept (rule 1), most recently run first. */
  readonly keptExperiments: ReadonlyArray<string>
  /** Removed (or, in a dry run, to be removed), in removal order. */
  readonly removed: ReadonlyArray<GcItem>
  /** tmp/ entries (or tmp/ itself) not of the store's pattern, or links: never removed (rule 6). */
  readonly leftAlone: ReadonlyArray<GcLeftAlone>
  /** `removed` per kind, every kind present (count 0 included), in `GC_KINDS` order. */
  readonly summary: ReadonlyArray<GcSummaryRow>
  /** Unreachable items spared because they were modified within the grace period, per kind. */
  readonly sparedByGrace: ReadonlyArray<GcSummaryRow>
  /** What stays, per kind (tmp: entries of live processes). */
  readonly kept: { readonly [K in GcKind]: number }
}

export type GcError = StoreIOError | RecordDecodeError

export type GcServices = StoreRoot | ObjectStore | ArtifactCatalog | ActionCache | ExperimentTracker | ProcessLiveness

/** Collects what the kept experiments and imports cannot reach (rules above). Prints nothing. */
export const gc = (options: GcOptions = {}): Effect.Effect<GcReport, GcError, GcServices> =>
  runGc({
    dryRun: options.dryRun ?? false,
    keepLast: options.keepLast === undefined ? undefined : Math.max(0, Math.floor(options.keepLast)),
    graceMs: Duration.toMillis(Duration.decode(options.grace ?? DEFAULT_GC_GRACE)),
    tmpMaxAgeMs: Duration.toMillis(Duration.decode(options.tmpMaxAge ?? DEFAULT_TMP_MAX_AGE))
  })
