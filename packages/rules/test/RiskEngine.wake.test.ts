/**
 * What wakes an account's evaluation: any change of its slice (account, positions, orders, trades) and a quote of a
 * contract it holds a position in; not a quote of a contract it only has resting orders in (no figure depends on
 * it), nor another account's change. The next evaluation still sees that quote.
 */
import { assert, describe, it } from "@effect/vitest"
import { AccountState, type HubEvent } from "@tradeguard/realtime"
import * as Effect from "effect/Effect"
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
})
