/**
 * RiskEngine's `coalesce` option (the daemon's 20 ms): a stream of quotes faster than the pause is evaluated on its
 * newest price, at most once per pause and account, never on a stale one; without the option every change is
 * evaluated at once (RiskEngine.test.ts).
 */
import { assert, describe, it } from "@effect/vitest"
import { AccountState, HubEvent } from "@tradeguard/realtime"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import type { AccountView } from "../src/AccountView.js"
import * as Verdict from "../src/Verdict.js"
import { ACCOUNT, account, detached, EngineFakes, MNQ, position, recorder, rules, settle, verdict } from "./utils/engineStack.js"

const apply = (...events: Array<HubEvent.HubEvent>) =>
  Effect.flatMap(AccountState.AccountState, (s) => s.applyAll(events)).pipe(Effect.zipRight(settle))

/** A quote of MNQ: applied to AccountState (what wakes the engine) and answered by the fake MarketData. */
const quote = (lastPrice: number) =>
  Effect.flatMap(EngineFakes.EngineFakes, (fakes) => {
    fakes.quotes.set(MNQ, { quote: { lastPrice }, receivedAt: 0 })
    return apply(HubEvent.quote(MNQ, { lastPrice }))
  })

const after = (millis: number) => Effect.zipRight(TestClock.adjust(`${millis} millis`), settle)

/** The last price of MNQ each evaluation saw. */
const pricesSeen = (record: ReturnType<typeof recorder>) =>
  record.of(ACCOUNT).map((c) => c.view.quotes.get(MNQ)?.quote.lastPrice)

/** Breached (flatten) once MNQ's last price is below 20,000. */
const belowTwentyThousand = (view: AccountView) => ({
  verdicts: [
    verdict("positionMaxLoss", (view.quotes.get(MNQ)?.quote.lastPrice ?? Infinity) < 20_000, [Verdict.flatten()], -1)
  ]
})

describe("RiskEngine: coalescing changes (option coalesce)", () => {
  it.effect("a burst of quotes within the pause: one evaluation at once, then one on the newest price after it", () => {
    const record = recorder()
    return Effect.gen(function*() {
      yield* apply(account(ACCOUNT, 50_000), position(ACCOUNT, MNQ, 1))
      yield* after(20)
      const before = record.of(ACCOUNT).length
      for (let i = 1; i <= 100; i++) yield* quote(21_000 + i)
      assert.strictEqual(record.of(ACCOUNT).length, before + 1, "the first quote is evaluated at once, the rest wait")
      assert.strictEqual(pricesSeen(record).at(-1), 21_001)
      yield* after(20)
      assert.strictEqual(record.of(ACCOUNT).length, before + 2, "one evaluation for the other 99")
      assert.strictEqual(pricesSeen(record).at(-1), 21_100, "on the newest price")
      yield* after(20)
      assert.strictEqual(record.of(ACCOUNT).length, before + 2, "nothing new: nothing evaluated (until the 1 s timer)")
    }).pipe(Effect.provide(detached({ engine: { evaluate: rules(record), coalesce: "20 millis" } })))
  })

  it.effect("a breach reached inside a burst is enforced after the pause, on the newest price", () => {
    const record = recorder()
    return Effect.gen(function*() {
      const fakes = yield* EngineFakes.EngineFakes
      yield* apply(account(ACCOUNT, 50_000), position(ACCOUNT, MNQ, 1))
      yield* quote(21_000)
      yield* after(20)
      yield* quote(20_500)
      for (const p of [20_200, 19_990, 19_950]) yield* quote(p)
      assert.strictEqual(fakes.requests.length, 0, "not yet: the breaching quotes came within the pause")
      yield* after(20)
      assert.deepStrictEqual(fakes.requests.map((r) => r.rule), ["positionMaxLoss"], "enforced on the newest price")
      assert.strictEqual(pricesSeen(record).at(-1), 19_950)
    }).pipe(Effect.provide(detached({ engine: { evaluate: rules(record, belowTwentyThousand), coalesce: "20 millis" } })))
  })

  it.effect("without the option, every quote is evaluated at once", () => {
    const record = recorder()
    return Effect.gen(function*() {
      yield* apply(account(ACCOUNT, 50_000), position(ACCOUNT, MNQ, 1))
      const before = record.of(ACCOUNT).length
      for (let i = 1; i <= 5; i++) yield* quote(21_000 + i)
      assert.strictEqual(record.of(ACCOUNT).length, before + 5)
      assert.deepStrictEqual(pricesSeen(record).slice(-5), [21_001, 21_002, 21_003, 21_004, 21_005])
    }).pipe(Effect.provide(detached({ engine: { evaluate: rules(record) } })))
  })
})
