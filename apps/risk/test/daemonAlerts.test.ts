import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import type { SessionConflicts } from "@tradeguard/resilience"
import { Database, PendingActions } from "@tradeguard/store"
import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as fs from "node:fs"
import * as path from "node:path"
import * as Stream from "effect/Stream"
import * as Fiber from "effect/Fiber"
import * as Ref from "effect/Ref"
import * as TestClock from "effect/TestClock"
import type * as Alerts from "../src/Alerts.js"
import * as AppConfig from "../src/AppConfig.js"
import * as Daemon from "../src/Daemon.js"
import {
  describe as describeReasons,
  resumedOf,
  sessionReasons,
  watchConflicts,
  watchReadiness
} from "../src/internal/daemonAlerts.js"
import type * as Readiness from "../src/Readiness.js"
import { captured } from "./utils/console.js"
import { daemonConfig } from "./utils/daemonConfig.js"

const ready: Readiness.Readiness = { ready: true, reasons: [] }
const down = (...codes: ReadonlyArray<Readiness.Code>): Readiness.Readiness => ({
  ready: false,
  reasons: codes.map((code) => ({ code, detail: `${code} detail` }))
})

/** Runs the watcher over a script of readiness looks (one per 5 s), returns the alerts raised. */
const alertsFor = (script: ReadonlyArray<Readiness.Readiness>) =>
  Effect.gen(function*() {
    const index = yield* Ref.make(0)
    const raised: Array<Alerts.Alert> = []
    const look = Effect.map(Ref.getAndUpdate(index, (i) => i + 1), (i) => script[Math.min(i, script.length - 1)]!)
    const fiber = yield* Effect.fork(
      watchReadiness(look, (a) => Effect.sync(() => void raised.push(a)), "5 seconds", "60 seconds")
    )
    for (let i = 0; i < script.length; i++) yield* TestClock.adjust("5 seconds")
    yield* Fiber.interrupt(fiber)
    return raised.map((a) => `${a.event}: ${a.message}`)
  })

describe("degraded periods as alerts", () => {
  it.effect("hubs still connecting right after start-up is not a degraded period", () =>
    Effect.gen(function*() {
      expect(yield* alertsFor([down("hub_down"), down("hub_down"), ready, ready])).toEqual([])
    }))

  it.effect("a period: degraded once with its reasons, again when they change, recovered when ready", () =>
    Effect.gen(function*() {
      expect(yield* alertsFor([ready, down("hub_down"), down("hub_down"), down("hub_down", "breaker_open"), ready]))
        .toEqual([
          "degraded: the daemon is degraded: hub_down: hub_down detail",
          "degraded: the daemon is degraded: hub_down: hub_down detail; breaker_open: breaker_open detail",
          "recovered: the daemon is ready again"
        ])
    }))

  it.effect("never ready after start-up: degraded once the grace has passed", () =>
    Effect.gen(function*() {
      const raised = yield* alertsFor(Array.from({ length: 15 }, () => down("token_refresh_failing")))
      expect(raised).toEqual(["degraded: the daemon is degraded: token_refresh_failing: token_refresh_failing detail"])
    }))

  it("describes reasons as code: detail", () => {
    expect(describeReasons(down("quotes_stale", "hub_down").reasons)).toBe("quotes_stale: quotes_stale detail; hub_down: hub_down detail")
  })
})

describe("session conflicts as a readiness reason and alerts", () => {
  const state = (over: Partial<SessionConflicts.State>): SessionConflicts.State => ({
    mode: "reclaim",
    count: 0,
    recent: 0,
    degraded: false,
    ...over
  })

  it("no reason without a conflict in the window; one naming the count, the last and the wait otherwise", () => {
    expect(sessionReasons(state({ count: 4 }))).toEqual([])
    const [reclaimed] = sessionReasons(state({ count: 2, recent: 1, last: { at: 0, detail: "GatewayLogout" } }))
    expect(reclaimed).toEqual({
      code: "session_conflict",
      detail: "1 session conflict(s) in the window, 2 since start, last at 1970-01-01T00:00:00.000Z: GatewayLogout: " +
        "another client logs in as this user (mode reclaim: logged in again)"
    })
    const [waiting] = sessionReasons(state({ mode: "backoff", count: 3, recent: 3, degraded: true, backingOffUntil: 30_000 }))
    expect(waiting!.detail).toBe(
      "3 session conflict(s) in the window, 3 since start: another client logs in as this user; " +
        "logins wait until 1970-01-01T00:00:30.000Z (mode backoff)"
    )
  })

  it.effect("one alert per new conflict", () =>
    Effect.gen(function*() {
      const raised: Array<Alerts.Alert> = []
      yield* watchConflicts(
        Stream.make(state({ count: 1, recent: 1 }), state({ count: 1, recent: 1 }), state({ count: 2, recent: 2, backingOffUntil: 60_000 })),
        (a) => Effect.sync(() => void raised.push(a))
      )
      expect(raised.map((a) => [a.event, a.message])).toEqual([
        ["session_conflict", "session conflict #1: another client logged in as this user and ended the daemon's session; logging in again"],
        [
          "session_conflict",
          "session conflict #2: another client logged in as this user and ended the daemon's session; logins wait until 1970-01-01T00:01:00.000Z"
        ]
      ])
    }))
})

const stored = (over: Record<string, unknown> = {}) => ({
  id: "100001-abc",
  accountId: 100001,
  rule: "dailyLossLimit",
  reason: "day PnL -1012.50 <= -1000",
  figures: {},
  actions: [{ _tag: "Flatten", lock: { _tag: "NextTradingDay" } }],
  startedAt: Date.UTC(2026, 11, 2, 14, 5, 9),
  reductionSteps: {},
  rounds: 1,
  locked: true,
  ...over
})

describe("an enforcement resumed at start-up is alerted at once", () => {
  it("reads the enforcements of the pending actions: one per account, other actions and unreadable rows left out", () => {
    const resumed = resumedOf([
      { action: "enforcement", payload: stored() },
      { action: "somethingElse", payload: stored({ accountId: 2 }) },
      { action: "enforcement", payload: { id: "x" } },
      { action: "enforcement", payload: stored({ id: "100001-def", rule: "maxContracts" }) },
      { action: "enforcement", payload: stored({ id: "3-a", accountId: 3 }) }
    ])
    expect(resumed).toEqual([
      { id: "100001-abc", accountId: 100001, rule: "dailyLossLimit", reason: "day PnL -1012.50 <= -1000", startedAt: Date.UTC(2026, 11, 2, 14, 5, 9) },
      { id: "3-a", accountId: 3, rule: "dailyLossLimit", reason: "day PnL -1012.50 <= -1000", startedAt: Date.UTC(2026, 11, 2, 14, 5, 9) }
    ])
  })

  it.live("the daemon alerts (WARN line, counted) an enforcement a previous run left in its database, before anything else happens to it", () =>
    Effect.gen(function*() {
      const { dir, file } = daemonConfig("resume", ["risk:", "  defaults:", "    dailyLossLimit: { amount: 1000 }"])
      const config = yield* AppConfig.load(file)
      // what a run stopped mid-flatten left in the store
      yield* Effect.flatMap(PendingActions.PendingActions, (p) =>
        p.enqueue({ id: "100001-abc", accountId: 100001, action: "enforcement", payload: stored() })).pipe(
          Effect.provide(PendingActions.layer.pipe(Layer.provide(Database.layer(config.database)))),
          Effect.orDie
        )
      const lines: Array<{ level: string; message: string; annotations: Record<string, unknown> }> = []
      const logger = Logger.make(({ annotations, logLevel, message }) =>
        void lines.push({
          level: logLevel.label,
          message: (Array.isArray(message) ? message : [message]).map(String).join(" "),
          annotations: Object.fromEntries(HashMap.toEntries(annotations))
        }))
      yield* Effect.scoped(Effect.gen(function*() {
        const [started] = yield* captured(Daemon.start({ config: file, simulator: true }, {}))
        // at once: by the time the daemon reports it started
        const alerted = lines.filter((l) => l.message.startsWith("alert enforcement: enforcement 100001-abc resumed at start-up"))
        expect(alerted).toHaveLength(1)
        expect(alerted[0]!.level).toBe("WARN")
        expect(alerted[0]!.message).toBe(
          "alert enforcement: enforcement 100001-abc resumed at start-up (dailyLossLimit: day PnL -1012.50 <= -1000): " +
            "a previous run left it unfinished on 2026-12-02T14:05:09.000Z"
        )
        expect(alerted[0]!.annotations).toMatchObject({ alert: "enforcement", account: 100001, rule: "dailyLossLimit" })
        const counts = (yield* started.alerts.stats).counts
        expect(counts.find((c) => c.event === "enforcement" && c.outcome === "logged")!.count).toBeGreaterThanOrEqual(1)
      })).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)))
      expect(fs.existsSync(path.join(dir, "tradeguard.db"))).toBe(true)
    }).pipe(Effect.provide(NodeContext.layer)), 60_000)
})
