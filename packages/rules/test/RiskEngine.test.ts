/**
 * RiskEngine over a detached AccountState (the test applies the hub events), the fakes of the rules' services and
 * an in-memory store, under TestClock.
 */
import { assert, describe, it } from "@effect/vitest"
import { AccountState } from "@tradeguard/realtime"
import * as Audit from "../src/Audit.js"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import * as Verdict from "../src/Verdict.js"
import {
  ACCOUNT,
  account,
  detached,
  EngineFakes,
  MES,
  MNQ,
  order,
  OTHER,
  position,
  recorder,
  rules,
  settle,
  verdict
} from "./utils/engineStack.js"

const apply = (...events: Parameters<AccountState.Service["applyAll"]>[0] extends Iterable<infer E> ? Array<E> : never) =>
  Effect.flatMap(AccountState.AccountState, (s) => s.applyAll(events)).pipe(Effect.zipRight(settle))

const tick = (seconds = 1) => Effect.zipRight(TestClock.adjust(`${seconds} seconds`), settle)

const flattenAndLock = Verdict.flatten({ _tag: "NextTradingDay" })

/** Breached (flatten and lock) while the account holds a position. */
const lossWhileHolding = (view: { readonly positions: ReadonlyArray<unknown> }) => ({
  verdicts: [verdict("dailyLossLimit", view.positions.length > 0, [flattenAndLock], -1200)]
})

describe("RiskEngine: when it evaluates", () => {
  it.effect("nothing changing still re-evaluates every second (a time-based rule)", () => {
    const record = recorder()
    return Effect.gen(function*() {
      yield* apply(account(ACCOUNT, 50_000))
      const before = record.of(ACCOUNT).length
      assert.isAtLeast(before, 1)
      yield* tick(5)
      assert.strictEqual(record.of(ACCOUNT).length, before + 5)
      const times = record.of(ACCOUNT).slice(-5).map((c) => c.view.now)
      assert.deepStrictEqual(times.map((t) => t - times[0]!), [0, 1000, 2000, 3000, 4000])
    }).pipe(Effect.provide(detached({ engine: { evaluate: rules(record) } })))
  })

  it.effect("a change of a position re-evaluates at once, with the position in the view", () => {
    const record = recorder()
    return Effect.gen(function*() {
      yield* apply(account(ACCOUNT, 50_000))
      const before = record.of(ACCOUNT).length
      yield* apply(position(ACCOUNT, MNQ, 2))
      const after = record.of(ACCOUNT)
      assert.strictEqual(after.length, before + 1, "one evaluation, without the clock moving")
      assert.deepStrictEqual(after.at(-1)!.view.positions.map((p) => [p.contractId, p.size]), [[MNQ, 2]])
      assert.strictEqual(after.at(-1)!.view.balance, 50_000)
    }).pipe(Effect.provide(detached({ engine: { evaluate: rules(record) } })))
  })

  it.effect("any change of the account's slice re-evaluates (balance, order, quote of its contract); another account's change does not", () => {
    const record = recorder()
    return Effect.gen(function*() {
      yield* apply(account(ACCOUNT, 50_000), position(ACCOUNT, MNQ, 1))
      let n = record.of(ACCOUNT).length
      yield* apply(account(ACCOUNT, 49_900))
      assert.strictEqual(record.of(ACCOUNT).length, ++n, "balance")
      yield* apply(order(ACCOUNT, 7, MES))
      assert.strictEqual(record.of(ACCOUNT).length, ++n, "working order")
      yield* apply({ _tag: "Quote", contractId: MNQ, quote: { lastPrice: 21_001 }, reconciled: false })
      assert.strictEqual(record.of(ACCOUNT).length, ++n, "quote of its contract")
      yield* apply({ _tag: "Quote", contractId: "CON.F.US.EP.Z26", quote: { lastPrice: 6000 }, reconciled: false })
      assert.strictEqual(record.of(ACCOUNT).length, n, "a quote of a contract it does not hold")
      yield* apply(account(OTHER, 10_000), position(OTHER, MNQ, 3, 9))
      assert.strictEqual(record.of(ACCOUNT).length, n, "another account")
    }).pipe(Effect.provide(detached({ engine: { evaluate: rules(record) } })))
  })

  it.effect("accounts added while running get evaluated, on changes and every second", () => {
    const record = recorder()
    return Effect.gen(function*() {
      const fakes = yield* EngineFakes.EngineFakes
      yield* apply(account(ACCOUNT, 50_000), account(OTHER, 25_000))
      assert.strictEqual(record.of(OTHER).length, 0, "not watched yet")
      yield* fakes.addAccount(OTHER)
      yield* settle
      assert.isAtLeast(record.of(OTHER).length, 1)
      assert.strictEqual(record.of(OTHER).at(-1)!.view.balance, 25_000)
      const n = record.of(OTHER).length
      yield* apply(position(OTHER, MNQ, 1, 5))
      assert.strictEqual(record.of(OTHER).length, n + 1)
      yield* tick(2)
      assert.strictEqual(record.of(OTHER).length, n + 3)
    }).pipe(Effect.provide(detached({ engine: { evaluate: rules(record) } })))
  })
})

describe("RiskEngine: decisions", () => {
  it.effect("a breach calls enforce once per decision with the verdict's actions, after locking the account", () => {
    const record = recorder()
    return Effect.gen(function*() {
      const fakes = yield* EngineFakes.EngineFakes
      yield* apply(account(ACCOUNT, 50_000))
      assert.strictEqual(fakes.requests.length, 0, "no breach, nothing sent")
      yield* apply(position(ACCOUNT, MNQ, 1))
      yield* tick(3)
      assert.deepStrictEqual(fakes.events, [`lock:${ACCOUNT}:dailyLossLimit`, `enforce:${ACCOUNT}:dailyLossLimit`])
      const [request] = fakes.requests
      assert.deepStrictEqual(request!.actions, [flattenAndLock])
      assert.strictEqual(request!.reason, "dailyLossLimit breached (-1200)")
      assert.deepStrictEqual(fakes.locks.get(ACCOUNT)?.end, { _tag: "NextTradingDay" })
    }).pipe(Effect.provide(detached({ engine: { evaluate: rules(record, lossWhileHolding) } })))
  })

  it.effect("regression: the lock a breach sets does not make the next evaluation decide a second flatten (rule lock)", () => {
    const record = recorder()
    return Effect.gen(function*() {
      const fakes = yield* EngineFakes.EngineFakes
      yield* apply(account(ACCOUNT, 50_000), position(ACCOUNT, MNQ, 1))
      yield* tick(3)
      assert.deepStrictEqual(fakes.requests.map((r) => r.rule), ["dailyLossLimit"])
    }).pipe(Effect.provide(detached({ engine: { evaluate: rules(record, lossWhileHolding) } })))
  })

  it.effect("while the breach lasts, a new order or a bigger position is a new decision; a smaller one is not", () => {
    const record = recorder()
    return Effect.gen(function*() {
      const fakes = yield* EngineFakes.EngineFakes
      yield* apply(account(ACCOUNT, 50_000), position(ACCOUNT, MNQ, 2))
      assert.strictEqual(fakes.requests.length, 1)
      yield* apply(position(ACCOUNT, MNQ, 1))
      yield* tick(2)
      assert.strictEqual(fakes.requests.length, 1, "the position shrank (the flatten at work)")
      yield* apply(order(ACCOUNT, 11, MNQ))
      assert.strictEqual(fakes.requests.length, 2, "a new working order")
      yield* apply(position(ACCOUNT, MNQ, 3))
      assert.strictEqual(fakes.requests.length, 3, "a bigger position")
      yield* apply(position(ACCOUNT, MNQ, 0), order(ACCOUNT, 11, MNQ, 3))
      yield* tick(2)
      yield* apply(position(ACCOUNT, MNQ, 1))
      assert.strictEqual(fakes.requests.length, 4, "breached again after it ended")
      assert.deepStrictEqual(
        fakes.events.filter((e) => e.startsWith("lock:")),
        [`lock:${ACCOUNT}:dailyLossLimit`],
        "the rule's lock in force is not set again"
      )
    }).pipe(Effect.provide(detached({ engine: { evaluate: rules(record, lossWhileHolding) } })))
  })

  it.effect("verdicts with other actions are other decisions; a breach without actions decides nothing", () => {
    const record = recorder()
    return Effect.gen(function*() {
      const fakes = yield* EngineFakes.EngineFakes
      yield* apply(account(ACCOUNT, 50_000), position(ACCOUNT, MNQ, 4))
      yield* tick(2)
      assert.deepStrictEqual(fakes.requests.map((r) => [r.rule, r.actions]), [
        ["maxContracts", [Verdict.reduce(MNQ, 3)]]
      ])
      assert.strictEqual(fakes.locks.size, 0, "no lock for a reduce")
      yield* apply(position(ACCOUNT, MNQ, 5))
      assert.deepStrictEqual(fakes.requests.map((r) => [r.rule, r.actions]).at(-1), ["maxContracts", [Verdict.reduce(MNQ, 3)]])
    }).pipe(Effect.provide(detached({
      engine: {
        evaluate: rules(record, (view) => ({
          verdicts: [
            verdict("maxContracts", (view.positions[0]?.size ?? 0) > 3, [Verdict.reduce(MNQ, 3)]),
            { ...verdict("consistency", true, []), actions: [] }
          ]
        }))
      }
    })))
  })

  it.effect("a locked account with a new order -> enforce with the lock's actions (flatten, no new lock), once per new order", () => {
    const record = recorder()
    return Effect.gen(function*() {
      const fakes = yield* EngineFakes.EngineFakes
      fakes.locks.set(ACCOUNT, { rule: "dailyLossLimit", reason: "day PnL -1000", since: 0, end: { _tag: "Manual" }, until: undefined })
      yield* apply(account(ACCOUNT, 50_000))
      yield* tick(2)
      assert.strictEqual(fakes.requests.length, 0, "locked and flat: nothing to do")
      yield* apply(order(ACCOUNT, 21, MNQ))
      yield* tick(3)
      assert.strictEqual(fakes.requests.length, 1)
      const [request] = fakes.requests
      assert.strictEqual(request!.rule, "lock")
      assert.deepStrictEqual(request!.actions, [Verdict.flatten()])
      assert.deepStrictEqual(request!.figures["orders"], [21])
      assert.include(request!.reason, "locked by dailyLossLimit (day PnL -1000)")
      assert.deepStrictEqual(fakes.events, [`enforce:${ACCOUNT}:lock`], "the lock is not set again")
      yield* apply(position(ACCOUNT, MES, 1, 3))
      assert.strictEqual(fakes.requests.length, 2, "a position opened during the lock")
      assert.deepStrictEqual(fakes.requests[1]!.figures["positions"], [MES])
    }).pipe(Effect.provide(detached({ engine: { evaluate: rules(record) } })))
  })

  it.effect("monitor mode sends nothing and records every decision (audit action monitor)", () => {
    const record = recorder()
    return Effect.gen(function*() {
      const fakes = yield* EngineFakes.EngineFakes
      const audit = yield* Audit.Audit
      yield* apply(account(ACCOUNT, 50_000), position(ACCOUNT, MNQ, 1))
      yield* tick(3)
      yield* apply(order(ACCOUNT, 31, MNQ))
      yield* tick(2)
      assert.deepStrictEqual(fakes.events, [], "no lock, no enforcement")
      const entries = yield* audit.list({ accountId: ACCOUNT })
      assert.deepStrictEqual(entries.map((e) => [e.rule, e.kind, e.outcome]), [
        ["dailyLossLimit", "Decision", "monitor"],
        ["dailyLossLimit", "Decision", "monitor"]
      ])
      assert.strictEqual(entries[0]!.reason, "dailyLossLimit breached (-1200)")
      assert.strictEqual(entries[0]!.figures.figure, -1200)
      assert.deepStrictEqual(entries[0]!.figures.actions, [flattenAndLock])
    }).pipe(Effect.provide(detached({ risk: { mode: "monitor" }, engine: { evaluate: rules(record, lossWhileHolding) } })))
  })

  it.effect("one account's slow enforcement does not delay another account's evaluation or enforcement", () => {
    const record = recorder()
    return Effect.gen(function*() {
      const fakes = yield* EngineFakes.EngineFakes
      yield* fakes.hold(ACCOUNT)
      yield* apply(account(ACCOUNT, 50_000), account(OTHER, 50_000), position(ACCOUNT, MNQ, 1))
      assert.strictEqual(fakes.requestsOf(ACCOUNT).length, 1, "the slow one started")
      const mine = record.of(ACCOUNT).length
      const others = record.of(OTHER).length
      yield* tick(3)
      assert.strictEqual(record.of(ACCOUNT).length, mine + 3, "its own evaluation goes on while it enforces")
      assert.strictEqual(record.of(OTHER).length, others + 3)
      yield* apply(position(OTHER, MES, 1, 2))
      assert.strictEqual(fakes.requestsOf(OTHER).length, 1, "the other account is enforced at once")
      yield* fakes.release(ACCOUNT)
    }).pipe(Effect.provide(detached({ accounts: [ACCOUNT, OTHER], engine: { evaluate: rules(record, lossWhileHolding) } })))
  })
})
