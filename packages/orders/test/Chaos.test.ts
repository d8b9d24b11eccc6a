/**
 * The seed's chaos test 1: faults at random points of order placement. One seeded trial per seed, in-process
 * under TestClock, each on its own fresh stack, store and manager: 8-20 intents (market and limit orders,
 * some with brackets, now and then one the exchange rejects) submitted through the OrderManager over 2-5
 * phases, each phase under its own fault plan (`utils/chaos.ts`: 5xx before the endpoint runs, applied
 * then the reply dropped, applied then 5xx, a stall past the request timeout, mixes; Order/search failing
 * or slow; in every other trial and in the regression cases the user hub losing events too). Then the faults heal, simulated time passes until every intent
 * is settled (re-checks run), and every intent is checked against the simulator's ground truth
 * (`sim.exchange.peek`): no duplicate, no lost order, the store agrees.
 *
 * The seeds come from the outside (`TRADEGUARD_CHAOS_SEEDS=7,42`, or `pnpm chaos:seeds --scenario chaos1
 * --seeds <n | list>`); by default (CI) 100 of `Seeds.seedList`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Enums, type Models } from "@tradeguard/gateway"
import { Simulator } from "@tradeguard/simulator"
import { OrderIntents } from "@tradeguard/store"
import { TestStack, Seeds } from "@tradeguard/testing"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import type { Outcome, RecordedOutcome } from "../src/OrderIntent.js"
import { parseTag } from "../src/OrderIntent.js"
import * as OrderManager from "../src/OrderManager.js"
import { outcomeOf } from "../src/internal/persist.js"
import { type IntentSpec, requestOf, trialOf } from "./utils/chaos.js"
import { ACCOUNT, layer, MNQ } from "./utils/stack.js"

/** The CI run: 100 seeds. */
const SEEDS = Seeds.chaosSeeds(Seeds.seedList(100))

/** How long (simulated) the healed trial may take to settle every intent before it fails. */
const maxSettleSeconds = 600
/**
 * The steps simulated time moves in: under the faults, half a verification round (fibers run between
 * steps, so shorter ones interleave more and cost more wall time); once healed, one round.
 */
const faultStep = "5 seconds"
const healedStep = "5 seconds"

/** What the trials saw, across seeds (the last test checks the faults were not all missed). */
const tally = { trials: 0, intents: 0, answeredVerifying: 0, placed: 0, rejected: 0, failed: 0, bracketLegs: 0 }

/** Every difference between the store (and the callers' answers) and the simulator's ground truth. */
const problemsOf = (
  specs: ReadonlyArray<IntentSpec>,
  answers: ReadonlyMap<string, Exit.Exit<Outcome, unknown>>,
  rows: ReadonlyMap<string, { readonly outcome: Option.Option<RecordedOutcome>; readonly attempts: ReadonlyArray<OrderIntents.Attempt> }>,
  orders: ReadonlyArray<Models.Order>
): Array<string> => {
  const problems: Array<string> = []
  const keys = new Set(specs.map((s) => s.key))
  const byKey = new Map<string, Array<Models.Order>>()
  for (const o of orders) {
    const parsed = parseTag(o.customTag ?? "")
    if (Option.isNone(parsed) || !keys.has(parsed.value.key)) {
      if ((o.customTag ?? "").startsWith("chaos1-")) problems.push(`order ${o.id} (${o.customTag}) belongs to no intent`)
      continue
    }
    byKey.set(parsed.value.key, [...(byKey.get(parsed.value.key) ?? []), o])
  }
  for (const spec of specs) {
    const key = spec.key
    const mine = byKey.get(key) ?? []
    const entries = mine.filter((o) => Option.exists(parseTag(o.customTag ?? ""), (t) => t.leg === undefined))
    const legs = mine.filter((o) => Option.exists(parseTag(o.customTag ?? ""), (t) => t.leg !== undefined))
    if (entries.length > 1) problems.push(`${key}: duplicate orders ${entries.map((o) => `${o.id} (${o.customTag})`).join(", ")}`)
    for (const leg of legs) {
      const parent = entries.find((e) => e.id === leg.parentOrderId)
      if (parent === undefined || !(leg.customTag ?? "").startsWith(`${parent.customTag}-`)) {
        problems.push(`${key}: bracket leg ${leg.id} (${leg.customTag}) is not a child of the intent's entry order`)
      }
    }
    const answer = answers.get(key)
    if (answer === undefined || Exit.isFailure(answer)) problems.push(`${key}: submit did not answer (${answer === undefined ? "still running" : "failed"})`)
    const row = rows.get(key)
    const outcome = row?.outcome ?? Option.none()
    if (Option.isNone(outcome)) {
      problems.push(`${key}: no outcome stored`)
      continue
    }
    const o = outcome.value
    switch (o._tag) {
      case "Verifying":
        problems.push(`${key}: still Verifying after the faults healed and re-checks ran`)
        break
      case "Placed": {
        const entry = entries.find((e) => e.id === o.orderId)
        if (entry === undefined) problems.push(`${key}: stored Placed with order ${o.orderId} (${o.customTag}), which the simulator does not have (lost)`)
        else if (entry.customTag !== o.customTag) problems.push(`${key}: order ${o.orderId} carries ${entry.customTag}, the store says ${o.customTag}`)
        for (const e of entries) if (e.id !== o.orderId) problems.push(`${key}: order ${e.id} (${e.customTag}) is not the stored order ${o.orderId}`)
        const attempt = row!.attempts.find((a) => a.customTag === o.customTag)
        if (attempt?.gatewayOrderId !== o.orderId) problems.push(`${key}: attempt ${o.customTag} has gateway order id ${attempt?.gatewayOrderId}, not ${o.orderId}`)
        if (entry !== undefined && entry.type === Enums.OrderType.Market && entry.status === Enums.OrderStatus.Filled && attempt?.fillVolume !== entry.fillVolume) {
          problems.push(`${key}: market order ${entry.id} filled ${entry.fillVolume}, the store says ${attempt?.fillVolume}`)
        }
        if (answer !== undefined && Exit.isSuccess(answer) && answer.value._tag === "Placed" && answer.value.orderId !== o.orderId) {
          problems.push(`${key}: the caller was told order ${answer.value.orderId}, the store says ${o.orderId}`)
        }
        break
      }
      case "Rejected":
      case "Failed":
        for (const e of mine) problems.push(`${key}: stored ${o._tag} but order ${e.id} (${e.customTag}) is on the simulator (lost)`)
        if (spec.kind !== "offTick" && o._tag === "Rejected" && o.errorCode !== 2) problems.push(`${key}: a valid request was Rejected (${o.errorCode} ${o.message ?? ""})`)
        break
    }
    if (spec.kind === "offTick" && o._tag === "Placed") problems.push(`${key}: an off-tick limit was Placed`)
  }
  return problems
}

/** One trial: submit the seed's intents under its faults, heal, settle, compare with the simulator. */
const trial = (seed: number, options: { readonly loseHubEvents?: boolean } = {}) =>
  Effect.gen(function*() {
    const sim = yield* Simulator.Simulator
    const manager = yield* OrderManager.OrderManager
    const repo = yield* OrderIntents.OrderIntents
    const contract = yield* Effect.orDie(sim.exchange.contractById(MNQ))
    const specs: Array<IntentSpec> = []
    const fibers = new Map<string, Fiber.RuntimeFiber<Outcome, unknown>>()
    for (const phase of trialOf(seed, options)) {
      yield* sim.setFaults(phase.plan)
      for (const spec of phase.intents) {
        const q = yield* Effect.orDie(sim.exchange.quote(MNQ))
        const touch = { bid: q.bestBid ?? q.lastPrice ?? 20_000, ask: q.bestAsk ?? q.lastPrice ?? 20_000 }
        const request = requestOf(spec, touch, contract.tickSize, ACCOUNT, MNQ)
        specs.push(spec)
        fibers.set(spec.key, yield* Effect.fork(manager.submit({ key: spec.key, request })))
        yield* TestStack.advance(phase.gapMillis, faultStep)
      }
      yield* TestStack.advance(phase.afterMillis, faultStep)
    }
    yield* sim.setFaults({})
    const pending = Effect.gen(function*() {
      const out: Array<string> = []
      for (const s of specs) {
        const answered = Option.isSome(yield* Fiber.poll(fibers.get(s.key)!))
        const o = yield* Effect.orDie(manager.outcome(s.key))
        if (!answered || Option.isNone(o) || o.value._tag === "Verifying") out.push(s.key)
      }
      return out
    })
    let left = yield* pending
    for (let i = 0; left.length > 0 && i < maxSettleSeconds / 5; i++) {
      yield* TestStack.advance(healedStep)
      left = yield* pending
    }
    // the hub's last fills reach the store; an order whose hub events were lost is looked up (a lookup that
    // timed out while the faults were on is tried again a verification.timeout later): two rounds of it
    yield* TestStack.advance("20 seconds", healedStep)
    const answers = new Map<string, Exit.Exit<Outcome, unknown>>()
    for (const [key, fiber] of fibers) {
      const exit = yield* Fiber.poll(fiber)
      if (Option.isSome(exit)) answers.set(key, exit.value)
    }
    const rows = new Map<string, { outcome: Option.Option<RecordedOutcome>; attempts: ReadonlyArray<OrderIntents.Attempt> }>()
    for (const s of specs) {
      const row = yield* Effect.orDie(repo.find(s.key))
      rows.set(s.key, { outcome: Option.flatMap(row, outcomeOf), attempts: yield* Effect.orDie(repo.attempts(s.key)) })
    }
    const truth = yield* Effect.orDie(sim.exchange.peek(ACCOUNT))
    const problems = problemsOf(specs, answers, rows, truth.orders)
    tally.trials++
    tally.intents += specs.length
    for (const a of answers.values()) if (Exit.isSuccess(a) && a.value._tag === "Verifying") tally.answeredVerifying++
    for (const r of rows.values()) {
      if (Option.isSome(r.outcome) && r.outcome.value._tag === "Placed") tally.placed++
      if (Option.isSome(r.outcome) && r.outcome.value._tag === "Rejected") tally.rejected++
      if (Option.isSome(r.outcome) && r.outcome.value._tag === "Failed") tally.failed++
    }
    tally.bracketLegs += truth.orders.filter((o) => /^chaos1-\d+\.\d+-(SL|TP)$/.test(o.customTag ?? "")).length
    if (left.length > 0) problems.unshift(`not settled after ${maxSettleSeconds} s healed: ${left.join(", ")}`)
    if (problems.length > 0) assert.fail(`seed ${seed}: ${problems.join("; ")}`)
  })

/** Seeds that found a defect, each run as its own test named after what broke (whatever the seed sequence). */
const regressions: ReadonlyArray<{ readonly seed: number; readonly loseHubEvents: boolean; readonly broke: string }> = [
  {
    seed: 2133077533,
    loseHubEvents: true,
    broke: "an order adopted while Order/search was slow and the hub lost its events never got its fills in the store (one lookup, not retried)"
  },
  {
    seed: 1723448160,
    loseHubEvents: true,
    broke: "with lost hub events, a market order's fills reach the store only through the lookup retried after a timed-out one (the check must wait two rounds)"
  }
]

/** A fresh stack, store and manager for one trial, the simulator seeded with the trial's seed. */
const trialLayer = (seed: number) => layer({ stack: { simulator: { seed } } })

describe("chaos", () => {
  for (const seed of SEEDS) {
    it.effect(`1. faults at random points of order placement: no duplicate, no lost order, the store agrees with the simulator (seed ${seed})`, () =>
      // every other trial also loses user-hub events: then only the lookups tell what happened
      trial(seed, { loseHubEvents: seed % 2 === 0 }).pipe(Effect.provide(trialLayer(seed))))
  }

  for (const r of regressions) {
    it.effect(`chaos 1 regression (seed ${r.seed}): ${r.broke}`, () =>
      trial(r.seed, { loseHubEvents: r.loseHubEvents }).pipe(Effect.provide(trialLayer(r.seed))))
  }

  it("1. the trials met the faults they are about (Verifying answers, rejections, brackets)", () => {
    if (tally.trials < 50) return // a filtered run (pnpm chaos:seeds with a few seeds) proves nothing here
    assert.isAbove(tally.answeredVerifying, 0, JSON.stringify(tally))
    assert.isAbove(tally.rejected, 0, JSON.stringify(tally))
    assert.isAbove(tally.bracketLegs, 0, JSON.stringify(tally))
    assert.isAbove(tally.placed, tally.intents / 2, JSON.stringify(tally))
  })
})
