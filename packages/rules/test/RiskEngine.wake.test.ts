/**
 * What wakes an account's evaluation: any change of its slice (account, positions, orders, trades) and a quote of a
 * contract it holds a position in; not a quote of a contract it only has resting orders in (no figure depends on
 * it), nor another account's change. The next evaluation still sees that quote. Whatever the timer, a position's
 * quote turning stale wakes it, then every 5 s while it stays stale (the REST fallback price may have moved).
 */
import { assert, describe, it } from "@effect/vitest"
import { AccountState, type HubEvent } from "@tradeguard/realtime"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import { ACCOUNT, account, detached, EngineFakes, MES, MNQ, order, OTHER, position, quote, recorder, rules, settle } from "./utils/engineStack.js"

const apply = (...events: Array<HubEvent.HubEvent>) =>
  Effect.flatMap(AccountState.AccountState, (s) => s.applyAll(events)).pipe(Effect.zipRight(settle))

/** A quote applied to AccountState (what wakes the engine) and answered by the fake MarketData. */
const priced = (contractId: string, lastPrice: number) =>
  Effect.flatMap(EngineFakes.EngineFakes, (fakes) => {
    fakes.quotes.set(contractId, { quote: { lastPrice }, receivedAt: 0 })
    return apply(quote(contractId, lastPrice))
  })

describe("RiskEngine: what wakes an evaluation", () => {
  it.effect("a quote of a contract with resting orders only: no evaluation; of a contract held: one each", () => {
    const record = recorder()
    return Effect.gen(function*() {
      yield* apply(account(ACCOUNT, 50_000), order(ACCOUNT, 1, MNQ))
      const evaluations = () => record.of(ACCOUNT).length
      const before = evaluations()
      assert.isAbove(before, 0, "the account was evaluated")

      for (let i = 1; i <= 5; i++) yield* priced(MNQ, 21_000 + i)
      assert.strictEqual(evaluations(), before, "the resting order's market moving changes no figure")

      yield* apply(order(ACCOUNT, 2, MNQ))
      assert.strictEqual(evaluations(), before + 1, "a new order is a change")
      assert.strictEqual(record.of(ACCOUNT).at(-1)!.view.quotes.get(MNQ)?.quote.lastPrice, 21_005, "and sees the newest quote")

      yield* apply(position(ACCOUNT, MES, 1))
      const held = evaluations()
      assert.strictEqual(held, before + 2, "a position is a change")
      yield* priced(MES, 6_001)
      yield* priced(MES, 6_002)
      assert.strictEqual(evaluations(), held + 2, "each quote of the contract held is evaluated")
      yield* priced(MNQ, 21_100)
      assert.strictEqual(evaluations(), held + 2, "the other contract's quote still wakes nothing")

      yield* apply(position(ACCOUNT, MES, 0))
      const flat = evaluations()
      yield* priced(MES, 6_003)
      assert.strictEqual(evaluations(), flat, "flat again: its quotes wake nothing")
    }).pipe(Effect.provide(detached({ engine: { evaluate: rules(record) } })))
  })

  it.effect("another account's change wakes only that account", () => {
    const record = recorder()
    return Effect.gen(function*() {
      yield* apply(account(ACCOUNT, 50_000), account(OTHER, 50_000))
      const mine = record.of(ACCOUNT).length
      const theirs = record.of(OTHER).length
      yield* apply(order(OTHER, 7, MNQ))
      yield* apply(position(OTHER, MNQ, 1))
      assert.strictEqual(record.of(ACCOUNT).length, mine)
      assert.strictEqual(record.of(OTHER).length, theirs + 2)
    }).pipe(Effect.provide(detached({ accounts: [ACCOUNT, OTHER], engine: { evaluate: rules(record) } })))
  })

  it.effect("a long timer: a position's quote turning stale wakes the account, then every 5 s while it stays stale", () => {
    const record = recorder()
    const after = (millis: number) => Effect.zipRight(TestClock.adjust(`${millis} millis`), settle)
    return Effect.gen(function*() {
      const fakes = yield* EngineFakes.EngineFakes
      const asked = () => fakes.barPriceAsked.filter((c) => c === MES).length
      fakes.quotes.set(MES, { quote: { lastPrice: 6_000 }, receivedAt: 0 })
      yield* apply(account(ACCOUNT, 50_000), position(ACCOUNT, MES, 1), quote(MES, 6_000))
      const evaluations = () => record.of(ACCOUNT).length
      const fresh = evaluations()

      yield* after(10_000)
      assert.strictEqual(evaluations(), fresh, "10 s old: still fresh, nothing to look at")
      assert.strictEqual(asked(), 0)
      yield* after(1)
      assert.strictEqual(evaluations(), fresh + 1, "the quote turned stale: evaluated at once, not at the minute")
      assert.strictEqual(asked(), 1, "and priced from the fallback")
      yield* after(4_999)
      assert.strictEqual(asked(), 1)
      yield* after(1)
      assert.strictEqual(asked(), 2, "looked at again 5 s later while the quote stays stale")
      yield* after(10_000)
      assert.strictEqual(asked(), 4, "and every 5 s")

      // a fresh quote (at 25,001 ms): the next look is when it turns stale
      fakes.quotes.set(MES, { quote: { lastPrice: 6_001 }, receivedAt: 25_001 })
      yield* apply(quote(MES, 6_001))
      const quoted = asked()
      yield* after(10_000)
      assert.strictEqual(asked(), quoted, "fresh again: no fallback price asked")
      yield* after(1)
      assert.strictEqual(asked(), quoted + 1, "until that quote turns stale in turn")

      // flat: nothing held, nothing to look at before the timer
      yield* apply(position(ACCOUNT, MES, 0))
      yield* after(5_000) // the look set while the position was held still comes, once
      const flat = evaluations()
      yield* after(19_000) // (the timer's minute comes at 60 s)
      assert.strictEqual(evaluations(), flat, "no position: only the timer (a minute) wakes the account")
    }).pipe(Effect.provide(detached({ engine: { evaluate: rules(record), interval: "1 minute" } })))
  })
})
