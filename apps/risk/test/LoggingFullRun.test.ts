/**
 * A full in-process run of the daemon against the embedded simulator with the JSON logger capturing EVERY log
 * line (level DEBUG): a breach of the daily loss limit is provoked through the simulator's admin price endpoint
 * and enforced; no line carries the API key, a token the simulator issued, the token file's key or the webhook URL,
 * and the breach reached the webhook (a local HTTP server) as an alert POST.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { assert, describe, it } from "@effect/vitest"
import { TokenManager } from "@tradeguard/resilience"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as http from "node:http"
import type * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import * as Alerts from "../src/Alerts.js"
import * as AppConfig from "../src/AppConfig.js"
import * as Daemon from "../src/Daemon.js"
import * as Logging from "../src/Logging.js"
import { captured } from "./utils/console.js"

interface Reply {
  readonly success: boolean
  readonly token: string
  readonly contracts: ReadonlyArray<{ readonly id: string; readonly symbolId: string }>
}
interface Snapshot {
  readonly positions: ReadonlyArray<{ readonly averagePrice: number }>
  readonly openOrders: ReadonlyArray<{ readonly id: number }>
}

describe("a full run logs no secret", () => {
  it.live("every log line of a run with a breach is JSON and none holds the API key, a token, the key or the webhook URL", () =>
    Effect.gen(function*() {
      const d = fs.mkdtempSync(path.join(os.tmpdir(), "tradeguard-nosecrets-"))
      const file = path.join(d, "config.yaml")
      fs.writeFileSync(file, [
        `authentication: { storage: { path: ${JSON.stringify(path.join(d, "token.enc"))} } }`,
        `database: { path: ${JSON.stringify(path.join(d, "tradeguard.db"))} }`,
        "logging: { level: DEBUG, format: json }",
        "risk: { accounts: [100001], defaults: { dailyLossLimit: { amount: 200 } } }"
      ].join("\n"))
      const config = yield* AppConfig.load(file)
      const tokenKey = crypto.randomBytes(32).toString("hex")
      const posts: Array<Record<string, unknown>> = []
      const server = http.createServer((req, res) => {
        let text = ""
        req.on("data", (b: Buffer) => (text += b.toString()))
        req.on("end", () => {
          posts.push(JSON.parse(text) as Record<string, unknown>)
          res.writeHead(204).end()
        })
      })
      yield* Effect.async<void>((resume) => void server.listen(0, "127.0.0.1", () => resume(Effect.void)))
      yield* Effect.addFinalizer(() => Effect.sync(() => server.close()))
      const webhook = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/hook/${crypto.randomBytes(8).toString("hex")}`
      const saved = { key: process.env["TRADEGUARD_TOKEN_KEY"], hook: process.env["TRADEGUARD_ALERT_WEBHOOK"] }
      process.env["TRADEGUARD_TOKEN_KEY"] = tokenKey
      process.env["TRADEGUARD_ALERT_WEBHOOK"] = webhook
      const lines: Array<string> = []
      const tokens: Array<string> = []

      const session = Effect.scoped(Effect.gen(function*() {
        const started = yield* Daemon.start({ config: file, simulator: true }, {})
        // What the lead wires into the daemon: the alerts over the HttpClient, watching the rules' services.
        yield* Layer.build(Alerts.layerWatchRules.pipe(
          Layer.provideMerge(Alerts.layer(config.alerts)),
          Layer.provide(Layer.succeedContext(started.context)),
          Layer.provide(NodeHttpClient.layerUndici)
        ))
        const tokenManager = Context.get(started.context, TokenManager.TokenManager)
        tokens.push(Redacted.value(yield* tokenManager.get))
        const base = started.baseUrl
        const post = (p: string, body: unknown, token?: string) =>
          Effect.promise(() =>
            fetch(`${base}${p}`, {
              method: "POST",
              headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
              body: JSON.stringify(body)
            }).then((r) => r.json() as Promise<Reply>)
          )
        const snapshot = Effect.promise(() =>
          fetch(`${base}/admin/snapshot?accountId=100001`).then((r) => r.json() as Promise<Snapshot>)
        )
        // Another front-end opens 5 MNQ; the price then falls 100 points: -$1000, far through -$200.
        const { token } = yield* post("/api/Auth/loginKey", { userName: "demo", apiKey: "demo-api-key" })
        tokens.push(token)
        const { contracts } = yield* post("/api/Contract/available", { live: false }, token)
        const mnq = contracts.find((c) => c.symbolId === "F.US.MNQ")!
        const placed = yield* post("/api/Order/place", { accountId: 100001, contractId: mnq.id, type: 2, side: 0, size: 5 }, token)
        assert.isTrue(placed.success)
        let before = yield* snapshot
        while (before.positions.length === 0) {
          yield* Effect.sleep("50 millis")
          before = yield* snapshot
        }
        yield* Effect.sleep("500 millis")
        yield* post("/admin/price", { contractId: mnq.id, price: before.positions[0]!.averagePrice - 100 })
        let flat = false
        for (let i = 0; i < 200 && !flat; i++) {
          yield* Effect.sleep("100 millis")
          const s = yield* snapshot
          flat = s.positions.length === 0 && s.openOrders.length === 0
        }
        assert.isTrue(flat, "the breach was enforced")
        for (let i = 0; i < 100 && !posts.some((p) => p["event"] === "enforcement"); i++) yield* Effect.sleep("100 millis")
        tokens.push(Redacted.value(yield* tokenManager.get))
      }))

      const [, printed] = yield* captured(session.pipe(
        Effect.provide(Logging.layerFor(config, { write: (l) => void lines.push(l) })),
        Effect.ensuring(Effect.sync(() => {
          process.env["TRADEGUARD_TOKEN_KEY"] = saved.key
          process.env["TRADEGUARD_ALERT_WEBHOOK"] = saved.hook
          if (saved.key === undefined) delete process.env["TRADEGUARD_TOKEN_KEY"]
          if (saved.hook === undefined) delete process.env["TRADEGUARD_ALERT_WEBHOOK"]
        }))
      ))

      if (process.env["DUMP_LOG_LINES"]) fs.writeFileSync(process.env["DUMP_LOG_LINES"], lines.join("\n"))
      assert.isAbove(lines.length, 10)
      const parsed = lines.map((l) => JSON.parse(l) as { level: string; message: string })
      assert.isTrue(parsed.some((l) => l.message.startsWith("audit Decision")), "the breach is in the logs")
      const everything = [...lines, ...printed.out, ...printed.err].join("\n")
      for (const secret of ["demo-api-key", tokenKey, webhook, ...new Set(tokens)]) {
        assert.isAbove(secret.length, 8)
        assert.notInclude(everything, secret)
      }
      const breach = posts.find((p) => p["event"] === "breach")
      assert.isDefined(breach, "the breach was posted to the webhook")
      assert.strictEqual(breach!["account"], 100001)
      assert.strictEqual(breach!["rule"], "dailyLossLimit")
      assert.include(breach!["text"] as string, "tradeguard ERROR breach · account 100001 · dailyLossLimit")
      const enforced = posts.find((p) => p["event"] === "enforcement")
      assert.isDefined(enforced, "the enforcement outcome was posted")
      assert.strictEqual((enforced!["detail"] as { flat: boolean }).flat, true)
      assert.isTrue(parsed.some((l) => l.level === "ERROR" && l.message.startsWith("alert breach")))
    }).pipe(Effect.scoped, Effect.provide(NodeContext.layer)), 90_000)
})
