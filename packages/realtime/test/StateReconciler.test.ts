import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import { type HubEvent, StateReconciler } from "../src/index.js"
import { putOrder, putPosition, putTrade } from "./utils/FakeGateway.js"
import * as F from "./utils/fixtures.js"
import { flush } from "./utils/harness.js"
import { setupReconciler, truthOf } from "./utils/reconcilerHarness.js"

const adjust = (ms: number) => TestClock.adjust(ms).pipe(Effect.zipRight(flush))
const C2 = "CON.F.US.EP.U26"
const C3 = "CON.F.US.ENQ.U26"
const missed = (r: StateReconciler.Report) =>
  Object.fromEntries(Object.entries(r.missed).filter(([, n]) => n > 0))
const describeEvent = (e: HubEvent.HubEvent) =>
  e._tag === "Order"
    ? `Order:${e.order.id}:${e.order.status}`
    : e._tag === "Trade"
    ? `Trade:${e.trade.id}`
    : e._tag === "Position"
    ? `Position:${e.position.contractId}:${e.position.size}`
    : e._tag

/** Drops the user hub and lets it reconnect (at once) and resubscribe (1 s later): the reconciliation follows. */
const reconnect = (r: { readonly server: { readonly current: () => { drop: () => Effect.Effect<void> } | undefined } }) =>
  Effect.gen(function*() {
    yield* r.server.current()!.drop()
    yield* adjust(1000)
  })

describe("StateReconciler", () => {
  it.scoped("at start-up it loads the ground truth and publishes it as reconciled events", () =>
    Effect.gen(function*() {
      const r = yield* setupReconciler({
        before: (g) => {
          g.accounts.set(465, F.account())
          putOrder(g, F.order({ id: 10 }))
          putPosition(g, F.position())
          putTrade(g, F.trade({ id: 1 }))
          putTrade(g, F.trade({ id: 2, creationTimestamp: F.ts(F.T0 + 1000) }))
        }
      })
      const [report] = yield* r.reports
      assert.strictEqual(report.trigger, "startup")
      assert.deepStrictEqual(missed(report), { accounts: 1, ordersNew: 1, positionsOpened: 1, trades: 2 })
      assert.strictEqual(report.totalMissed, 5)
      const events = yield* r.events
      assert.deepStrictEqual(events.map(describeEvent), ["Order:10:1", "Trade:1", "Trade:2", `Position:${F.position().contractId}:1`, "Account"])
      assert.isTrue(events.every((e) => e.reconciled))
      assert.deepStrictEqual(yield* r.cache, truthOf(r.gateway))
      // Order/search: the trades name order 1, which is not open: how did it end?
      assert.deepStrictEqual(r.gateway.calls.map((c) => c.endpoint), ["accountSearch", "orderSearchOpen", "positionSearchOpen", "tradeSearch", "orderSearch"])
    }))

  it.scoped("the start-up catch-up reads from the start of the trading day of the config (17:00 Chicago)", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.parse("2026-11-24T01:30:00Z")) // 19:30 CST: the day began at 17:00 CST
      const r = yield* setupReconciler()
      yield* r.reports
      const request = (endpoint: string) => r.gateway.calls.find((c) => c.endpoint === endpoint)?.request
      assert.deepStrictEqual(request("tradeSearch"), { accountId: 465, startTimestamp: F.ts(Date.parse("2026-11-23T23:00:00Z")) })
      // Orders: from the previous trading day's start, for one placed then and ended today before we started.
      assert.deepStrictEqual(request("orderSearch"), { accountId: 465, startTimestamp: F.ts(Date.parse("2026-11-22T23:00:00Z")) })
    }))

  it.scoped("a fill missed while disconnected: order filled, the trade, the position, the balance", () =>
    Effect.gen(function*() {
      const r = yield* setupReconciler({ before: (g) => (g.accounts.set(465, F.account()), putOrder(g, F.order({ id: 10 }))) })
      yield* adjust(10_000)
      yield* r.events
      const g = r.gateway
      putOrder(g, F.order({ id: 10, status: 2, fillVolume: 1, filledPrice: 21_500, updateTimestamp: F.ts(F.T0 + 5000) }))
      putTrade(g, F.trade({ id: 100, orderId: 10, creationTimestamp: F.ts(F.T0 + 5000) }))
      putPosition(g, F.position())
      g.accounts.set(465, F.account({ balance: 49_999.63 }))
      yield* reconnect(r)
      const report = (yield* r.reports)[1]
      assert.strictEqual(report.trigger, "reconnect")
      assert.deepStrictEqual(missed(report), { accounts: 1, ordersFilled: 1, positionsOpened: 1, trades: 1 })
      assert.deepStrictEqual((yield* r.events).map(describeEvent), ["Order:10:2", "Trade:100", `Position:${F.position().contractId}:1`, "Account"])
      assert.deepStrictEqual(yield* r.cache, truthOf(g))
      // One search per account covers the vanished order (created at T0) and all that was created
      // since the previous run started (five minutes of margin for the gateway's clock).
      const searches = g.calls.filter((c) => c.endpoint === "orderSearch")
      const previousStart = (yield* r.reports)[0].startedAt
      assert.deepStrictEqual(searches.at(-1)?.request, {
        accountId: 465,
        startTimestamp: F.ts(Math.min(F.T0 - 1000, previousStart - 5 * 60_000))
      })
    }))

  it.scoped("an order placed and cancelled while away, without a trade, is found and reported", () =>
    Effect.gen(function*() {
      const r = yield* setupReconciler({ before: (g) => g.accounts.set(465, F.account()) })
      yield* adjust(10_000)
      yield* r.events
      const g = r.gateway
      putOrder(g, F.order({ id: 12, status: 3, updateTimestamp: F.ts(F.T0 + 5000) }))
      yield* reconnect(r)
      assert.deepStrictEqual(missed((yield* r.reports)[1]), { ordersCancelled: 1 })
      assert.deepStrictEqual((yield* r.events).map(describeEvent), ["Order:12:3"])
      assert.deepStrictEqual(yield* r.cache, truthOf(g))
    }))

  it.scoped("a cancel missed while disconnected", () =>
    Effect.gen(function*() {
      const r = yield* setupReconciler({ before: (g) => (putOrder(g, F.order({ id: 10 })), putOrder(g, F.order({ id: 11 }))) })
      yield* adjust(10_000)
      putOrder(r.gateway, F.order({ id: 10, status: 3 }))
      yield* reconnect(r)
      assert.deepStrictEqual(missed((yield* r.reports)[1]), { ordersCancelled: 1 })
      assert.deepStrictEqual((yield* r.cache).orders, [11])
    }))

  it.scoped("positions opened, changed and closed while away", () =>
    Effect.gen(function*() {
      const r = yield* setupReconciler({
        before: (g) => (putPosition(g, F.position()), putPosition(g, F.position({ id: 78, contractId: C2 })))
      })
      yield* adjust(10_000)
      putPosition(r.gateway, F.position({ type: 0, size: 0 }))
      putPosition(r.gateway, F.position({ id: 78, contractId: C2, type: 2, size: 3 }))
      putPosition(r.gateway, F.position({ id: 79, contractId: C3 }))
      yield* reconnect(r)
      assert.deepStrictEqual(missed((yield* r.reports)[1]), { positionsChanged: 1, positionsClosed: 1, positionsOpened: 1 })
      assert.deepStrictEqual(yield* r.cache, truthOf(r.gateway))
    }))

  it.scoped("missed trades are delivered exactly once: not the live ones again, and a late live copy is dropped", () =>
    Effect.gen(function*() {
      const at = (k: number) => F.ts(F.T0 + k * 1000)
      const r = yield* setupReconciler({
        before: (g) => (putTrade(g, F.trade({ id: 1, creationTimestamp: at(1) })), putTrade(g, F.trade({ id: 2, creationTimestamp: at(2) })))
      })
      const live = F.trade({ id: 3, creationTimestamp: at(3) })
      putTrade(r.gateway, live)
      yield* r.server.current()!.emit("GatewayUserTrade", F.wire(live))
      yield* adjust(10_000)
      putTrade(r.gateway, F.trade({ id: 4, creationTimestamp: at(4) }))
      putTrade(r.gateway, F.trade({ id: 5, creationTimestamp: at(5) }))
      yield* reconnect(r)
      const report = (yield* r.reports)[1]
      assert.deepStrictEqual(missed(report), { trades: 2 })
      const search = r.gateway.calls.filter((c) => c.endpoint === "tradeSearch")[1]
      assert.deepStrictEqual(search.request, { accountId: 465, startTimestamp: at(1) }) // newest known at the last run, minus 1 s
      yield* r.server.current()!.emit("GatewayUserTrade", F.wire(F.trade({ id: 5, creationTimestamp: at(5) })))
      yield* flush
      const trades = (yield* r.events).flatMap((e) => (e._tag === "Trade" ? [e.trade.id] : []))
      assert.deepStrictEqual(trades, [1, 2, 3, 4, 5])
      assert.deepStrictEqual((yield* r.cache).trades, [1, 2, 3, 4, 5])
    }))

  it.scoped("a request inside minInterval is deferred until the interval is over, not lost", () =>
    Effect.gen(function*() {
      const r = yield* setupReconciler()
      yield* adjust(1000)
      const fiber = yield* Effect.fork(r.reconciler.reconcile())
      yield* adjust(3999)
      assert.strictEqual(r.gateway.calls.filter((c) => c.endpoint === "tradeSearch").length, 1)
      yield* adjust(1)
      const report = yield* Fiber.join(fiber)
      assert.strictEqual(report.trigger, "manual")
      assert.strictEqual(report.startedAt, 5000)
    }))

  it.scoped("requests that wait out the interval together share one run", () =>
    Effect.gen(function*() {
      const r = yield* setupReconciler()
      const fibers = yield* Effect.forEach([1, 2, 3], () => Effect.fork(r.reconciler.reconcile()))
      yield* r.reconciler.request("manual")
      yield* adjust(5000)
      const reports = yield* Effect.forEach(fibers, Fiber.join)
      assert.isTrue(reports.every((x) => x === reports[0]))
      yield* adjust(60_000)
      assert.strictEqual(r.gateway.calls.filter((c) => c.endpoint === "tradeSearch").length, 2)
    }))

  it.scoped("an entity a live event touched during the fetch is left alone, and a follow-up run checks it", () =>
    Effect.gen(function*() {
      const r = yield* setupReconciler({ before: (g) => putPosition(g, F.position({ size: 1 })) })
      yield* adjust(10_000)
      putPosition(r.gateway, F.position({ size: 2 })) // REST will say 2 ...
      const newer = F.position({ size: 3 })
      r.gateway.onCall = (endpoint) =>
        endpoint === "positionSearchOpen"
          ? Effect.suspend(() => {
            r.gateway.onCall = undefined
            putPosition(r.gateway, newer)
            return r.server.current()!.emit("GatewayUserPosition", F.wire(newer)) // ... but live news says 3
          })
          : Effect.void
      const first = yield* r.reconciler.reconcile()
      assert.deepStrictEqual(first.conflicts, [`p:465:${newer.contractId}`])
      assert.strictEqual(first.missed.positionsChanged, 0)
      assert.deepStrictEqual((yield* r.cache).positions, [`465:${newer.contractId}:1:3`])
      yield* adjust(5000)
      const followUp = (yield* r.reports).at(-1)!
      assert.strictEqual(followUp.trigger, "followUp")
      assert.deepStrictEqual(followUp.conflicts, [])
      assert.deepStrictEqual(yield* r.cache, truthOf(r.gateway))
    }))

  it.scoped("a failed automatic run is retried with backoff until it succeeds", () =>
    Effect.gen(function*() {
      const r = yield* setupReconciler({ before: (g) => (g.failing = true, putOrder(g, F.order({ id: 1 }))) })
      yield* adjust(5000)
      r.gateway.failing = false
      yield* adjust(10_000)
      const runs = r.gateway.calls.filter((c) => c.endpoint === "accountSearch").map((c) => c.at)
      assert.deepStrictEqual(runs, [0, 5000, 15_000])
      assert.strictEqual((yield* r.reports)[0].trigger, "retry")
      assert.deepStrictEqual((yield* r.cache).orders, [1])
    }))

  it.scoped("reconcile fails with the gateway's error", () =>
    Effect.gen(function*() {
      const r = yield* setupReconciler()
      r.gateway.failing = true
      yield* adjust(5000)
      const fiber = yield* Effect.fork(Effect.flip(r.reconciler.reconcile()))
      yield* adjust(5000)
      assert.strictEqual((yield* Fiber.join(fiber))._tag, "ServerError")
    }))

  it.scoped("a working order that vanished and Order/search does not know leaves as unresolved (status None)", () =>
    Effect.gen(function*() {
      const r = yield* setupReconciler({ before: (g) => putOrder(g, F.order({ id: 10 })) })
      yield* adjust(10_000)
      r.gateway.orders.delete(10)
      yield* reconnect(r)
      assert.deepStrictEqual(missed((yield* r.reports)[1]), { ordersUnresolved: 1 })
      assert.deepStrictEqual((yield* r.cache).orders, [])
      assert.strictEqual((yield* r.state.get).completedOrders.pipe((m) => [...m][0][1].status), 0)
    }))

  it.scoped("onReconnect off: start-up only; enabled off: no automatic run at all", () =>
    Effect.gen(function*() {
      const a = yield* setupReconciler({ config: { stateReconciliation: { onReconnect: false } } })
      yield* adjust(10_000)
      yield* reconnect(a)
      yield* adjust(10_000)
      assert.deepStrictEqual((yield* a.reports).map((x) => x.trigger), ["startup"])
      const b = yield* setupReconciler({ config: { stateReconciliation: { enabled: false } } })
      yield* adjust(10_000)
      assert.deepStrictEqual(b.gateway.calls, [])
    }))

  it.scoped("compareOrders / comparePositions / compareAccount off skip those endpoints", () =>
    Effect.gen(function*() {
      const r = yield* setupReconciler({
        config: { stateReconciliation: { compareOrders: false, comparePositions: false, compareAccount: false } }
      })
      assert.deepStrictEqual(r.gateway.calls.map((c) => c.endpoint), ["tradeSearch"])
      assert.include(StateReconciler.describe((yield* r.reports)[0]), "nothing missed")
    }))
})
