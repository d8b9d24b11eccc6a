import * as NodeContext from "@effect/platform-node/NodeContext"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import * as AppConfig from "../src/AppConfig.js"
import * as Daemon from "../src/Daemon.js"
import * as SimCommand from "../src/SimCommand.js"
import { captured } from "./utils/console.js"
import { writeDaemonConfig } from "./utils/daemonConfig.js"

const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), "tradeguard-daemon-"))

const configFile = (d: string, extra = "") =>
  writeDaemonConfig(d, ["risk:", "  defaults:", "    dailyLossLimit: { amount: 1000 }", extra])

describe("Daemon", () => {
  it("names every missing environment variable and how to get the key", () => {
    const lines = Daemon.missingEnvironment(AppConfig.defaults, {})
    assert.strictEqual(lines.length, 3)
    assert.include(lines[0]!, "PROJECTX_USERNAME")
    assert.include(lines[1]!, "PROJECTX_API_KEY")
    assert.include(lines[2]!, "TRADEGUARD_TOKEN_KEY")
    assert.include(lines[2]!, "openssl rand -hex 32")
    const memory = { ...AppConfig.defaults, authentication: { ...AppConfig.defaults.authentication, storage: { ...AppConfig.defaults.authentication.storage, type: "memory" as const } } }
    assert.deepStrictEqual(Daemon.missingEnvironment(memory, { PROJECTX_USERNAME: "u", PROJECTX_API_KEY: "k" }), [])
    assert.strictEqual(Daemon.missingEnvironment(AppConfig.defaults, { PROJECTX_USERNAME: " ", PROJECTX_API_KEY: "k", TRADEGUARD_TOKEN_KEY: "x" }).length, 1)
  })

  it("points REST and both hubs at the simulator", () => {
    const c = Daemon.pointedAt(AppConfig.defaults, "http://127.0.0.1:1234")
    assert.strictEqual(c.api.baseUrl, "http://127.0.0.1:1234")
    assert.strictEqual(c.signalr.hubs.userHubUrl, "http://127.0.0.1:1234/hubs/user")
    assert.strictEqual(c.signalr.hubs.marketHubUrl, "http://127.0.0.1:1234/hubs/market")
  })

  it("logging.level is the minimum log level", () => {
    assert.deepStrictEqual(
      (["DEBUG", "INFO", "WARNING", "ERROR"] as const).map((l) => Daemon.logLevelOf(l).label),
      ["DEBUG", "INFO", "WARN", "ERROR"]
    )
  })

  it("names the start-up step of an error", () => {
    assert.strictEqual(Daemon.stepOf({ _tag: "AuthenticationFailed" }), "token")
    assert.strictEqual(Daemon.stepOf({ _tag: "TokenStoreConfigError" }), "token")
    assert.strictEqual(Daemon.stepOf({ _tag: "DatabaseError" }), "database")
    assert.strictEqual(Daemon.stepOf({ _tag: "StoreUnavailable" }), "order verification")
    assert.strictEqual(Daemon.stepOf({ _tag: "Other" }), "start-up")
  })

  it.scoped("refuses to start without the credentials, naming them", () =>
    Effect.gen(function*() {
      const e = yield* Effect.flip(Daemon.start({ config: configFile(dir()), simulator: false }, {}))
      assert.strictEqual(e.code, 1)
      assert.include(e.message, "PROJECTX_USERNAME")
      assert.include(e.message, "openssl rand -hex 32")
    }).pipe(Effect.provide(NodeContext.layer)))

  it.scoped("an invalid config is its own error", () =>
    Effect.gen(function*() {
      const e = yield* Effect.flip(Daemon.start({ config: configFile(dir(), "  bogus: 1"), simulator: false }, {}))
      assert.include(e.message, "invalid configuration")
    }).pipe(Effect.provide(NodeContext.layer)))

  it.live("a login the gateway refuses fails the token step", () =>
    Effect.gen(function*() {
      const d = dir()
      const server = net.createServer((s) => s.end("HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n"))
      yield* Effect.promise(() => new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r())))
      const port = (server.address() as net.AddressInfo).port
      const file = configFile(d, `api: { baseUrl: "http://127.0.0.1:${port}", timeout: 2000 }\nerrorHandling: { retries: { maxAttempts: 1 } }`)
      const e = yield* Effect.flip(Effect.scoped(Daemon.start(
        { config: file, simulator: false },
        { PROJECTX_USERNAME: "u", PROJECTX_API_KEY: "k", TRADEGUARD_TOKEN_KEY: "a".repeat(64), TRADEGUARD_LEASE_DB: path.join(d, "leases.db") }
      )))
      server.close()
      assert.include(e.message, "start-up failed at token")
    }).pipe(Effect.provide(NodeContext.layer)), 30_000)

  it.live("with --simulator: the whole daemon starts against the embedded simulator and guards its accounts", () =>
    Effect.gen(function*() {
      const d = dir()
      const env: Record<string, string | undefined> = {}
      const [started, lines] = yield* captured(Effect.scoped(Daemon.start({ config: configFile(d), simulator: true }, env)))
      assert.isAbove(started.accounts.length, 0)
      assert.strictEqual(started.mode, "enforce")
      assert.match(started.baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/)
      assert.match(process.env["TRADEGUARD_TOKEN_KEY"]!, /^([0-9a-f]{64}|.+)$/)
      assert.include(lines.out.join("\n"), "simulator listening on http://127.0.0.1:")
      assert.isTrue(fs.existsSync(path.join(d, "tradeguard.db")))
    }).pipe(Effect.provide(NodeContext.layer)), 60_000)
})

describe("SimCommand", () => {
  it.effect("a bad port or tick is a usage error", () =>
    Effect.gen(function*() {
      const e = yield* Effect.flip(SimCommand.run({ port: 70000, seed: 1, singleSession: false, tickMs: 100 }))
      assert.strictEqual(e.code, 2)
      const t = yield* Effect.flip(SimCommand.run({ port: 0, seed: 1, singleSession: false, tickMs: 0 }))
      assert.strictEqual(t.code, 2)
    }))

  it.live("serves until interrupted, and a port in use is one clear error", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const base = yield* Effect.console
      const fiber = yield* Effect.fork(Effect.withConsole(
        SimCommand.run({ port: 0, seed: 3, singleSession: true, tickMs: 100 }),
        { ...base, log: (...a: ReadonlyArray<unknown>) => Effect.sync(() => void lines.push(a.map(String).join(" "))) }
      ))
      while (lines.length === 0) yield* Effect.sleep("20 millis")
      assert.match(lines[0]!, /^simulator listening on http:\/\/127\.0\.0\.1:\d+ \(seed 3, single session\)$/)
      const port = Number(/:(\d+)/.exec(lines[0]!)![1])
      const res = yield* Effect.promise(() => fetch(`http://127.0.0.1:${port}/api/Auth/loginKey`, {
        method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ userName: "demo", apiKey: "demo-api-key" })
      }).then((r) => r.json() as Promise<{ success: boolean }>))
      assert.isTrue(res.success)
      const busy = yield* Effect.flip(SimCommand.run({ port, seed: 1, singleSession: false, tickMs: 100 }))
      assert.strictEqual(busy.code, 1)
      assert.include(busy.message, "tradeguard sim:")
      yield* Fiber.interrupt(fiber)
    }), 30_000)
})
