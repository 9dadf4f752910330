import { artifactCatalogSuite } from "./suites/artifactCatalogSuite.js"
import { fileSystemStore, memoryStore } from "./suites/support.js"

artifactCatalogSuite("memory", memoryStore)
artifactCatalogSuite("filesystem", fileSystemStore)
