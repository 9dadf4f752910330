/**
 * The store's public face: persistence behind Effect services (docs/DESIGN.md §3–4).
 */
export * from "./Digest.js"
export * from "./Canonical.js"
export * from "./StoreError.js"
export * from "./StoreLayout.js"
export * from "./TempName.js"
export * from "./FileDigestCache.js"
export * from "./ValueCache.js"
export * from "./ObjectStore.js"
export * from "./ArtifactCatalog.js"
export * from "./ActionCache.js"
export * from "./StoreLive.js"
export * from "./ExperimentTracker.js"
export * from "./Overlay.js"
export * from "./Gc.js"
export * from "./Fsck.js"
export * from "./Order.js"
