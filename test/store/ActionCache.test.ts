import { actionCacheSuite } from "./suites/actionCacheSuite.js"
import { fileSystemStore, memoryStore, postgresStore } from "./suites/support.js"

actionCacheSuite("memory", memoryStore)
actionCacheSuite("filesystem", fileSystemStore)
actionCacheSuite("postgres", postgresStore)
