/**
 * RiskEngine when the store or the enforcement fails: the account keeps being evaluated and shows what is wrong
 * (detached AccountState, fakes, TestClock).
 */
import { assert, describe, it } from "@effect/vitest"
import * as SqlError from "@effect/sql/SqlError"
import { AccountState } from "@tradeguard/realtime"
import { EnforcementLog, RuleState } from "@tradeguard/store"
import * as Audit from "../src/Audit.js"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import { Enforcer } from "../src/Enforcer.js"
import * as RiskEngine from "../src/RiskEngine.js"
import * as Verdict from "../src/Verdict.js"
import { ACCOUNT, account, detachedWithoutStore, position, recorder, rules, settle, statusOf, storeLayer, verdict } from "./utils/engineStack.js"

const apply = (...events: Array<Parameters<AccountState.Service["apply"]>[0]>) =>
  Effect.flatMap(AccountState.AccountState, (s) => s.applyAll(events)).pipe(Effect.zipRight(settle))

const diskError = () => Effect.fail(new SqlError.SqlError({ cause: "disk I/O error", message: "disk I/O error" }))

/** A store whose rule state and enforcement log fail every call. */
const brokenStore = Layer.mergeAll(
  Layer.succeed(RuleState.RuleState, RuleState.RuleState.make({ get: diskError, put: diskError } as never)),
  Audit.layer.pipe(Layer.provide(
    Layer.succeed(EnforcementLog.EnforcementLog, EnforcementLog.EnforcementLog.make({ append: diskError, list: diskError } as never))
  ))
)

const breachWhileHolding = (view: { readonly positions: ReadonlyArray<unknown> }) => ({
  verdicts: [verdict("dailyLossLimit", view.positions.length > 0, [Verdict.flatten({ _tag: "NextTradingDay" })], -1200)],
  memory: { seen: view.positions.length }
})

describe("RiskEngine: failures", () => {
  it.effect("a rule state that cannot be loaded or saved degrades the account; the rules run without memory", () => {
    const record = recorder()
    return Effect.gen(function*() {
      yield* apply(account(ACCOUNT, 50_000))
      yield* TestClock.adjust("2 seconds")
      yield* settle
      assert.strictEqual(record.of(ACCOUNT)[0]!.memory, undefined)
      assert.deepStrictEqual((yield* statusOf(ACCOUNT))!.degraded, [
        "rule state could not be loaded",
        "rule state could not be saved"
      ])
      assert.strictEqual((yield* (yield* RiskEngine.RiskEngine).health)._tag, "Degraded")
    }).pipe(Effect.provide(detachedWithoutStore({ engine: { evaluate: rules(record, breachWhileHolding) } })), Effect.provide(brokenStore))
  })

  it.effect("monitor mode with an audit log that fails still decides and keeps evaluating", () => {
    const record = recorder()
    return Effect.gen(function*() {
      yield* apply(account(ACCOUNT, 50_000), position(ACCOUNT, "CON.F.US.MNQ.Z26", 1))
      const n = record.of(ACCOUNT).length
      yield* TestClock.adjust("2 seconds")
      yield* settle
      assert.strictEqual(record.of(ACCOUNT).length, n + 2)
      assert.strictEqual((yield* statusOf(ACCOUNT))!.rules[0]!.breached, true)
    }).pipe(
      Effect.provide(detachedWithoutStore({ risk: { mode: "monitor" }, engine: { evaluate: rules(record, breachWhileHolding) } })),
      Effect.provide(brokenStore)
    )
  })

  it.effect("an escalated or failing enforcement is logged and the account is decided again on new exposure", () => {
    const record = recorder()
    let calls = 0
    const enforcer = Layer.succeed(Enforcer, {
      enforce: () => ++calls === 1
        ? Effect.succeed({ _tag: "Escalated", id: "e1", at: 0, remaining: "1 position" } as const)
        : Effect.die("enforcer bug"),
      running: () => Effect.succeed(false),
      events: Stream.empty
    })
    return Effect.gen(function*() {
      yield* apply(account(ACCOUNT, 50_000), position(ACCOUNT, "CON.F.US.MNQ.Z26", 1))
      yield* apply(position(ACCOUNT, "CON.F.US.MNQ.Z26", 2))
      yield* TestClock.adjust("2 seconds")
      yield* settle
      assert.strictEqual(calls, 2)
      assert.isFalse((yield* statusOf(ACCOUNT))!.enforcing)
    }).pipe(
      Effect.provide(Layer.provide(RiskEngine.layerWith({ evaluate: rules(record, breachWhileHolding) }), enforcer).pipe(
        Layer.provideMerge(detachedWithoutStore({ engine: { evaluate: rules(recorder()) } })),
        Layer.provideMerge(storeLayer)
      ))
    )
  })
})
