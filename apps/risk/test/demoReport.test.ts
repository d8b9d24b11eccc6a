import { assert, describe, it } from "@effect/vitest"
import { captured } from "./utils/console.js"
import { Models } from "@tradeguard/gateway"
import { AccountState, HubEvent } from "@tradeguard/realtime"
import type { Enforcer } from "@tradeguard/rules"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import { type Snapshot, waitUntil } from "../src/internal/demoBot.js"
import {
  checkLine,
  compareWithTruth,
  conclude,
  decisionLines,
  describeEnforcement,
  describeEvent,
  describeLifecycle,
  describeTransition,
  duplicatesOf,
  entryPrice,
  exitCodeOf,
  extraCloses,
  invariants,
  isDone,
  isFilledAndFlat,
  isFlat,
  logLine,
  positionSize,
  renderSummary,
  stamp,
  summarize,
  type Summary,
  tally
} from "../src/internal/demoReport.js"

const ts = "2026-11-23T14:00:00.0000000+00:00"
const account = new Models.Account({ id: 1, name: "A", balance: 100, canTrade: true, isVisible: true })
const order = new Models.Order({
  id: 3400000000, accountId: 1, contractId: "C", creationTimestamp: ts, status: 1, type: 1, side: 0, size: 1,
  limitPrice: 10, fillVolume: 0
})
const position = new Models.Position({ id: 7, accountId: 1, contractId: "C", creationTimestamp: ts, type: 1, size: 2, averagePrice: 10 })
const trade = new Models.Trade({
  id: 3700000000, accountId: 1, contractId: "C", creationTimestamp: ts, price: 10, fees: 0.5, side: 0, size: 2,
  voided: false, orderId: 3400000000
})

const stateOf = (events: ReadonlyArray<HubEvent.HubEvent>) =>
  Effect.gen(function*() {
    const s = yield* AccountState.make
    yield* s.applyAll(events)
    return yield* s.get
  })

const passing: Summary = {
  seed: 7,
  elapsedMillis: 41_234,
  ordersSent: 8,
  daemonOrders: 2,
  intents: 0,
  duplicates: [],
  received429: 0,
  pressure: { requests: 40, completed: 40, maxWaitMillis: 4413.2 },
  reconnects: { user: 2, market: 1 },
  reconciliations: 6,
  eventsReconciled: 9,
  breaches: ["rule dailyLossLimit on 100001: BREACHED"],
  actions: [["closeContract -> Done", 2], ["cancel -> Done", 1]],
  enforcements: [["verified flat", 3]],
  locked: { accountId: 100001, lock: "dailyLossLimit: day PnL -1004.44 <= -500.00", positions: 0, workingOrders: 0 },
  otherFrontEnd: { cancelled: true, flattened: true },
  untouched: { accountId: 100002, touched: [] },
  mismatches: []
}

describe("demo report", () => {
  it("a passing run: every invariant ok, exit code 0, every figure in the summary", () => {
    const checked = invariants(passing)
    assert.isTrue(checked.every((i) => i.ok))
    assert.strictEqual(exitCodeOf(checked), 0)
    const text = renderSummary(passing).join("\n")
    assert.include(text, "summary (seed 7, 41.2 s)")
    assert.include(text, "orders sent:          8 by the bot, 2 by the daemon (0 write-ahead intent(s))")
    assert.include(text, "duplicates:           0")
    assert.include(text, "429 received:         0 (pressure: 40 requests queued by the limiter, longest wait 4413 ms)")
    assert.include(text, "reconnects:           user hub 2, market hub 1")
    assert.include(text, "events reconciled 9")
    assert.include(text, "closeContract -> Done x2, cancel -> Done x1")
    assert.include(text, "verified flat x3")
    assert.include(text, "ok     other front-end undone: resting order cancelled, filled order flattened")
    assert.include(text, "all invariants hold")
  })

  it("each failing invariant is named FAILED and makes the exit code non-zero", () => {
    const failing: Array<[Partial<Summary>, string]> = [
      [{ duplicates: ["bot-3: orders 1, 2"] }, "duplicates: 1 (bot-3: orders 1, 2)"],
      [{ received429: 2 }, "429 received: 2"],
      [{ pressure: { requests: 40, completed: 39, maxWaitMillis: 0 } }, "429 pressure absorbed: 39 of 40 completed"],
      [{ breaches: [], locked: { ...passing.locked, lock: undefined } }, "breach enforced: no lock"],
      [{ locked: { ...passing.locked, positions: 1 } }, "locked account 100001 flat: 1 position(s), 0 working order(s)"],
      [{ otherFrontEnd: { cancelled: false, flattened: false } }, "other front-end undone: resting order NOT cancelled, filled order NOT flattened"],
      [{ untouched: { accountId: 100002, touched: ["order 5 no longer working"] } }, "account 100002 untouched: order 5 no longer working"],
      [{ mismatches: ["100002: position C missing"] }, "state equals ground truth: 100002: position C missing"]
    ]
    for (const [patch, line] of failing) {
      const s = { ...passing, ...patch }
      const checked = invariants(s)
      assert.strictEqual(exitCodeOf(checked), 1, line)
      const text = renderSummary(s).join("\n")
      assert.include(text, `FAILED ${line}`)
      assert.include(text, "1 invariant(s) FAILED")
    }
    assert.include(renderSummary({ ...passing, actions: [], breaches: [] }).join("\n"), "enforcement actions:  none")
    assert.include(renderSummary({ ...passing, locked: { ...passing.locked, lock: undefined } }).join("\n"), "100001: NOT locked")
  })

  it("timeline lines carry the time since the start", () => {
    assert.strictEqual(stamp(12_345, "x"), " +12.3s  x")
    assert.strictEqual(stamp(-5, "x"), "  +0.0s  x")
  })

  it("describes hub lifecycle events, breaker transitions and enforcement steps", () => {
    assert.strictEqual(describeLifecycle("user", { _tag: "Connected", connectionId: 1 }), "user hub connected")
    assert.include(describeLifecycle("user", { _tag: "Reconnecting", reason: "dropped", cause: "closed" } as never), "lost (dropped)")
    assert.include(describeLifecycle("user", { _tag: "Reconnected", connectionId: 2, attempts: 3 }), "after 3 attempt(s)")
    assert.include(describeLifecycle("user", { _tag: "Subscribed", connectionId: 2, afterReconnect: true }), "replayed")
    assert.include(describeLifecycle("user", { _tag: "Subscribed", connectionId: 2, afterReconnect: false }), "active")
    assert.include(
      describeLifecycle("market", { _tag: "SubscriptionActive", connectionId: 2, subscription: { method: "SubscribeContractQuotes" } } as never),
      "SubscribeContractQuotes active"
    )
    assert.include(describeLifecycle("user", { _tag: "Closed", reason: "stopped" }), "closed: stopped")
    assert.strictEqual(
      describeTransition({ group: "reads", from: { _tag: "Closed" }, to: { _tag: "Open" }, at: 0 } as never),
      "circuit reads: Closed -> Open"
    )
    const events: Array<[Enforcer.Event, string]> = [
      [{ _tag: "Started", id: "e1", accountId: 1, rule: "dailyLossLimit", resumed: true }, "started (dailyLossLimit, resumed)"],
      [{ _tag: "Started", id: "e1", accountId: 1, rule: "dailyLossLimit", resumed: false }, "started (dailyLossLimit)"],
      [{ _tag: "ActionDone", id: "e1", accountId: 1, step: { action: "cancel", request: {}, outcome: "Done", startedAt: 10, endedAt: 110 } }, "cancel -> Done (100 ms)"],
      [{ _tag: "Verified", id: "e1", accountId: 1, at: 0, final: { flat: true, positions: [], workingOrders: [] } }, "verified: flat, 0 position(s)"],
      [{ _tag: "Verified", id: "e1", accountId: 1, at: 0, final: { flat: false, positions: [], workingOrders: [] } }, "verified: NOT flat"],
      [{ _tag: "Escalated", id: "e1", accountId: 1, at: 0, remaining: "1 position" }, "ESCALATED: 1 position"]
    ]
    for (const [e, text] of events) assert.include(describeEnforcement(e), text)
  })

  it("rule decisions: one line when a rule is breached, when it is within again, when a lock is set or ended", () => {
    const rule = { rule: "dailyLossLimit" as const, figure: -600, limit: -500, breached: true, reason: "day PnL -600 <= -500" }
    const lock = { rule: "dailyLossLimit" as const, reason: "day PnL", since: 0, end: { _tag: "Manual" }, until: undefined } as never
    const [d1, l1] = decisionLines(new Map(), [{ accountId: 1, rules: [rule], lock }])
    assert.deepStrictEqual(l1, [
      "rule dailyLossLimit on 1: BREACHED (day PnL -600 <= -500; figure -600, limit -500)",
      "account 1 LOCKED (dailyLossLimit: day PnL)"
    ])
    const [d2, l2] = decisionLines(d1, [{ accountId: 1, rules: [rule], lock }])
    assert.deepStrictEqual(l2, [])
    const [, l3] = decisionLines(d2, [{ accountId: 1, rules: [{ ...rule, breached: false }], lock: undefined }])
    assert.deepStrictEqual(l3, ["rule dailyLossLimit on 1: within its limit again", "account 1 unlocked"])
    const [, l4] = decisionLines(new Map(), [{ accountId: 2, rules: [{ ...rule, figure: undefined, limit: undefined }], lock: undefined }])
    assert.include(l4[0]!, "figure ?, limit ?")
  })

  it("duplicates: orders grouped by the key of their tag; untagged and foreign orders are left out", () => {
    const orders = [{ id: 1, customTag: "bot-1" }, { id: 2, customTag: "bot-1" }, { id: 3, customTag: "bot-2" }, { id: 4 }, { id: 5, customTag: "x" }]
    assert.deepStrictEqual(duplicatesOf(orders, (t) => (t.startsWith("bot-") ? t : undefined)), ["bot-1: orders 1, 2"])
    assert.deepStrictEqual(duplicatesOf(orders, () => undefined), [])
    assert.deepStrictEqual(tally(["a", "b", "a"]), [["a", 2], ["b", 1]])
  })

  it("a close sent twice shows as a duplicate; the SignalR library's own log lines are left out, long ones cut", () => {
    assert.deepStrictEqual(extraCloses(2, 2), [])
    assert.deepStrictEqual(extraCloses(3, 2), ["3 daemon orders for 2 closeContract request(s)"])
    assert.strictEqual(logLine("WARN", "signalr: Connection disconnected"), undefined)
    assert.strictEqual(logLine("WARN", ["circuit", "open"]), "(warn) circuit open")
    const long = logLine("ERROR", "x".repeat(300))!
    assert.strictEqual(long.length, 200)
    assert.isTrue(long.endsWith("…"))
  })

  it.effect("no difference when the cache holds exactly the ground truth", () =>
    Effect.gen(function*() {
      const mine = yield* stateOf([HubEvent.account(account), HubEvent.order(order), HubEvent.position(position), HubEvent.trade(trade)])
      assert.deepStrictEqual(compareWithTruth(mine, { account, openOrders: [order], positions: [position], trades: [trade] }, 1), [])
    }))

  it.effect("names every missing or differing entity", () =>
    Effect.gen(function*() {
      const mine = yield* stateOf([HubEvent.account(new Models.Account({ ...account, balance: 90 }))])
      const diff = compareWithTruth(mine, { account, openOrders: [order], positions: [position], trades: [trade] }, 1)
      assert.deepStrictEqual(diff, [
        "working order 3400000000 missing",
        "position C missing",
        "trade 3700000000 missing",
        "balance 90 != 100"
      ])
    }))

  it("describes events in one line, with their account and origin", () => {
    assert.strictEqual(describeEvent(HubEvent.trade(trade, true)), "trade 3700000000 acct 1 Bid 2 @ 10 fees 0.50 (reconciled)")
    assert.include(describeEvent(HubEvent.order(order)), "Open")
  })

  it.effect("names what differs and what the cache holds that the truth does not", () =>
    Effect.gen(function*() {
      const other = new Models.Order({ ...order, id: 3400000001 })
      const mine = yield* stateOf([
        HubEvent.order(new Models.Order({ ...order, fillVolume: 1, status: 1 })),
        HubEvent.order(other),
        HubEvent.position(new Models.Position({ ...position, size: 1 })),
        HubEvent.position(new Models.Position({ ...position, id: 8, contractId: "D" })),
        HubEvent.trade(new Models.Trade({ ...trade, id: 3700000001 }))
      ])
      const diff = compareWithTruth(mine, { account, openOrders: [order], positions: [position], trades: [] }, 1)
      assert.deepStrictEqual(diff, [
        "order 3400000000 differs",
        "order 3400000001 cached as working but not working",
        "position C differs",
        "position D cached but closed",
        "trade 3700000001 cached but unknown",
        "account 1 missing"
      ])
    }))

  it("describes every kind of event", () => {
    assert.include(describeEvent(HubEvent.account(account)), "account 1 balance 100.00 (live)")
    assert.include(describeEvent(HubEvent.position(position)), "position acct 1 C")
    assert.include(describeEvent(HubEvent.position(new Models.Position({ ...position, size: 0 }))), "position acct 1 C closed")
    assert.include(describeEvent(HubEvent.order(new Models.Order({ ...order, filledPrice: 10, customTag: "t" }))), "@ 10 tag t")
    assert.include(describeEvent(HubEvent.trade(new Models.Trade({ ...trade, profitAndLoss: -5 }))), "pnl -5.00")
  })

  it("snapshot checks: entry price, position size, flat, an order done, an order filled then flattened", () => {
    const empty: Snapshot = { account, orders: [], openOrders: [], positions: [], trades: [] }
    assert.strictEqual(entryPrice(empty), 0)
    assert.strictEqual(entryPrice({ positions: [position] }), 10)
    assert.strictEqual(positionSize([position], "C"), 2)
    assert.strictEqual(positionSize([position], "D"), 0)
    assert.isTrue(isFlat(empty))
    assert.isFalse(isFlat({ positions: [], openOrders: [order] }))
    assert.isFalse(isDone({ orders: [], openOrders: [] }, order.id))
    assert.isFalse(isDone({ orders: [order], openOrders: [order] }, order.id))
    assert.isTrue(isDone({ orders: [order], openOrders: [] }, order.id))
    const filled = new Models.Order({ ...order, status: 2, fillVolume: 1 })
    assert.isTrue(isFilledAndFlat({ ...empty, orders: [filled] }, order.id))
    assert.isFalse(isFilledAndFlat({ ...empty, orders: [filled], positions: [position] }, order.id))
    assert.isFalse(isFilledAndFlat({ ...empty, orders: [order] }, order.id))
    assert.strictEqual(checkLine.seen(5, true), "order 5 in the daemon's picture after the reconnect: yes")
    assert.include(checkLine.seen(5, false), "MISSING")
    assert.include(checkLine.cancelled(5, true), "cancelled by the daemon")
    assert.include(checkLine.cancelled(5, false), "STILL WORKING")
    assert.include(checkLine.flattened(5, true), "flattened by the daemon")
    assert.include(checkLine.flattened(5, false), "NOT undone")
  })

  it.effect("summarize: counts, duplicates by bot tag, by intent and of closes, the other account touched or not", () =>
    Effect.gen(function*() {
      const other = new Models.Account({ ...account, id: 2 })
      const resting = new Models.Order({ ...order, id: 20, accountId: 2, customTag: "bot-2" })
      const held = new Models.Position({ ...position, id: 9, accountId: 2, size: 1 })
      const closeOrder = new Models.Order({ ...order, id: 11, status: 2, fillVolume: 2 })
      const botOrder = new Models.Order({ ...order, id: 10, status: 2, fillVolume: 2, customTag: "bot-1" })
      const lockedSnap: Snapshot = { account, orders: [botOrder, closeOrder], openOrders: [], positions: [], trades: [] }
      const otherSnap: Snapshot = { account: other, orders: [resting], openOrders: [resting], positions: [held], trades: [] }
      const picture = yield* stateOf([HubEvent.account(account), HubEvent.account(other), HubEvent.order(resting), HubEvent.position(held)])
      const step = { action: "closeContract", request: {}, outcome: "Done", startedAt: 0, endedAt: 5 }
      const events: Array<Enforcer.Event> = [
        { _tag: "Started", id: "e", accountId: 1, rule: "dailyLossLimit", resumed: false },
        { _tag: "ActionDone", id: "e", accountId: 1, step },
        { _tag: "Verified", id: "e", accountId: 1, at: 0, final: { flat: true, positions: [], workingOrders: [] } },
        { _tag: "Escalated", id: "f", accountId: 1, at: 0, remaining: "x" }
      ]
      const observed = {
        seed: 3,
        elapsedMillis: 1000,
        botTags: ["bot-1", "bot-2"],
        attempts: [],
        events,
        reports: [{ totalMissed: 2 }, { totalMissed: 1 }] as never,
        breaches: ["b"],
        received429: 0,
        pressure: { requests: 3, completed: 3, maxWaitMillis: 1 },
        reconnects: { user: 1, market: 0 },
        otherFrontEnd: { cancelled: true, flattened: true },
        locked: { accountId: 1, snapshot: lockedSnap, lock: { rule: "dailyLossLimit", reason: "r", since: 0, end: { _tag: "Manual" }, until: undefined } as never },
        other: { accountId: 2, snapshot: otherSnap, size: 1, restingOrderId: 20 },
        picture
      }
      const s = summarize(observed)
      assert.strictEqual(s.ordersSent, 2)
      assert.strictEqual(s.daemonOrders, 1)
      assert.deepStrictEqual(s.duplicates, [])
      assert.strictEqual(s.eventsReconciled, 3)
      assert.strictEqual(s.reconciliations, 2)
      assert.deepStrictEqual(s.actions, [["closeContract -> Done", 1]])
      assert.deepStrictEqual(s.enforcements, [["verified flat", 1], ["escalated", 1]])
      assert.strictEqual(s.locked.lock, "dailyLossLimit: r")
      assert.deepStrictEqual(s.untouched.touched, [])
      assert.deepStrictEqual(s.mismatches, [])
      assert.strictEqual(exitCodeOf(invariants(s)), 0)

      // A second order with a bot tag, a second order of one intent, a close without its request, the other account changed.
      const dup = new Models.Order({ ...botOrder, id: 12 })
      const intentA = new Models.Order({ ...order, id: 13, status: 2, customTag: "k#1" })
      const intentB = new Models.Order({ ...order, id: 14, status: 2, customTag: "k#2" })
      const bad = summarize({
        ...observed,
        attempts: [{ custom_tag: "k#1", idempotency_key: "k" }, { custom_tag: "k#2", idempotency_key: "k" }],
        events: [...events, { _tag: "ActionDone", id: "g", accountId: 2, step: { ...step, action: "cancel" } }, {
          _tag: "Verified", id: "g", accountId: 2, at: 0, final: { flat: false, positions: [], workingOrders: [] }
        }],
        locked: { ...observed.locked, snapshot: { ...lockedSnap, orders: [botOrder, dup, closeOrder, intentA, intentB] }, lock: undefined },
        other: { ...observed.other, snapshot: { ...otherSnap, openOrders: [], positions: [] } }
      })
      assert.deepStrictEqual(bad.duplicates, ["bot-1: orders 10, 12", "k: orders 13, 14", "3 daemon orders for 1 closeContract request(s)"])
      assert.strictEqual(bad.intents, 1)
      assert.isUndefined(bad.locked.lock)
      assert.deepStrictEqual(bad.untouched.touched, [
        "enforcement g on 2: cancel -> Done (5 ms)",
        "enforcement g on 2 verified: NOT flat, 0 position(s), 0 working order(s)",
        "positions changed: 0",
        "order 20 no longer working"
      ])
      assert.deepStrictEqual(bad.mismatches, ["2: order 20 cached as working but not working", "2: position C cached but closed"])
      assert.include(bad.enforcements.map(([k]) => k), "verified not flat")
      assert.strictEqual(exitCodeOf(invariants(bad)), 1)
    }))

  it.effect("conclude prints the summary; a failing invariant fails with exit code 1", () =>
    Effect.gen(function*() {
      const [ok, { out }] = yield* captured(Effect.exit(conclude(passing)))
      assert.isTrue(Exit.isSuccess(ok))
      assert.include(out.join("\n"), "all invariants hold")
      const [failed, printed] = yield* captured(Effect.flip(conclude({ ...passing, received429: 1 })))
      assert.strictEqual(failed.code, 1)
      assert.include(printed.out.join("\n"), "FAILED 429 received: 1")
    }))

  it.effect("waitUntil: true as soon as the check holds, false once the time is up", () =>
    Effect.gen(function*() {
      let n = 0
      const soon = yield* Effect.fork(waitUntil(Effect.sync(() => ++n >= 3), 10_000))
      yield* TestClock.adjust("1 second")
      assert.isTrue(yield* Fiber.join(soon))
      const never = yield* Effect.fork(waitUntil(Effect.succeed(false), 1000))
      yield* TestClock.adjust("2 seconds")
      assert.isFalse(yield* Fiber.join(never))
    }))
})
