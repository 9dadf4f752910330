import { actionCacheSuite } from "./suites/actionCacheSuite.js"
import { fileSystemStore, memoryStore } from "./suites/support.js"

actionCacheSuite("memory", memoryStore)
actionCacheSuite("filesystem", fileSystemStore)
