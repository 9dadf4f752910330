/**
 * The generic engine: nodes, keys, the DAG executor, explain. Knows nothing about trading.
 * Hashing and canonical encoding live in store/ (the lowest layer, which must not import this one)
 * and are re-exported here for users of the engine.
 */
export * from "./Diff.js"
export * from "./Executor.js"
export * from "./ExecutorEvent.js"
export * from "./Explain.js"
export * from "./KeyMaterial.js"
export * from "./Node.js"
export * from "./PipelineError.js"
export * from "./ResourceSession.js"
export * from "./ScopedFiber.js"
export { canonicalDigest, canonicalize, CanonicalEncodingError } from "../store/Canonical.js"
export { Digest, hashBytes, hashFile, hashString } from "../store/Digest.js"
