/**
 * `Runtime.appLayer` as another Effect program uses it: the whole daemon over the production transports (HTTP and
 * SignalR over loopback) against the simulator on a port, with only the credentials provided.
 */
import { assert, describe, it } from "@effect/vitest"
import { Locks, RiskConfig, RiskEngine } from "@tradeguard/rules"
import { Stack } from "@tradeguard/runtime"
import { Server } from "@tradeguard/simulator"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { AppConfig, Runtime } from "../src/index.js"
import * as Daemon from "../src/Daemon.js"

describe("Runtime.appLayer", () => {
  it.live("another program gets the daemon's services: every account evaluated, the locks readable", () =>
    Effect.scoped(Effect.gen(function*() {
      const simulator = yield* Layer.build(Server.layerSimulator({ port: 0, seed: 5 }))
      const port = yield* Effect.provide(Server.port, simulator)
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tradeguard-applayer-"))
      const decoded = yield* AppConfig.decode("test", {
        authentication: { storage: { type: "memory" } },
        database: { path: path.join(dir, "tradeguard.db") },
        logging: { level: "ERROR" }
      })
      const config = {
        ...Daemon.pointedAt(decoded, `http://127.0.0.1:${port}`),
        risk: Schema.decodeUnknownSync(RiskConfig.RiskConfigSchema)({ defaults: { dailyLossLimit: { amount: 1000 } } })
      }
      const app = Runtime.appLayer(config).pipe(Layer.provide(Stack.credentials({ userName: "demo", apiKey: "demo-api-key" })))
      const seen = yield* Effect.gen(function*() {
        const engine = yield* RiskEngine.RiskEngine
        const locks = yield* Locks.Locks
        // the first evaluation of every account follows the start-up quickly; wait for it
        const status = yield* engine.status.pipe(
          Effect.filterOrFail((s) => s.length > 0, () => "not evaluated yet"),
          Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.upTo("10 seconds")))
        )
        return { status, locked: yield* locks.all }
      }).pipe(Effect.provide(app), Logger.withMinimumLogLevel(LogLevel.Error))
      assert.isAbove(seen.status.length, 0)
      for (const account of seen.status) {
        assert.isDefined(account.figures, `account ${account.accountId} has figures`)
        assert.deepStrictEqual(account.rules.map((r) => r.rule), ["dailyLossLimit"])
        assert.isUndefined(account.lock)
      }
      assert.strictEqual(seen.locked.size, 0)
    })), { timeout: 30_000 })
})
