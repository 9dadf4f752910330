import { Command } from "@effect/cli"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Option, Ref } from "effect"
import * as NodePath from "node:path"
import { type GlobalConfig, globalConfig, hoistGlobalOptions, root } from "../../cli/GlobalOptions.js"

describe("hoistGlobalOptions", () => {
  it("moves --json, --quiet, --store DIR and --store=DIR in front of the subcommand", () => {
    expect(hoistGlobalOptions(["run", "def.json", "--json", "--store", "/s", "--quiet"])).toEqual([
      "--json", "--store", "/s", "--quiet", "run", "def.json"
    ])
    expect(hoistGlobalOptions(["hash", "--store=/s", "a"])).toEqual(["--store=/s", "hash", "a"])
  })

  it("leaves everything after -- alone, and other options in place", () => {
    expect(hoistGlobalOptions(["hash", "--", "--json"])).toEqual(["hash", "--", "--json"])
    expect(hoistGlobalOptions(["run", "--timeout", "10m", "x"])).toEqual(["run", "--timeout", "10m", "x"])
    expect(hoistGlobalOptions(["--store"])).toEqual(["--store"])
  })
})

describe("globalConfig", () => {
  // A probe subcommand that records the resolved global options.
  const resolve = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
    Effect.gen(function*() {
      const seen = yield* Ref.make(Option.none<GlobalConfig>())
      const probe = Command.make("probe", {}, () => Effect.flatMap(globalConfig, (c) => Ref.set(seen, Option.some(c))))
      const run = Command.run(root.pipe(Command.withSubcommands([probe])), { name: "pipeline", version: "test" })
      yield* run(["node", "pipeline", ...hoistGlobalOptions(args)]).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))),
        Effect.provide(NodeContext.layer)
      )
      return Option.getOrThrow(yield* Ref.get(seen))
    })

  it.effect("--store wins over PIPELINE_STORE; the path is made absolute", () =>
    Effect.gen(function*() {
      const config = yield* resolve(["probe", "--store", "rel/store"], { PIPELINE_STORE: "/env/store" })
      expect(config.storeDir).toBe(NodePath.resolve("rel/store"))
    }))

  it.effect("PIPELINE_STORE is used when --store is absent", () =>
    Effect.gen(function*() {
      const config = yield* resolve(["probe"], { PIPELINE_STORE: "/env/store" })
      expect(config.storeDir).toBe("/env/store")
    }))

  it.effect("else ./.pipeline; --json and --quiet default to false and turn progress off", () =>
    Effect.gen(function*() {
      const plain = yield* resolve(["probe"])
      expect(plain).toMatchObject({ storeDir: NodePath.resolve(".pipeline"), json: false, quiet: false })
      const flags = yield* resolve(["probe", "--json", "--quiet"])
      expect(flags).toMatchObject({ json: true, quiet: true, progress: false })
    }))

  it.effect("--catalog (hoisted, either form) wins over PIPELINE_CATALOG; an empty PIPELINE_CATALOG is unset", () =>
    Effect.gen(function*() {
      expect(hoistGlobalOptions(["run", "d.json", "--catalog", "postgres://h/db"])).toEqual(["--catalog", "postgres://h/db", "run", "d.json"])
      expect(hoistGlobalOptions(["run", "--catalog=postgres://h/db"])).toEqual(["--catalog=postgres://h/db", "run"])
      const given = yield* resolve(["probe", "--catalog", "postgres://a@h/db"], { PIPELINE_CATALOG: "postgres://env/db" })
      expect(given.catalog).toBe("postgres://a@h/db")
      expect((yield* resolve(["probe"], { PIPELINE_CATALOG: "postgresql://env/db" })).catalog).toBe("postgresql://env/db")
      expect((yield* resolve(["probe"], { PIPELINE_CATALOG: "" })).catalog).toBeUndefined()
      expect((yield* resolve(["probe"])).catalog).toBeUndefined()
    }))

  it.effect("--remote (hoisted) wins over PIPELINE_REMOTE, --remote-mode defaults to read-write, --remote-download to outputs; only s3:// URLs", () =>
    Effect.gen(function*() {
      expect(hoistGlobalOptions(["run", "d.json", "--remote", "s3://b/p", "--remote-mode=read"])).toEqual([
        "--remote", "s3://b/p", "--remote-mode=read", "run", "d.json"
      ])
      const given = yield* resolve(["probe", "--remote", "s3://team/p", "--remote-mode", "read"], { PIPELINE_REMOTE: "s3://env/p" })
      expect(given.remote).toEqual({ url: "s3://team/p", mode: "read", download: "outputs" })
      expect((yield* resolve(["probe"], { PIPELINE_REMOTE: "s3://env/p" })).remote).toEqual({ url: "s3://env/p", mode: "read-write", download: "outputs" })
      expect(hoistGlobalOptions(["pull", "d.json", "--remote-download", "all"])).toEqual(["--remote-download", "all", "pull", "d.json"])
      const all = yield* resolve(["probe", "--remote", "s3://team/p", "--remote-download=all"])
      expect(all.remote).toEqual({ url: "s3://team/p", mode: "read-write", download: "all" })
      expect((yield* resolve(["probe"], { PIPELINE_REMOTE: "" })).remote).toBeUndefined()
      expect((yield* resolve(["probe"])).remote).toBeUndefined()
      expect((yield* Effect.either(resolve(["probe", "--remote", "https://b/p"])))._tag).toBe("Left")
    }))

  it.effect("--catalog refuses a URL that is not postgres:// or postgresql://", () =>
    Effect.gen(function*() {
      const failed = yield* Effect.either(resolve(["probe", "--catalog", "mysql://h/db"]))
      expect(failed._tag).toBe("Left")
    }))
})
