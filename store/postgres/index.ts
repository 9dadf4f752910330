/**
 * The PostgreSQL catalog: the store's manifests, action cache and experiment tracker shared through
 * one database (`pipeline --catalog postgres://…`), objects in the local store directory.
 */
export * from "./JobQueue.js"
export * from "./PostgresCatalog.js"
export * from "./StorePostgres.js"
export { LATEST_MIGRATION, MIGRATIONS_TABLE } from "./Migrations.js"
