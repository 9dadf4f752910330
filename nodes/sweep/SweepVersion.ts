/** Bump when the sweep's own code changes a result; enters every sweep, variant and batch key. */
export const SWEEP_VERSION = "3"
