import { assert, describe, it } from "@effect/vitest"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import {
  AccountLocks,
  Database,
  EnforcementLog,
  OrderIntents,
  PendingActions,
  PnlSnapshots,
  ReconciliationReports,
  Retention,
  StoreConfig
} from "../src/index.js"

const repositories = Layer.mergeAll(
  OrderIntents.layer,
  EnforcementLog.layer,
  PendingActions.layer,
  AccountLocks.layer,
  PnlSnapshots.layer,
  ReconciliationReports.layer
)

const layer = (daily: boolean) =>
  Layer.mergeAll(daily ? Retention.layerDaily : Retention.layer, repositories).pipe(
    Layer.provideMerge(Database.layerMemory()),
    Layer.provide(StoreConfig.layer())
  )

const intent = (key: string): OrderIntents.NewIntent => ({
  idempotencyKey: key,
  fingerprint: key,
  accountId: 1,
  contractId: "CON.F.US.MNQ.Z25",
  side: 0,
  type: 2,
  size: 1
})

const fill = (tradeId: number, gatewayOrderId: number): OrderIntents.Fill => ({
  tradeId,
  gatewayOrderId,
  accountId: 1,
  contractId: "CON.F.US.MNQ.Z25",
  side: 0,
  size: 1,
  price: 100,
  fees: null,
  profitAndLoss: null,
  at: 0
})

/** At t = 0: a terminal and an open intent (each with an attempt and a fill), one row of every other history, two locks. */
const seed = Effect.gen(function*() {
  const intents = yield* OrderIntents.OrderIntents
  for (const [key, orderId] of [["done", 1], ["open", 2]] as const) {
    yield* intents.insert(intent(key))
    yield* intents.addAttempt(key, `${key}#1`)
    yield* intents.updateAttempt(`${key}#1`, { gatewayOrderId: orderId, status: "Working" })
    yield* intents.recordFill(fill(orderId, orderId))
  }
  yield* intents.recordFill(fill(3, 999)) // a fill of an order that is no intent of ours
  yield* intents.setStatus("done", "Filled")
  yield* intents.setStatus("open", "Working")
  yield* (yield* EnforcementLog.EnforcementLog).append({ accountId: 1, rule: "r", action: "flatten", detail: "" })
  yield* (yield* PnlSnapshots.PnlSnapshots).record({ accountId: 1, tradingDay: "d", unrealized: 1 })
  yield* (yield* ReconciliationReports.ReconciliationReports).append(1, {})
  yield* (yield* PendingActions.PendingActions).enqueue({ id: "p", accountId: 1, action: "flatten", payload: {} })
  const locks = yield* AccountLocks.AccountLocks
  yield* locks.lock(1, "active forever")
  yield* locks.lock(2, "released")
  yield* locks.unlock(2)
  yield* locks.lock(3, "expired", 1)
})

const counts = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const n = (table: string) =>
    Effect.map(sql<{ n: number }>`SELECT COUNT(*) AS n FROM ${sql(table)}`, (rows) => rows[0]!.n)
  return {
    intents: yield* n("order_intents"),
    attempts: yield* n("order_attempts"),
    fills: yield* n("fills"),
    log: yield* n("enforcement_log"),
    pnl: yield* n("pnl_snapshots"),
    locks: yield* n("account_locks"),
    reports: yield* n("reconciliation_reports"),
    pending: yield* n("pending_enforcement_actions")
  }
})

const days = (d: number) => `${d} days` as const

describe("Retention", () => {
  it.scoped("the daily run deletes each history after its retention; open intents, active locks, pending actions stay", () =>
    Effect.gen(function*() {
      yield* seed
      const all = { intents: 2, attempts: 2, fills: 3, log: 1, pnl: 1, locks: 3, reports: 1, pending: 1 }
      assert.deepStrictEqual(yield* counts, all)
      yield* TestClock.adjust(days(7))
      assert.deepStrictEqual(yield* counts, all) // exactly 7 days old: kept
      yield* TestClock.adjust(days(1))
      assert.deepStrictEqual(yield* counts, { ...all, pnl: 0 })
      yield* TestClock.adjust(days(23))
      assert.deepStrictEqual(yield* counts, { ...all, pnl: 0, log: 0 })
      yield* TestClock.adjust(days(60))
      assert.deepStrictEqual(yield* counts, { intents: 1, attempts: 1, fills: 1, log: 0, pnl: 0, locks: 1, reports: 0, pending: 1 })
      const intents = yield* OrderIntents.OrderIntents
      assert.deepStrictEqual((yield* intents.nonTerminal).map((i) => i.idempotencyKey), ["open"])
      assert.deepStrictEqual((yield* intents.fills(2)).map((f) => f.tradeId), [2])
      assert.deepStrictEqual((yield* (yield* AccountLocks.AccountLocks).active).map((l) => l.accountId), [1])
      yield* TestClock.adjust(days(365))
      assert.strictEqual((yield* counts).intents, 1)
    }).pipe(Effect.provide(layer(true))))

  it.effect("purge reports what it deleted", () =>
    Effect.gen(function*() {
      yield* seed
      yield* TestClock.adjust(days(100))
      const purged = yield* Effect.flatMap(Retention.Retention, (r) => r.purge)
      assert.deepStrictEqual(purged, {
        pnlSnapshots: 1,
        enforcementLog: 1,
        intents: 1,
        attempts: 1,
        fills: 2,
        locks: 2,
        reconciliationReports: 1
      })
      assert.deepStrictEqual((yield* Effect.flatMap(Retention.Retention, (r) => r.purge)).intents, 0)
    }).pipe(Effect.provide(layer(false))))

  it.scoped("a failed run is logged and the next day's run happens", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* sql`ALTER TABLE pnl_snapshots RENAME TO pnl_snapshots_away`
      yield* TestClock.adjust(days(1))
      yield* sql`ALTER TABLE pnl_snapshots_away RENAME TO pnl_snapshots`
      yield* seed
      yield* TestClock.adjust(days(8))
      assert.strictEqual((yield* counts).pnl, 0)
    }).pipe(Effect.provide(layer(true))))
})
