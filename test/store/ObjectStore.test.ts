import { objectStoreSuite } from "./suites/objectStoreSuite.js"
import { fileSystemStore, memoryStore } from "./suites/support.js"

objectStoreSuite("memory", memoryStore)
objectStoreSuite("filesystem", fileSystemStore)
