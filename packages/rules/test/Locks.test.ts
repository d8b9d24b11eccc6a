import { assert, describe, it } from "@effect/vitest"
import { Config as RealtimeConfig, TradingDay } from "@tradeguard/realtime"
import { AccountLocks, Database, EnforcementLog, StoreConfig } from "@tradeguard/store"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import * as path from "node:path"
import * as Audit from "../src/Audit.js"
import * as Locks from "../src/Locks.js"
import { tempDir } from "./utils/enforcement.js"

/** 2026-12-02 12:00 America/Chicago (18:00 UTC): the next trading day starts at 17:00 Chicago the same day. */
const NOON_CHICAGO = Date.UTC(2026, 11, 2, 18, 0, 0)
const FIVE_PM_CHICAGO = Date.UTC(2026, 11, 2, 23, 0, 0)

const locksOver = (database: ReturnType<typeof Database.layerMemory>) =>
  Locks.layer.pipe(
    Layer.provideMerge(Audit.layer),
    Layer.provideMerge(Layer.mergeAll(AccountLocks.layer, EnforcementLog.layer)),
    Layer.provideMerge(RealtimeConfig.RealtimeConfig.layer()),
    Layer.provideMerge(database)
  )

const memory = locksOver(Database.layerMemory())

/** Builds the locks over the file, runs `use`, and tears the layers down (a "process" that ends). */
const inProcess = <A, E>(file: string, use: Effect.Effect<A, E, Locks.Locks | Audit.Audit>) =>
  Effect.scoped(Effect.flatMap(Layer.build(locksOver(Database.layer(StoreConfig.make({ path: file })))), (ctx) => Effect.provide(use, ctx)))

describe("Locks", () => {
  it.effect("a NextTradingDay lock ends at the next 17:00 Chicago: active before, not after", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(NOON_CHICAGO)
      const locks = yield* Locks.Locks
      const lock = yield* locks.lock(7, "dailyLossLimit", "day PnL -1000 <= -1000", { _tag: "NextTradingDay" })
      assert.strictEqual(lock.until, FIVE_PM_CHICAGO)
      assert.strictEqual(lock.until, TradingDay.next(NOON_CHICAGO, TradingDay.defaults))
      assert.deepStrictEqual(yield* locks.active(7), lock)
      yield* TestClock.setTime(FIVE_PM_CHICAGO - 1)
      assert.isDefined(yield* locks.active(7))
      yield* TestClock.setTime(FIVE_PM_CHICAGO)
      assert.isUndefined(yield* locks.active(7))
      assert.strictEqual((yield* locks.all).size, 0)
    }).pipe(Effect.provide(memory)))

  it.effect("a lock replaces the one in force only when it ends later; a manual lock ends never", () =>
    Effect.gen(function*() {
      const locks = yield* Locks.Locks
      yield* locks.lock(7, "lossCooldown", "3 losses", { _tag: "Until", at: 1_000 })
      const shorter = yield* locks.lock(7, "newsBlackout", "CPI", { _tag: "Until", at: 500 })
      assert.deepInclude(shorter, { rule: "lossCooldown", until: 1_000 })
      const longer = yield* locks.lock(7, "maxLossLimit", "equity <= floor", { _tag: "Manual" })
      assert.deepInclude(longer, { rule: "maxLossLimit", until: undefined })
      const after = yield* locks.lock(7, "lossCooldown", "again", { _tag: "Until", at: 9_999_999 })
      assert.strictEqual(after.rule, "maxLossLimit")
      yield* TestClock.adjust(10_000_000)
      assert.deepInclude(yield* locks.active(7), { rule: "maxLossLimit" })
      assert.deepStrictEqual([...(yield* locks.all).keys()], [7])
    }).pipe(Effect.provide(memory)))

  it.effect("an expired lock is replaced by any new one", () =>
    Effect.gen(function*() {
      const locks = yield* Locks.Locks
      yield* locks.lock(7, "lossCooldown", "3 losses", { _tag: "Until", at: 100 })
      yield* TestClock.adjust(200)
      const next = yield* locks.lock(7, "newsBlackout", "CPI", { _tag: "Until", at: 300 })
      assert.deepInclude(next, { rule: "newsBlackout", since: 200, until: 300 })
    }).pipe(Effect.provide(memory)))

  it.effect("unlock ends the lock now, logged and audited with its reason; false when none is in force", () =>
    Effect.gen(function*() {
      const locks = yield* Locks.Locks
      yield* locks.lock(7, "maxLossLimit", "equity 47990 <= floor 48000", { _tag: "Manual" })
      assert.isTrue(yield* locks.unlock(7, "reviewed by the desk"))
      assert.isUndefined(yield* locks.active(7))
      assert.isFalse(yield* locks.unlock(7, "again"))
      const records = yield* (yield* Audit.Audit).list({ accountId: 7 })
      assert.deepStrictEqual(records.map((r) => [r.kind, r.rule, r.outcome, r.reason]), [
        ["Lock", "maxLossLimit", "Locked", "equity 47990 <= floor 48000"],
        ["Unlock", "maxLossLimit", "Unlocked", "reviewed by the desk"]
      ])
      const stored = yield* Effect.orDie((yield* AccountLocks.AccountLocks).all)
      assert.deepInclude(stored[0], { accountId: 7, releaseReason: "reviewed by the desk", rule: "maxLossLimit", endKind: "Manual" })
    }).pipe(Effect.provide(memory)))

  it.scoped("durable: layers rebuilt over the same SQLite file see the lock (its rule, reason and end), and an unlock", () =>
    Effect.gen(function*() {
      const file = path.join(yield* tempDir, "t.db")
      yield* TestClock.setTime(NOON_CHICAGO)
      yield* inProcess(file, Effect.flatMap(Locks.Locks, (l) => l.lock(7, "dailyLossLimit", "day PnL", { _tag: "NextTradingDay" })))
      yield* inProcess(file, Effect.flatMap(Locks.Locks, (l) => l.lock(8, "manual", "by hand", { _tag: "Manual" })))
      yield* inProcess(file, Effect.flatMap(Locks.Locks, (l) => l.lock(9, "lossCooldown", "3 losses", { _tag: "Until", at: NOON_CHICAGO + 1_800_000 })))
      const seen = yield* inProcess(file, Effect.flatMap(Locks.Locks, (l) => l.all))
      assert.deepStrictEqual([...seen.keys()], [7, 8, 9])
      assert.deepInclude(seen.get(9), { end: { _tag: "Until", at: NOON_CHICAGO + 1_800_000 }, until: NOON_CHICAGO + 1_800_000 })
      assert.deepStrictEqual(seen.get(7), {
        rule: "dailyLossLimit",
        reason: "day PnL",
        since: NOON_CHICAGO,
        end: { _tag: "NextTradingDay" },
        until: FIVE_PM_CHICAGO
      })
      assert.deepInclude(seen.get(8), { rule: "manual", end: { _tag: "Manual" }, until: undefined })
      yield* inProcess(file, Effect.flatMap(Locks.Locks, (l) => l.unlock(8, "done")))
      const after = yield* inProcess(file, Effect.flatMap(Locks.Locks, (l) => l.all))
      assert.deepStrictEqual([...after.keys()], [7, 9])
    }))

  it("untilOf: Until is its time, Manual never", () => {
    assert.strictEqual(Locks.untilOf({ _tag: "Until", at: 5 }, 0, TradingDay.defaults), 5)
    assert.isUndefined(Locks.untilOf({ _tag: "Manual" }, 0, TradingDay.defaults))
  })
})
