/**
 * RiskEngine: the rules' memory across a rebuild, the quote needs, the view's market data, status and health
 * (detached AccountState, fakes, in-memory store, TestClock).
 */
import { assert, describe, it } from "@effect/vitest"
import { AccountState } from "@tradeguard/realtime"
import { RuleState } from "@tradeguard/store"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as RiskEngine from "../src/RiskEngine.js"
import {
  ACCOUNT,
  account,
  detached,
  detachedWithoutStore,
  EngineFakes,
  MES,
  MNQ,
  order,
  OTHER,
  position,
  recorder,
  rules,
  settle,
  statusOf,
  storeLayer,
  verdict
} from "./utils/engineStack.js"

type Events = Parameters<AccountState.Service["applyAll"]>[0]
const apply = (...events: Array<Events extends Iterable<infer E> ? E : never>) =>
  Effect.flatMap(AccountState.AccountState, (s) => s.applyAll(events)).pipe(Effect.zipRight(settle))

const tick = (seconds = 1) => Effect.zipRight(TestClock.adjust(`${seconds} seconds`), settle)

const contract = (id: string) => ({ id, name: id, description: id, tickSize: 0.25, tickValue: 0.5, activeContract: true }) as never

describe("RiskEngine: memory", () => {
  it.effect("memory persisted and reloaded across a rebuild (saved only when the rules return a new object)", () => {
    const first = recorder()
    const second = recorder()
    const counting = (view: unknown, memory: { readonly [k: string]: unknown } | undefined) => {
      void view
      const n = Number(memory?.["n"] ?? 0)
      return n < 3 ? { memory: { n: n + 1 } } : {}
    }
    return Effect.gen(function*() {
      const store = yield* RuleState.RuleState
      yield* Effect.gen(function*() {
        yield* apply(account(ACCOUNT, 50_000))
        yield* tick(5)
      }).pipe(Effect.provide(detachedWithoutStore({ engine: { evaluate: rules(first, counting) } })))
      assert.deepStrictEqual(first.calls[0]!.memory, undefined, "nothing stored at first")
      assert.deepStrictEqual(Option.getOrUndefined(yield* store.get(ACCOUNT, "rules")), { n: 3 })
      yield* Effect.gen(function*() {
        yield* apply(account(ACCOUNT, 50_000))
      }).pipe(Effect.provide(detachedWithoutStore({ engine: { evaluate: rules(second, counting) } })))
      assert.deepStrictEqual(second.calls[0]!.memory, { n: 3 }, "reloaded at the account's start")
    }).pipe(Effect.provide(storeLayer))
  })

  it.effect("rules that throw leave the account degraded (never OK), and evaluating goes on", () => {
    const record = recorder()
    let fail = true
    return Effect.gen(function*() {
      const engine = yield* RiskEngine.RiskEngine
      yield* apply(account(ACCOUNT, 50_000))
      yield* tick(2)
      const degraded = yield* engine.health
      assert.deepStrictEqual(degraded, { _tag: "Degraded", reasons: [`${ACCOUNT}: the rules failed`] })
      assert.strictEqual((yield* statusOf(ACCOUNT))!.figures, undefined)
      fail = false
      yield* tick(1)
      assert.deepStrictEqual(yield* engine.health, { _tag: "Ok" })
    }).pipe(Effect.provide(detached({
      engine: {
        evaluate: rules(record, () => {
          if (fail) throw new Error("boom")
          return {}
        })
      }
    })))
  })
})

describe("RiskEngine: market data", () => {
  it.effect("quote needs follow positions and working orders, the union over all accounts", () => {
    const record = recorder()
    return Effect.gen(function*() {
      const fakes = yield* EngineFakes.EngineFakes
      const last = () => [...fakes.needs.at(-1)!].sort()
      yield* apply(account(ACCOUNT, 50_000), account(OTHER, 50_000))
      assert.deepStrictEqual(last(), [])
      yield* apply(position(ACCOUNT, MNQ, 1))
      assert.deepStrictEqual(last(), [MNQ])
      yield* apply(order(OTHER, 5, MES))
      assert.deepStrictEqual(last(), [MES, MNQ])
      yield* apply(position(ACCOUNT, MNQ, 0))
      assert.deepStrictEqual(last(), [MES], "dropped when no longer needed")
      yield* apply(order(OTHER, 5, MES, 3))
      assert.deepStrictEqual(last(), [])
    }).pipe(Effect.provide(detached({ accounts: [ACCOUNT, OTHER], engine: { evaluate: rules(record) } })))
  })

  it.effect("regression: a slow MarketData.need held up every account's evaluation (now none waits; the newest union follows)", () => {
    const record = recorder()
    return Effect.gen(function*() {
      const fakes = yield* EngineFakes.EngineFakes
      yield* apply(account(ACCOUNT, 50_000), account(OTHER, 50_000))
      yield* fakes.holdNeed
      yield* apply(position(ACCOUNT, MNQ, 1))
      const asked = fakes.needs.length
      const n = record.of(OTHER).length
      yield* apply(position(OTHER, MES, 1, 2))
      yield* tick(2)
      assert.strictEqual(record.of(OTHER).length, n + 3, "the other account is evaluated while need hangs")
      assert.strictEqual(fakes.needs.length, asked, "one call at a time")
      yield* fakes.releaseNeed
      yield* settle
      assert.deepStrictEqual([...fakes.needs.at(-1)!].sort(), [MES, MNQ])
    }).pipe(Effect.provide(detached({ accounts: [ACCOUNT, OTHER], engine: { evaluate: rules(record) } })))
  })

  it.effect("the view: the account's own quotes and contracts, the bar price of a position whose quote is stale or missing, the hubs, the trading day", () => {
    const record = recorder()
    return Effect.gen(function*() {
      const fakes = yield* EngineFakes.EngineFakes
      const now = yield* TestClock.currentTimeMillis
      fakes.quotes.set(MNQ, { quote: { lastPrice: 21_000 }, receivedAt: now })
      fakes.quotes.set("CON.F.US.EP.Z26", { quote: { lastPrice: 6000 }, receivedAt: now })
      fakes.contracts.set(MNQ, contract(MNQ))
      fakes.barPriceOf.set(MES, { price: 6010, fetchedAt: now })
      fakes.hubs.user = now - 5000
      yield* apply(account(ACCOUNT, 50_000), position(ACCOUNT, MNQ, 1), position(ACCOUNT, MES, 1, 2))
      const view = record.of(ACCOUNT).at(-1)!.view
      assert.deepStrictEqual([...view.quotes.keys()], [MNQ])
      assert.deepStrictEqual([...view.contracts.keys()], [MNQ])
      assert.deepStrictEqual([...view.barPrices.entries()], [[MES, { price: 6010, fetchedAt: now }]])
      assert.deepStrictEqual([...new Set(fakes.barPriceAsked)], [MES], "only the contract without a fresh quote")
      assert.strictEqual(view.userHubDownSince, now - 5000)
      assert.strictEqual(view.marketHubDownSince, undefined)
      assert.isAtMost(view.dayStart, now)
      assert.isAbove(view.nextDayStart, now)
      assert.strictEqual(view.nextDayStart - view.dayStart, 24 * 3600_000)
      // 11 s later the MNQ quote is stale too (default maxQuoteAgeMs 10 s)
      yield* tick(11)
      assert.include(fakes.barPriceAsked, MNQ)
    }).pipe(Effect.provide(detached({ engine: { evaluate: rules(record) } })))
  })
})

describe("RiskEngine: status and health", () => {
  it.effect("DEGRADED with its reasons while data is stale (hub down, stale or missing quotes, a contract lookup failing); OK when fresh", () => {
    const record = recorder()
    return Effect.gen(function*() {
      const engine = yield* RiskEngine.RiskEngine
      const fakes = yield* EngineFakes.EngineFakes
      const start = yield* TestClock.currentTimeMillis
      yield* apply(account(ACCOUNT, 50_000))
      assert.deepStrictEqual(yield* engine.health, { _tag: "Ok" }, "flat, hubs up")
      fakes.quotes.set(MNQ, { quote: { lastPrice: 21_000 }, receivedAt: start })
      yield* apply(position(ACCOUNT, MNQ, 1), position(ACCOUNT, MES, 1, 2))
      assert.deepStrictEqual((yield* statusOf(ACCOUNT))!.degraded, [
        `no quote for ${MES}, no fallback price`,
        `no contract for ${MES}`,
        `no contract for ${MNQ}`
      ])
      fakes.contracts.set(MNQ, contract(MNQ))
      fakes.contracts.set(MES, contract(MES))
      fakes.barPriceOf.set(MES, { price: 6010, fetchedAt: start })
      fakes.hubs.market = start
      yield* tick(3)
      assert.deepStrictEqual(yield* engine.health, {
        _tag: "Degraded",
        reasons: [`${ACCOUNT}: market hub down since ${new Date(start).toISOString()}`, `${ACCOUNT}: no quote for ${MES}, priced from bars`]
      })
      yield* tick(8)
      assert.include((yield* statusOf(ACCOUNT))!.degraded, `quote of ${MNQ} is 11000 ms old, no fallback price`)
      fakes.hubs.market = undefined
      const now = yield* TestClock.currentTimeMillis
      fakes.quotes.set(MNQ, { quote: { lastPrice: 21_000 }, receivedAt: now })
      fakes.quotes.set(MES, { quote: { lastPrice: 6000 }, receivedAt: now })
      yield* tick(1)
      assert.deepStrictEqual(yield* engine.health, { _tag: "Ok" })
    }).pipe(Effect.provide(detached({ engine: { evaluate: rules(record) } })))
  })

  it.effect("status: figures, each rule's figure and limit, the lock, the mode, the last evaluation; changes streams it", () => {
    const record = recorder()
    return Effect.gen(function*() {
      const engine = yield* RiskEngine.RiskEngine
      const fakes = yield* EngineFakes.EngineFakes
      yield* fakes.hold(ACCOUNT)
      yield* apply(account(ACCOUNT, 50_000), account(OTHER, 40_000), position(ACCOUNT, MNQ, 1))
      yield* tick(1)
      const all = yield* engine.status
      assert.deepStrictEqual(all.map((s) => s.accountId), [ACCOUNT, OTHER])
      const mine = all[0]!
      assert.strictEqual(mine.mode, "enforce")
      assert.strictEqual(mine.figures!.balance, 50_000)
      assert.deepStrictEqual(mine.rules, [{
        rule: "dailyLossLimit",
        figure: -1200,
        limit: 1,
        breached: true,
        reason: "dailyLossLimit breached (-1200)"
      }])
      assert.strictEqual(mine.lock?.rule, "dailyLossLimit")
      assert.isTrue(mine.enforcing)
      assert.strictEqual(mine.evaluatedAt, yield* TestClock.currentTimeMillis)
      assert.isFalse(all[1]!.enforcing)
      yield* fakes.release(ACCOUNT)
      yield* tick(1)
      assert.isFalse((yield* statusOf(ACCOUNT))!.enforcing)
      const seen = yield* engine.changes.pipe(Stream.take(1), Stream.runCollect)
      assert.deepStrictEqual([...seen][0]!.map((s) => s.accountId), [ACCOUNT, OTHER])
    }).pipe(Effect.provide(detached({
      accounts: [ACCOUNT, OTHER],
      engine: {
        evaluate: rules(record, (view) => ({
          verdicts: [verdict("dailyLossLimit", view.positions.length > 0, [{ _tag: "Flatten", lock: { _tag: "Manual" } }], -1200)]
        }))
      }
    })))
  })
})

describe("RiskEngine: the trading day of the view", () => {
  it.effect("the view's day start moves at 17:00 Chicago though the engine caches the trading day (evaluated on every quote)", () => {
    const record = recorder()
    // 16:59:57 Chicago (CST, UTC-6) on 2 December 2026, before the engine starts
    return Effect.zipRight(TestClock.setTime(Date.parse("2026-12-02T22:59:57Z")), Effect.gen(function*() {
      yield* apply(account(ACCOUNT, 50_000))
      const before = record.of(ACCOUNT).at(-1)!.view
      assert.strictEqual(before.dayStart, Date.parse("2026-12-01T23:00:00Z"))
      assert.strictEqual(before.nextDayStart, Date.parse("2026-12-02T23:00:00Z"))
      yield* tick(3)
      const after = record.of(ACCOUNT).at(-1)!.view
      assert.strictEqual(after.now, Date.parse("2026-12-02T23:00:00Z"))
      assert.strictEqual(after.dayStart, Date.parse("2026-12-02T23:00:00Z"), "the boundary belongs to the new day")
      assert.strictEqual(after.nextDayStart, Date.parse("2026-12-03T23:00:00Z"))
    }).pipe(Effect.provide(detached({ engine: { evaluate: rules(record) } }))))
  })
})
