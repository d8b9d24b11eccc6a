import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import {
  AccountLocks,
  Database,
  EnforcementLog,
  PendingActions,
  PnlSnapshots,
  ReconciliationReports,
  RuleState
} from "../src/index.js"

const layer = Layer.mergeAll(
  EnforcementLog.layer,
  AccountLocks.layer,
  PendingActions.layer,
  RuleState.layer,
  PnlSnapshots.layer,
  ReconciliationReports.layer
).pipe(Layer.provideMerge(Database.layerMemory()))

describe("small repositories", () => {
  it.effect("EnforcementLog: entries are appended with the clock's time and listed per account", () =>
    Effect.gen(function*() {
      const log = yield* EnforcementLog.EnforcementLog
      yield* log.append({ accountId: 1, rule: "dailyLoss", action: "flatten", detail: "-1000" })
      yield* TestClock.adjust(10)
      yield* log.append({ accountId: 2, rule: "maxPosition", action: "cancel", detail: "6 > 5" })
      assert.deepStrictEqual((yield* log.list()).map((e) => [e.accountId, e.action, e.at]), [[1, "flatten", 0], [2, "cancel", 10]])
      assert.deepStrictEqual((yield* log.list(2)).map((e) => e.rule), ["maxPosition"])
    }).pipe(Effect.provide(layer)))

  it.effect("EnforcementLog: query lists by account and by time (since inclusive, until exclusive)", () =>
    Effect.gen(function*() {
      const log = yield* EnforcementLog.EnforcementLog
      for (const accountId of [1, 2, 1]) {
        yield* log.append({ accountId, rule: "dailyLoss", action: "flatten", detail: "{}" })
        yield* TestClock.adjust(10)
      }
      const at = (filter: EnforcementLog.Filter) => Effect.map(log.query(filter), (es) => es.map((e) => [e.accountId, e.at]))
      assert.deepStrictEqual(yield* at({}), [[1, 0], [2, 10], [1, 20]])
      assert.deepStrictEqual(yield* at({ accountId: 1 }), [[1, 0], [1, 20]])
      assert.deepStrictEqual(yield* at({ since: 10, until: 20 }), [[2, 10]])
      assert.deepStrictEqual(yield* at({ accountId: 1, since: 10 }), [[1, 20]])
    }).pipe(Effect.provide(layer)))

  it.effect("AccountLocks: a lock is active until unlocked or until its time; relocking replaces it", () =>
    Effect.gen(function*() {
      const locks = yield* AccountLocks.AccountLocks
      yield* locks.lock(1, "daily loss")
      yield* locks.lock(2, "cooldown", 100)
      assert.deepStrictEqual((yield* locks.active).map((l) => l.accountId), [1, 2])
      yield* TestClock.adjust(100)
      assert.deepStrictEqual((yield* locks.active).map((l) => l.accountId), [1])
      yield* locks.unlock(1)
      assert.deepStrictEqual(yield* locks.active, [])
      yield* locks.lock(1, "again")
      const [again] = yield* locks.active
      assert.deepInclude(again, { accountId: 1, reason: "again", lockedAt: 100, releasedAt: null, lockedUntil: null })
    }).pipe(Effect.provide(layer)))

  it.effect("AccountLocks: a lock keeps its rule and end kind, an unlock its reason; all lists released ones too", () =>
    Effect.gen(function*() {
      const locks = yield* AccountLocks.AccountLocks
      yield* locks.lock(1, "day PnL -1000 <= -1000", 500, { rule: "dailyLossLimit", endKind: "NextTradingDay" })
      yield* locks.lock(2, "until 300", 300)
      yield* locks.unlock(2, "by the desk")
      const [one] = yield* locks.active
      assert.deepInclude(one, { accountId: 1, rule: "dailyLossLimit", endKind: "NextTradingDay", lockedUntil: 500 })
      const all = yield* locks.all
      assert.deepInclude(all[1], { accountId: 2, rule: "manual", endKind: "Until", releasedAt: 0, releaseReason: "by the desk" })
    }).pipe(Effect.provide(layer)))

  it.effect("RuleState: a JSON value per account and rule, replaced by put", () =>
    Effect.gen(function*() {
      const state = yield* RuleState.RuleState
      assert.isTrue(Option.isNone(yield* state.get(1, "trailingDrawdown")))
      yield* state.put(1, "trailingDrawdown", { endOfDayHigh: 50_500 })
      yield* state.put(1, "trailingDrawdown", { endOfDayHigh: 51_000 })
      yield* state.put(2, "trailingDrawdown", { endOfDayHigh: 1 })
      assert.deepStrictEqual(Option.getOrThrow(yield* state.get(1, "trailingDrawdown")), { endOfDayHigh: 51_000 })
    }).pipe(Effect.provide(layer)))

  it.effect("PnlSnapshots: recorded with the clock's time, listed per account oldest first", () =>
    Effect.gen(function*() {
      const pnl = yield* PnlSnapshots.PnlSnapshots
      yield* pnl.record({ accountId: 1, tradingDay: "2026-12-01", unrealized: -12.5 })
      yield* pnl.record({ accountId: 1, tradingDay: "2026-12-01", unrealized: -20 })
      yield* TestClock.adjust(60_000)
      yield* pnl.record({ accountId: 1, tradingDay: "2026-12-01", unrealized: 5 })
      assert.deepStrictEqual((yield* pnl.list(1)).map((s) => [s.unrealized, s.at]), [[-20, 0], [5, 60_000]])
    }).pipe(Effect.provide(layer)))

  it.effect("ReconciliationReports: appended JSON, listed newest first within a limit", () =>
    Effect.gen(function*() {
      const reports = yield* ReconciliationReports.ReconciliationReports
      yield* reports.append(1, { missing: [] })
      yield* TestClock.adjust(1)
      yield* reports.append(null, { missing: [42] })
      assert.deepStrictEqual((yield* reports.list()).map((r) => [r.accountId, r.report]), [
        [null, { missing: [42] }],
        [1, { missing: [] }]
      ])
      assert.strictEqual((yield* reports.list(1)).length, 1)
    }).pipe(Effect.provide(layer)))

  it.effect("PendingActions: enqueued once per id, tried, listed oldest first until done", () =>
    Effect.gen(function*() {
      const pending = yield* PendingActions.PendingActions
      assert.isTrue(yield* pending.enqueue({ id: "flatten-1", accountId: 1, action: "flatten", payload: { contractId: "X" } }))
      assert.isFalse(yield* pending.enqueue({ id: "flatten-1", accountId: 1, action: "flatten", payload: {} }))
      yield* TestClock.adjust(1)
      yield* pending.enqueue({ id: "cancel-2", accountId: 2, action: "cancel", payload: [7] })
      yield* pending.attempted("flatten-1")
      assert.deepStrictEqual((yield* pending.list).map((a) => [a.id, a.attempts, a.payload]), [
        ["flatten-1", 1, { contractId: "X" }],
        ["cancel-2", 0, [7]]
      ])
      yield* pending.done("flatten-1")
      assert.deepStrictEqual((yield* pending.list).map((a) => a.id), ["cancel-2"])
    }).pipe(Effect.provide(layer)))

  it.effect("PendingActions: update replaces the payload (the progress) and keeps the rest", () =>
    Effect.gen(function*() {
      const pending = yield* PendingActions.PendingActions
      yield* pending.enqueue({ id: "e-1", accountId: 1, action: "enforcement", payload: { step: 0 } })
      yield* pending.update("e-1", { step: 2, cancelled: [7] })
      assert.deepStrictEqual((yield* pending.list).map((a) => [a.id, a.action, a.payload]), [["e-1", "enforcement", { step: 2, cancelled: [7] }]])
    }).pipe(Effect.provide(layer)))
})
