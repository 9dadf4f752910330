/** The part of s3rver 3.7's API the test set-up uses (the package ships no types). */
declare module "s3rver" {
  import type { Server } from "node:http"
  interface S3rverOptions {
    readonly address?: string
    readonly port?: number
    readonly silent?: boolean
    readonly directory?: string
    readonly configureBuckets?: ReadonlyArray<{ readonly name: string; readonly configs?: ReadonlyArray<string> }>
  }
  export default class S3rver {
    constructor(options: S3rverOptions)
    httpServer?: Server
    run(): Promise<{ address: string; port: number }>
    close(): Promise<void>
  }
}
