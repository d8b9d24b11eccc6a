import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { assert, describe, it } from "@effect/vitest"
import { Enforcer, RiskEngine } from "@tradeguard/rules"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as PubSub from "effect/PubSub"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import * as TestClock from "effect/TestClock"
import * as http from "node:http"
import type * as net from "node:net"
import * as Alerts from "../src/Alerts.js"
import * as Payload from "../src/internal/alertsPayload.js"
import * as AppConfig from "../src/AppConfig.js"
import * as Logging from "../src/Logging.js"

interface Received {
  readonly path: string
  readonly contentType: string | undefined
  readonly body: Record<string, unknown>
}

/** A webhook on loopback: `reply(n)` says what the n-th request (from 0) gets: a status, or `hang` (no reply). */
const webhook = (reply: (n: number) => number | "hang" = () => 204) =>
  Effect.acquireRelease(
    Effect.async<{ readonly url: string; readonly received: Array<Received>; readonly requests: () => number }>((resume) => {
      const received: Array<Received> = []
      let n = 0
      const server = http.createServer((req, res) => {
        const i = n++
        let text = ""
        req.on("data", (b: Buffer) => (text += b.toString()))
        req.on("end", () => {
          const r = reply(i)
          if (r === "hang") return
          received.push({ path: req.url ?? "", contentType: req.headers["content-type"], body: JSON.parse(text) as Record<string, unknown> })
          res.writeHead(r).end()
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const port = (server.address() as net.AddressInfo).port
        resume(Effect.succeed({
          url: `http://127.0.0.1:${port}/hooks/s3cr3t-path`,
          received,
          requests: () => n,
          close: server
        }))
      })
      ;(globalThis as { __servers?: Array<http.Server> }).__servers = [
        ...((globalThis as { __servers?: Array<http.Server> }).__servers ?? []),
        server
      ]
    }),
    () => Effect.sync(() => (globalThis as { __servers?: Array<http.Server> }).__servers?.forEach((s) => s.closeAllConnections()))
  )

const config = (over: Partial<Alerts.AlertsConfig> = {}): Alerts.AlertsConfig => ({ ...AppConfig.defaults.alerts, ...over })

const until = <A>(check: Effect.Effect<A>, ok: (a: A) => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 400; i++) {
      const a = yield* check
      if (ok(a)) return a
      yield* Effect.sleep("25 millis")
    }
    return yield* Effect.dieMessage("condition not reached")
  })

let sink: Array<string> = []
/** The JSON logger, provided once per test (each test starts with `const lines = fresh()`). */
const logged = Logging.layer({ ...AppConfig.defaults.logging, format: "json", level: "DEBUG" }, {
  secretEnv: [],
  write: (l) => void sink.push(l)
})
const fresh = (): Array<string> => (sink = [])

const breach: Alerts.Alert = {
  event: "breach",
  message: "day PnL -1001.85 <= -200.00",
  account: 100001,
  rule: "dailyLossLimit",
  detail: { figure: -1001.85, limit: -200 }
}

describe("Alerts", () => {
  it("the alerts section's defaults: every event, 5 s, 5 attempts, TRADEGUARD_ALERT_WEBHOOK", () => {
    assert.deepStrictEqual(AppConfig.defaults.alerts, {
      webhookUrlEnv: "TRADEGUARD_ALERT_WEBHOOK",
      events: ["breach", "enforcement", "escalation", "session_conflict", "degraded", "recovered"],
      timeoutMs: 5000,
      maxAttempts: 5
    })
    assert.throws(() => Effect.runSync(AppConfig.decode("c", { alerts: { events: ["bogus"] } })))
  })

  it.live("posts the alert as JSON to the URL of the environment variable: text, content, event, account, rule, at, detail", () =>
    Effect.gen(function*() {
      const hook = yield* webhook()
      const lines = fresh()
      const alerts = yield* Alerts.make(config({ webhookUrlEnv: "MY_HOOK" })).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["MY_HOOK", hook.url]])))
      )
      yield* alerts.notify(breach)
      yield* until(alerts.stats, (s) => s.sent === 1)
      const [r] = hook.received
      assert.strictEqual(r!.path, "/hooks/s3cr3t-path")
      assert.match(r!.contentType ?? "", /^application\/json/)
      const text = "tradeguard ERROR breach · account 100001 · dailyLossLimit: day PnL -1001.85 <= -200.00"
      assert.deepStrictEqual({ ...r!.body, at: "" }, {
        text,
        content: text,
        event: "breach",
        level: "error",
        account: 100001,
        rule: "dailyLossLimit",
        at: "",
        detail: { figure: -1001.85, limit: -200 }
      })
      assert.match(r!.body["at"] as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
      const line = JSON.parse(lines.find((l) => l.includes("alert breach"))!) as { level: string; annotations: Record<string, unknown> }
      assert.strictEqual(line.level, "ERROR")
      assert.deepStrictEqual(line.annotations["alert"], "breach")
      assert.deepStrictEqual(line.annotations["account"], 100001)
    }).pipe(Effect.scoped, Effect.provide(logged), Effect.provide(NodeHttpClient.layerUndici)), 20_000)

  it.live("a 500 is retried with backoff and the next attempt delivers", () =>
    Effect.gen(function*() {
      const hook = yield* webhook((n) => (n === 0 ? 500 : 200))
      const alerts = yield* Alerts.make(config(), { url: hook.url, backoff: "20 millis" })
      yield* alerts.notify({ event: "escalation", message: "not flat after 5 s", account: 1 })
      const stats = yield* until(alerts.stats, (s) => s.sent === 1)
      assert.strictEqual(stats.failed, 0)
      assert.strictEqual(hook.requests(), 2)
      assert.strictEqual(hook.received[1]!.body["event"], "escalation")
    }).pipe(Effect.scoped, Effect.provide(logged), Effect.provide(NodeHttpClient.layerUndici)), 20_000)

  it.live("a hung webhook times out, every attempt is made, and the failure is one WARN line without the URL", () =>
    Effect.gen(function*() {
      const hook = yield* webhook(() => "hang")
      const lines = fresh()
      const alerts = yield* Alerts.make(config({ timeoutMs: 150, maxAttempts: 3 }), { url: hook.url, backoff: "10 millis" })
      yield* alerts.notify({ event: "degraded", message: "user hub down" })
      const stats = yield* until(alerts.stats, (s) => s.failed === 1)
      assert.strictEqual(stats.sent, 0)
      assert.strictEqual(hook.requests(), 3)
      const failure = lines.map((l) => JSON.parse(l) as { level: string; message: string }).filter((l) => l.message.startsWith("alert webhook failed"))
      assert.strictEqual(failure.length, 1)
      assert.strictEqual(failure[0]!.level, "WARN")
      assert.include(failure[0]!.message, "no reply within 150 ms")
      for (const l of lines) assert.notInclude(l, "s3cr3t-path")
    }).pipe(Effect.scoped, Effect.provide(logged), Effect.provide(Layer.fresh(NodeHttpClient.layerUndici))), 20_000)

  it.live("an unreachable webhook: the error is logged without the URL", () =>
    Effect.gen(function*() {
      const lines = fresh()
      const alerts = yield* Alerts.make(config({ maxAttempts: 1 }), { url: "http://127.0.0.1:9/hooks/s3cr3t-path" })
      yield* alerts.notify({ event: "recovered", message: "hub back" })
      yield* until(alerts.stats, (s) => s.failed === 1)
      const failure = lines.find((l) => l.includes("alert webhook failed"))!
      assert.include(failure, "[redacted]")
      assert.notInclude(failure, "s3cr3t-path")
    }).pipe(Effect.scoped, Effect.provide(logged), Effect.provide(NodeHttpClient.layerUndici)), 20_000)

  it.effect("the caller never waits: a bounded queue drops the oldest and says how many", () =>
    Effect.gen(function*() {
      const lines = fresh()
      const bodies: Array<string> = []
      const hung = HttpClient.make((req) =>
        Effect.zipRight(
          Effect.sync(() => void bodies.push(req.url)),
          Effect.never
        ))
      const alerts = yield* Alerts.make(config({ timeoutMs: 1000, maxAttempts: 1 }), { url: "http://hook.test/x", capacity: 3 }).pipe(
        Effect.provideService(HttpClient.HttpClient, hung)
      )
      // Ten alerts while the webhook hangs: every notify returns at once.
      for (let i = 0; i < 10; i++) yield* alerts.notify({ event: "breach", message: `b${i}`, account: i })
      const stats = yield* alerts.stats
      assert.isAtLeast(stats.dropped, 6)
      assert.strictEqual(stats.sent + stats.failed, 0)
      const full = lines.filter((l) => l.includes("queue full"))
      assert.strictEqual(full.length, 1)
      // Each hung POST times out (1 s, simulated); the worker then reports the count it dropped.
      for (let i = 0; i < 6; i++) yield* TestClock.adjust("1 second")
      const after = yield* alerts.stats
      // Every alert was either tried (and timed out) or dropped and counted.
      assert.strictEqual(after.failed + after.dropped, 10)
      assert.strictEqual(bodies.length, after.failed)
      assert.strictEqual(after.failed, 3)
      assert.isTrue(lines.some((l) => /"\d alert\(s\) dropped: the webhook queue \(3\) was full/.test(l)))
      // by event and outcome: each logged, each dropped or failed
      const breaches = Object.fromEntries(after.counts.filter((c) => c.event === "breach").map((c) => [c.outcome, c.count]))
      assert.deepStrictEqual(breaches, { logged: 10, delivered: 0, failed: 3, dropped: after.dropped })
    }).pipe(Effect.scoped, Effect.provide(logged)))

  it.effect("retries with exponential backoff up to maxAttempts (simulated time)", () =>
    Effect.gen(function*() {
      let attempts = 0
      const failing = HttpClient.make((req) =>
        Effect.sync(() => {
          attempts++
          return HttpClientResponse.fromWeb(req, new Response(null, { status: 503 }))
        }))
      const alerts = yield* Alerts.make(config({ maxAttempts: 4 }), { url: "http://hook.test/x", backoff: "1 second" }).pipe(
        Effect.provideService(HttpClient.HttpClient, failing)
      )
      yield* alerts.notify({ event: "session_conflict", message: "another client logged in" })
      yield* TestClock.adjust("100 millis")
      assert.strictEqual(attempts, 1)
      yield* TestClock.adjust("1 second")
      assert.strictEqual(attempts, 2)
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual(attempts, 3)
      yield* TestClock.adjust("4 seconds")
      assert.strictEqual(attempts, 4)
      yield* TestClock.adjust("1 minute")
      assert.strictEqual(attempts, 4)
      assert.strictEqual((yield* alerts.stats).failed, 1)
    }).pipe(Effect.scoped, Effect.provide(logged)))

  it.effect("without the environment variable the webhook is off, but every alert is still logged and counted", () =>
    Effect.gen(function*() {
      const lines = fresh()
      let posts = 0
      const client = HttpClient.make((req) => Effect.sync(() => (posts++, HttpClientResponse.fromWeb(req, new Response(null)))))
      const counter = Metric.tagged(Alerts.alertsTotal, "event", "degraded")
      const before = (yield* Metric.value(counter)).count
      const alerts = yield* Alerts.make(config({ webhookUrlEnv: "TRADEGUARD_UNSET_HOOK_VAR" })).pipe(
        Effect.provideService(HttpClient.HttpClient, client)
      )
      yield* alerts.notify({ event: "degraded", message: "quotes stale" })
      yield* TestClock.adjust("1 second")
      assert.strictEqual(posts, 0)
      assert.isFalse((yield* alerts.stats).webhook)
      assert.strictEqual((yield* Metric.value(counter)).count, before + 1)
      assert.strictEqual((JSON.parse(lines.find((l) => l.includes("alert degraded"))!) as { level: string }).level, "WARN")
    }).pipe(Effect.scoped, Effect.provide(logged)))

  it.effect("counts every alert by event and outcome: logged, delivered, failed", () =>
    Effect.gen(function*() {
      let n = 0
      // the first POST is refused, the next ones taken
      const client = HttpClient.make((req) =>
        Effect.sync(() => HttpClientResponse.fromWeb(req, new Response(null, { status: n++ === 0 ? 500 : 200 }))))
      const alerts = yield* Alerts.make(config({ maxAttempts: 1, events: ["breach", "escalation"] }), { url: "http://hook.test/x" }).pipe(
        Effect.provideService(HttpClient.HttpClient, client)
      )
      const zero = (yield* alerts.stats).counts
      assert.strictEqual(zero.length, 24)
      assert.isTrue(zero.every((c) => c.count === 0))
      yield* alerts.notify(breach)
      yield* TestClock.adjust("1 second")
      yield* alerts.notify(breach)
      yield* alerts.notify({ event: "escalation", message: "not flat" })
      yield* alerts.notify({ event: "degraded", message: "quotes stale" }) // not posted
      yield* TestClock.adjust("1 second")
      const counts = (yield* alerts.stats).counts.filter((c) => c.count > 0).map((c) => [c.event, c.outcome, c.count])
      assert.deepStrictEqual(counts, [
        ["breach", "logged", 2],
        ["breach", "delivered", 1],
        ["breach", "failed", 1],
        ["escalation", "logged", 1],
        ["escalation", "delivered", 1],
        ["degraded", "logged", 1]
      ])
    }).pipe(Effect.scoped, Effect.provide(logged)))

  it.effect("only the alerts.events are posted", () =>
    Effect.gen(function*() {
      const events: Array<string> = []
      const client = HttpClient.make((req) =>
        Effect.sync(() => {
          events.push(req.url)
          return HttpClientResponse.fromWeb(req, new Response(null))
        }))
      const alerts = yield* Alerts.make(config({ events: ["escalation"] }), { url: "http://hook.test/x" }).pipe(
        Effect.provideService(HttpClient.HttpClient, client)
      )
      yield* alerts.notify(breach)
      yield* alerts.notify({ event: "escalation", message: "x", level: "info" })
      yield* TestClock.adjust("1 second")
      assert.strictEqual(events.length, 1)
      assert.strictEqual((yield* alerts.stats).sent, 1)
    }).pipe(Effect.scoped, Effect.provide(logged)))

  it.live("watchRules: a rule becoming breached, an enforcement verified and an escalation become alerts", () =>
    Effect.gen(function*() {
      const seen: Array<Alerts.Alert> = []
      const statuses = yield* SubscriptionRef.make<ReadonlyArray<RiskEngine.AccountStatus>>([])
      const events = yield* PubSub.unbounded<Enforcer.Event>()
      const engine: RiskEngine.Service = {
        status: SubscriptionRef.get(statuses),
        changes: statuses.changes,
        health: Effect.succeed({ _tag: "Ok" })
      }
      const enforcer: Enforcer.Service = {
        enforce: () => Effect.die("unused"),
        running: () => Effect.succeed(false),
        events: Stream.fromPubSub(events)
      }
      const status = (breached: boolean): RiskEngine.AccountStatus => ({
        accountId: 7,
        mode: "enforce",
        figures: undefined,
        rules: [
          { rule: "dailyLossLimit", figure: -300, limit: -200, breached, reason: breached ? "day PnL -300 <= -200" : "ok" },
          { rule: "maxContracts", figure: undefined, limit: undefined, breached: false, reason: "ok" }
        ],
        lock: undefined,
        degraded: [],
        enforcing: false,
        evaluatedAt: 0
      })
      yield* Layer.build(Alerts.layerWatchRules.pipe(
        Layer.provide(Layer.succeed(Alerts.Alerts, { notify: (a) => Effect.sync(() => void seen.push(a)), stats: Effect.die("unused") })),
        Layer.provide(Layer.succeed(RiskEngine.RiskEngine, engine)),
        Layer.provide(Layer.succeed(Enforcer.Enforcer, enforcer))
      ))
      yield* Effect.sleep("50 millis")
      yield* SubscriptionRef.set(statuses, [status(true)])
      yield* until(Effect.sync(() => seen.length), (n) => n === 1)
      yield* SubscriptionRef.set(statuses, [status(true)])
      yield* SubscriptionRef.set(statuses, [status(false)])
      yield* SubscriptionRef.set(statuses, [status(true)])
      yield* until(Effect.sync(() => seen.length), (n) => n === 2)
      const final = { flat: true, positions: [], workingOrders: [] }
      yield* PubSub.publish(events, { _tag: "Started", id: "e1", accountId: 7, rule: "dailyLossLimit", resumed: false })
      yield* PubSub.publish(events, { _tag: "ActionDone", id: "e1", accountId: 7, step: { action: "cancel", request: {}, outcome: "Done", startedAt: 0, endedAt: 1 } })
      yield* PubSub.publish(events, { _tag: "Escalated", id: "e1", accountId: 7, at: 1, remaining: "1 position" })
      yield* PubSub.publish(events, { _tag: "Verified", id: "e1", accountId: 7, at: 2, final })
      yield* PubSub.publish(events, { _tag: "Verified", id: "e2", accountId: 8, at: 3, final: { flat: false, positions: [{ contractId: "c", size: 1, type: 1 }], workingOrders: [] } })
      yield* PubSub.publish(events, { _tag: "Escalated", id: "e3", accountId: 9, at: 4, remaining: "?" })
      yield* until(Effect.sync(() => seen.length), (n) => n === 6)
      assert.deepStrictEqual(seen.map((a) => [a.event, a.account, a.rule, a.level]), [
        ["breach", 7, "dailyLossLimit", undefined],
        ["breach", 7, "dailyLossLimit", undefined],
        ["escalation", 7, "dailyLossLimit", undefined],
        ["enforcement", 7, "dailyLossLimit", "warn"],
        ["enforcement", 8, undefined, "error"],
        ["escalation", 9, undefined, undefined]
      ])
      assert.deepStrictEqual(seen[0]!.detail, { figure: -300, limit: -200, mode: "enforce" })
      assert.include(seen[4]!.message, "1 position(s)/order(s) left")
    }).pipe(Effect.scoped, Effect.provide(logged)), 20_000)

  it.live("watchRulesResuming: each resumed enforcement alerted at once, and its verification names its rule", () =>
    Effect.gen(function*() {
      const seen: Array<Alerts.Alert> = []
      const statuses = yield* SubscriptionRef.make<ReadonlyArray<RiskEngine.AccountStatus>>([])
      const events = yield* PubSub.unbounded<Enforcer.Event>()
      const resumed: Alerts.Resumed = { id: "e9", accountId: 7, rule: "maxLossLimit", reason: "loss 3000", startedAt: Date.UTC(2026, 11, 1, 20) }
      yield* Alerts.watchRulesResuming([resumed]).pipe(
        Effect.provideService(Alerts.Alerts, { notify: (a) => Effect.sync(() => void seen.push(a)), stats: Effect.die("unused") }),
        Effect.provideService(RiskEngine.RiskEngine, {
          status: SubscriptionRef.get(statuses),
          changes: statuses.changes,
          health: Effect.succeed({ _tag: "Ok" as const })
        }),
        Effect.provideService(Enforcer.Enforcer, {
          enforce: () => Effect.die("unused"),
          running: () => Effect.succeed(true),
          events: Stream.fromPubSub(events)
        })
      )
      // at once, before any event
      assert.deepStrictEqual(seen, [Alerts.resumedAlert(resumed)])
      assert.deepStrictEqual([seen[0]!.event, seen[0]!.level, seen[0]!.account, seen[0]!.rule], ["enforcement", "warn", 7, "maxLossLimit"])
      assert.strictEqual(
        seen[0]!.message,
        "enforcement e9 resumed at start-up (maxLossLimit: loss 3000): a previous run left it unfinished on 2026-12-01T20:00:00.000Z"
      )
      yield* Effect.sleep("50 millis")
      yield* PubSub.publish(events, { _tag: "Verified", id: "e9", accountId: 7, at: 1, final: { flat: true, positions: [], workingOrders: [] } })
      yield* until(Effect.sync(() => seen.length), (n) => n === 2)
      assert.deepStrictEqual([seen[1]!.event, seen[1]!.rule], ["enforcement", "maxLossLimit"])
    }).pipe(Effect.scoped, Effect.provide(logged)), 20_000)

  it("a long message is cut to fit Discord's 2000 characters", () => {
    const body = Payload.bodyOf({ event: "degraded", message: "x".repeat(5000) }, "t")
    assert.strictEqual((body["content"] as string).length, 1900)
    assert.isTrue((body["text"] as string).endsWith("…"))
    assert.deepStrictEqual(body["detail"], {})
    assert.strictEqual(Payload.levelOf({ event: "recovered", message: "" }), "info")
  })
})
