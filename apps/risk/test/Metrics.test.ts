import * as NodeContext from "@effect/platform-node/NodeContext"
import { assert, describe, it } from "@effect/vitest"
import { HubConnection } from "@tradeguard/realtime"
import * as Effect from "effect/Effect"
import { createRequire } from "node:module"
import * as Prom from "prom-client"
import * as Daemon from "../src/Daemon.js"
import * as Core from "../src/internal/metricsCore.js"
import * as Metrics from "../src/Metrics.js"
import { captured } from "./utils/console.js"
import { daemonConfig } from "./utils/daemonConfig.js"

/** One family as parse-prometheus-text-format returns it. */
interface Sample {
  readonly value?: string
  readonly labels?: Readonly<Record<string, string>>
  readonly buckets?: Readonly<Record<string, string>>
  readonly count?: string
  readonly sum?: string
}
interface Family {
  readonly name: string
  readonly help: string
  readonly type: string
  readonly metrics: ReadonlyArray<Sample>
}
const parse = createRequire(import.meta.url)("parse-prometheus-text-format") as (text: string) => ReadonlyArray<Family>

const family = (families: ReadonlyArray<Family>, name: string): Family => {
  const f = families.find((x) => x.name === name)
  assert.isDefined(f, `family ${name} missing (have ${families.map((x) => x.name).join(", ")})`)
  return f!
}
/** The value of the sample of `name` whose labels include `labels` (undefined: no such sample). */
const value = (families: ReadonlyArray<Family>, name: string, labels: Record<string, string> = {}): number | undefined => {
  const s = family(families, name).metrics.find((m) =>
    Object.entries(labels).every(([k, v]) => m.labels?.[k] === v)
  )
  return s === undefined ? undefined : Number(s.value ?? s.count)
}

describe("metricsCore", () => {
  it("a hub state is one of five, a breaker state a number", () => {
    assert.deepStrictEqual(Core.hubStates, ["Disconnected", "Connecting", "Connected", "Reconnecting", "Closed"])
    assert.deepStrictEqual((["Closed", "HalfOpen", "Open"] as const).map(Core.breakerValue), [0, 1, 2])
  })

  it("the distance to a limit is the room left: positive before a breach, 0 or less after, whichever way the rule points", () => {
    // a loss limit of -1000: day PnL -250 leaves 750
    assert.strictEqual(Core.limitDistance({ rule: "dailyLossLimit", figure: -250, limit: -1000 }), 750)
    assert.strictEqual(Core.limitDistance({ rule: "dailyLossLimit", figure: -1200.004, limit: -1000 }), -200)
    assert.strictEqual(Core.limitDistance({ rule: "maxLossLimit", figure: 48_500, limit: 48_000 }), 500)
    // a ceiling: 3 contracts of 5 leave 2; a profit target of 500 reached at 600 is -100
    assert.strictEqual(Core.limitDistance({ rule: "maxContracts", figure: 3, limit: 5 }), 2)
    assert.strictEqual(Core.limitDistance({ rule: "dailyProfitTarget", figure: 600, limit: 500 }), -100)
    assert.isUndefined(Core.limitDistance({ rule: "tradingHours", figure: undefined, limit: undefined }))
    assert.isUndefined(Core.limitDistance({ rule: "dailyLossLimit", figure: undefined, limit: -1000 }))
  })

  it("an outcome label is the tag, never the detail", () => {
    assert.strictEqual(Core.outcomeLabel("Done"), "Done")
    assert.strictEqual(Core.outcomeLabel("Unknown: OutcomeUnknown: timeout after 5000 ms"), "Unknown")
    assert.strictEqual(Core.outcomeLabel(": nothing"), "unknown")
    assert.strictEqual(Core.outcomeLabel("x".repeat(100)).length, 40)
  })

  it("token seconds left: rounded, never negative, 0 without a token", () => {
    assert.strictEqual(Core.secondsLeft(61_400, 1_000), 60)
    assert.strictEqual(Core.secondsLeft(1_000, 5_000), 0)
    assert.strictEqual(Core.secondsLeft(undefined, 5_000), 0)
  })

  it("a report's missed kinds, those with none left out", () => {
    const missed = { accounts: 0, ordersNew: 2, ordersChanged: 0, ordersFilled: 1, ordersCancelled: 0, ordersExpiredOrRejected: 0, ordersUnresolved: 0, positionsOpened: 0, positionsChanged: 0, positionsClosed: 0, trades: 3 }
    assert.deepStrictEqual(Core.missedKinds(missed), [["ordersNew", 2], ["ordersFilled", 1], ["trades", 3]])
  })

  it("the tracker names each event's rule and times an enforcement from its start to its first verification", () => {
    const t = new Core.EnforcementTracker()
    assert.deepStrictEqual(t.see({ _tag: "Started", id: "a", accountId: 1, rule: "dailyLossLimit" }, 1_000), {
      _tag: "Started", account: "1", rule: "dailyLossLimit"
    })
    assert.deepStrictEqual(
      t.see({ _tag: "ActionDone", id: "a", accountId: 1, step: { action: "closeContract", outcome: "Rejected: 5" } }, 1_100),
      { _tag: "Action", account: "1", rule: "dailyLossLimit", action: "closeContract", outcome: "Rejected" }
    )
    assert.deepStrictEqual(t.see({ _tag: "Escalated", id: "a", accountId: 1, at: 6_000 }, 6_000), {
      _tag: "Escalated", account: "1", rule: "dailyLossLimit"
    })
    assert.strictEqual(t.size, 1)
    assert.deepStrictEqual(t.see({ _tag: "Verified", id: "a", accountId: 1, at: 7_500 }, 7_600), {
      _tag: "Verified", account: "1", rule: "dailyLossLimit", latencySeconds: 6.5
    })
    assert.strictEqual(t.size, 0)
    // one started before the metrics (resumed at start-up): its rule is unknown, its latency not measured
    assert.deepStrictEqual(t.see({ _tag: "ActionDone", id: "b", accountId: 2, step: { action: "verify", outcome: "Done" } }, 0), {
      _tag: "Action", account: "2", rule: "unknown", action: "verify", outcome: "Done"
    })
    assert.deepStrictEqual(t.see({ _tag: "Verified", id: "b", accountId: 2, at: 9 }, 9), {
      _tag: "Verified", account: "2", rule: "unknown", latencySeconds: undefined
    })
  })
})

const configFile = () =>
  daemonConfig("metrics", ["risk:", "  defaults:", "    dailyLossLimit: { amount: 200 }", "    maxContracts: { total: 20 }"]).file

interface Reply {
  readonly success: boolean
  readonly token: string
  readonly contracts: ReadonlyArray<{ readonly id: string; readonly symbolId: string }>
}

describe("Metrics over the daemon (embedded simulator)", () => {
  it.live("renders parseable Prometheus text: every family tradeguard_*, the daemon's figures, an enforcement counted after a breach", () =>
    Effect.scoped(Effect.gen(function*() {
      const [started] = yield* captured(Daemon.start({ config: configFile(), simulator: true }, {}))
      const base = started.baseUrl
      const metrics = yield* Effect.provide(Metrics.make(), started.context)
      const scrape = Effect.map(metrics.render, parse)
      const until = <A>(what: string, read: (f: ReadonlyArray<Family>) => A | undefined, ms = 15_000) =>
        Effect.gen(function*() {
          for (let waited = 0; waited < ms; waited += 100) {
            const a = read(yield* scrape)
            if (a !== undefined) return a
            yield* Effect.sleep("100 millis")
          }
          return assert.fail(`timed out waiting for ${what}`)
        })
      const post = (p: string, body: unknown, token?: string) =>
        Effect.promise(() =>
          fetch(`${base}${p}`, {
            method: "POST",
            headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
            body: JSON.stringify(body)
          }).then((r) => r.json() as Promise<Reply>)
        )

      assert.match(metrics.contentType, /^text\/plain/)
      const first = yield* until("both accounts evaluated, both hubs connected", (f) =>
        family(f, "tradeguard_account_equity").metrics.length === 2 &&
          value(f, "tradeguard_hub_state", { hub: "user", state: "Connected" }) === 1 &&
          value(f, "tradeguard_hub_state", { hub: "market", state: "Connected" }) === 1
          ? f
          : undefined)
      for (const f of first) assert.match(f.name, /^tradeguard_/)
      const types = Object.fromEntries(first.map((f) => [f.name, f.type]))
      assert.deepInclude(types, {
        tradeguard_hub_state: "GAUGE",
        tradeguard_hub_reconnects_total: "COUNTER",
        tradeguard_hub_decode_failures_total: "COUNTER",
        tradeguard_reconciled_events_total: "COUNTER",
        tradeguard_reconciliations_total: "COUNTER",
        tradeguard_breaker_state: "GAUGE",
        tradeguard_limiter_used: "GAUGE",
        tradeguard_limiter_queue_depth: "GAUGE",
        tradeguard_rate_limited_total: "COUNTER",
        tradeguard_token_expiry_seconds: "GAUGE",
        tradeguard_account_realized_pnl: "GAUGE",
        tradeguard_account_unrealized_pnl: "GAUGE",
        tradeguard_limit_distance: "GAUGE",
        tradeguard_account_locked: "GAUGE",
        tradeguard_enforcements_total: "COUNTER",
        tradeguard_enforcement_actions_total: "COUNTER",
        tradeguard_enforcement_latency_seconds: "HISTOGRAM"
      })
      assert.notProperty(types, "tradeguard_session_conflicts_total") // no source given

      // hubs: both connected, nothing failed to decode
      for (const hub of ["user", "market"]) {
        assert.strictEqual(value(first, "tradeguard_hub_state", { hub, state: "Connected" }), 1)
        assert.strictEqual(value(first, "tradeguard_hub_state", { hub, state: "Reconnecting" }), 0)
        assert.strictEqual(value(first, "tradeguard_hub_decode_failures_total", { hub }), 0)
      }
      // the start-up reconciliation, every breaker closed, both windows, a token of hours
      assert.isAtLeast(value(first, "tradeguard_reconciliations_total", { trigger: "startup" })!, 1)
      assert.deepStrictEqual(
        family(first, "tradeguard_breaker_state").metrics.map((m) => [m.labels?.["group"], m.value]),
        [["auth", "0"], ["orders", "0"], ["reads", "0"], ["history", "0"]]
      )
      assert.deepStrictEqual(family(first, "tradeguard_limiter_limit").metrics.map((m) => m.labels?.["window"]), ["general", "history"])
      assert.strictEqual(value(first, "tradeguard_rate_limited_total", { window: "general" }), 0)
      assert.isAbove(value(first, "tradeguard_token_expiry_seconds")!, 3600)
      // per account: the simulator's two, flat, unlocked, the whole loss limit left
      for (const account of started.accounts.map(String)) {
        assert.strictEqual(value(first, "tradeguard_account_unrealized_pnl", { account }), 0)
        assert.strictEqual(value(first, "tradeguard_account_realized_pnl", { account }), 0)
        assert.strictEqual(value(first, "tradeguard_limit_distance", { account, rule: "dailyLossLimit" }), 200)
        assert.strictEqual(value(first, "tradeguard_limit_distance", { account, rule: "maxContracts" }), 20)
        assert.strictEqual(value(first, "tradeguard_account_locked", { account }), 0)
      }

      // a dropped user hub: its state changes and reconnects are counted, and the reconciliation after it
      const connectedBefore = value(first, "tradeguard_hub_state_changes_total", { hub: "user", state: "Connected" }) ?? 0
      const userHub = yield* Effect.provide(HubConnection.UserHub, started.context)
      yield* userHub.reconnect("metrics test")
      yield* until("the user hub reconnected", (f) =>
        value(f, "tradeguard_hub_reconnects_total", { hub: "user" }) === 1 &&
          value(f, "tradeguard_hub_state", { hub: "user", state: "Connected" }) === 1 &&
          (value(f, "tradeguard_reconciliations_total", { trigger: "reconnect" }) ?? 0) >= 1
          ? f
          : undefined).pipe(Effect.tap((f) => {
            assert.strictEqual(value(f, "tradeguard_hub_state_changes_total", { hub: "user", state: "Reconnecting" }), 1)
            assert.strictEqual(value(f, "tradeguard_hub_state_changes_total", { hub: "user", state: "Connected" }), connectedBefore + 1)
          }))

      // another front-end opens 5 MNQ on the first account; the price falls 100 points: -$1000, through -$200
      const account = String(started.accounts[0])
      const { token } = yield* post("/api/Auth/loginKey", { userName: "demo", apiKey: "demo-api-key" })
      const { contracts } = yield* post("/api/Contract/available", { live: false }, token)
      const mnq = contracts.find((c) => c.symbolId === "F.US.MNQ")!
      const placed = yield* post("/api/Order/place", { accountId: Number(account), contractId: mnq.id, type: 2, side: 0, size: 5 }, token)
      assert.isTrue(placed.success)
      yield* until("the position counted", (f) =>
        value(f, "tradeguard_limit_distance", { account, rule: "maxContracts" }) === 15 ? f : undefined)
      const entry = yield* Effect.promise(() =>
        fetch(`${base}/admin/snapshot?accountId=${account}`).then((r) =>
          r.json() as Promise<{ positions: ReadonlyArray<{ averagePrice: number }> }>
        )
      ).pipe(Effect.map((s) => s.positions[0]!.averagePrice))
      yield* post("/admin/price", { contractId: mnq.id, price: entry - 100 })
      const after = yield* until("the enforcement verified", (f) =>
        (value(f, "tradeguard_enforcements_total", { account, rule: "dailyLossLimit", outcome: "verified" }) ?? 0) >= 1
          ? f
          : undefined)
      yield* post("/admin/price", { contractId: mnq.id, price: null })

      assert.strictEqual(value(after, "tradeguard_enforcements_total", { account, rule: "dailyLossLimit", outcome: "started" }), 1)
      const latency = family(after, "tradeguard_enforcement_latency_seconds").metrics[0]!
      assert.strictEqual(Number(latency.count), 1)
      assert.strictEqual(Number(latency.buckets?.["+Inf"]), 1)
      assert.isAbove(Number(latency.sum), 0)
      const sent = family(after, "tradeguard_enforcement_actions_total").metrics.filter((m) =>
        m.labels?.["account"] === account && m.labels?.["rule"] === "dailyLossLimit"
      )
      assert.isAbove(sent.length, 0)
      assert.strictEqual(value(after, "tradeguard_account_locked", { account, rule: "dailyLossLimit" }), 1)
      assert.strictEqual(value(after, "tradeguard_rule_breached", { account, rule: "dailyLossLimit" }), 1)
      assert.isAtMost(value(after, "tradeguard_limit_distance", { account, rule: "dailyLossLimit" })!, 0)
      assert.isBelow(value(after, "tradeguard_account_day_pnl", { account })!, -200)
      // the other account is untouched
      const other = String(started.accounts[1])
      assert.strictEqual(value(after, "tradeguard_account_locked", { account: other }), 0)
      assert.isUndefined(value(after, "tradeguard_enforcements_total", { account: other }))

      // flattened at a loss: it is realized now (net of fees), nothing unrealized left
      const realized = yield* until("the loss realized", (f) => {
        const r = value(f, "tradeguard_account_realized_pnl", { account })!
        return r < -200 && value(f, "tradeguard_account_unrealized_pnl", { account }) === 0 ? r : undefined
      })
      assert.isBelow(realized, -200)

      // the daemon's own /metrics counts its alerts by event and outcome: the breach and the enforcement logged,
      // nothing posted (no webhook)
      const served = yield* Effect.gen(function*() {
        for (let waited = 0; waited < 15_000; waited += 100) {
          const f = parse(yield* Effect.promise(() => fetch(`${started.ops.url}/metrics`).then((r) => r.text())))
          if (
            (value(f, "tradeguard_alerts_total", { event: "breach", outcome: "logged" }) ?? 0) >= 1 &&
            (value(f, "tradeguard_alerts_total", { event: "enforcement", outcome: "logged" }) ?? 0) >= 1
          ) return f
          yield* Effect.sleep("100 millis")
        }
        return assert.fail("timed out waiting for the alerts on /metrics")
      })
      const alerts = family(served, "tradeguard_alerts_total")
      assert.strictEqual(alerts.type, "COUNTER")
      assert.deepStrictEqual(
        [...new Set(alerts.metrics.map((m) => m.labels?.["outcome"]))],
        ["logged", "delivered", "failed", "dropped"]
      )
      assert.deepStrictEqual(
        [...new Set(alerts.metrics.map((m) => m.labels?.["event"]))],
        ["breach", "enforcement", "escalation", "session_conflict", "degraded", "recovered"]
      )
      for (const outcome of ["delivered", "failed", "dropped"]) {
        assert.strictEqual(value(served, "tradeguard_alerts_total", { event: "breach", outcome }), 0)
      }

      // a session conflict count, when the daemon has one, is exported as a counter; so are alert counts given
      const withConflicts = yield* Effect.provide(
        Metrics.make({
          sessionConflicts: Effect.succeed(3),
          alerts: Effect.succeed([{ event: "degraded", outcome: "dropped", count: 2 }]),
          quoteRepairs: Effect.succeed(4)
        }),
        started.context
      )
      const c = parse(yield* withConflicts.render)
      assert.strictEqual(family(c, "tradeguard_session_conflicts_total").type, "COUNTER")
      assert.strictEqual(value(c, "tradeguard_session_conflicts_total"), 3)
      assert.strictEqual(value(c, "tradeguard_alerts_total", { event: "degraded", outcome: "dropped" }), 2)
      assert.strictEqual(family(c, "tradeguard_quote_repairs_total").type, "COUNTER")
      assert.strictEqual(value(c, "tradeguard_quote_repairs_total"), 4)
      assert.notProperty(Object.fromEntries(first.map((f) => [f.name, f.type])), "tradeguard_quote_repairs_total")
      assert.notProperty(Object.fromEntries(first.map((f) => [f.name, f.type])), "tradeguard_alerts_total") // no source given
      // two sets of metrics side by side: each has its own registry, prom-client's global one holds none of them
      const global = parse(yield* Effect.promise(() => Prom.register.metrics()))
      assert.deepStrictEqual(global.filter((f) => f.name.startsWith("tradeguard_")), [])
    })).pipe(Effect.provide(NodeContext.layer)), 90_000)
})
