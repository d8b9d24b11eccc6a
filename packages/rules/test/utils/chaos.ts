/**
 * The seed's chaos tests 4 and 5 with the rules running: the whole guard (`Guard.layer`: engine, enforcer,
 * locks, audit, market data, accounts, their store) over the OrderManager, an in-memory SQLite store and the
 * in-process simulator's whole stack (TestStack, TestClock). A trial is drawn from one seeded PRNG, so a seed
 * names one trial exactly; what is asserted is what a user would see at the simulator (the ground truth):
 * flat, locked, one close per position, no duplicate order.
 */
import { Enums } from "@tradeguard/gateway"
import { OrderConfig, OrderManager } from "@tradeguard/orders"
import { ResilientGateway } from "@tradeguard/resilience"
import { Simulator } from "@tradeguard/simulator"
import { Database, OrderIntents } from "@tradeguard/store"
import { TestStack, Seeds } from "@tradeguard/testing"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Guard from "../../src/Guard.js"
import * as Locks from "../../src/Locks.js"
import * as RiskConfig from "../../src/RiskConfig.js"

export const ACCOUNT = TestStack.demoAccountId
export const MNQ = "CON.F.US.MNQ.Z26"
/** The daily loss limit of the trials, dollars. */
export const LIMIT = 500
/** The position the trader holds when the market moves against it. */
export const SIZE = 2
/** Where the price is pinned before the trial (a whole number of MNQ ticks). */
export const START_PRICE = 21_000

/** mulberry32: a small seeded PRNG in [0, 1) (the test kit's). */
export const prng = Seeds.prng

/** An integer in [min, max] drawn from `r`. */
export const int = (r: () => number, min: number, max: number) => min + Math.floor(r() * (max - min + 1))

/** The `risk:` section of the trials: the daily loss limit on the demo account. */
export const risk = Schema.decodeUnknownSync(RiskConfig.RiskConfigSchema)({
  accounts: [ACCOUNT],
  defaults: { dailyLossLimit: { amount: LIMIT } }
})

/** One call the guard (or the OrderManager) made through the ResilientGateway, with its simulated times. */
export interface Call {
  readonly endpoint: string
  readonly priority: string
  readonly start: number
  end?: number
  outcome?: string
}

/** The calls the guard and the OrderManager made, in order (the other program's flood is not in it). */
export class Calls extends Context.Tag("@tradeguard/rules/test/ChaosCalls")<Calls, Array<Call>>() {}

/** The stack's ResilientGateway itself (not recorded): what another program sharing the limiter calls. */
export class SharedGateway extends Context.Tag("@tradeguard/rules/test/SharedGateway")<SharedGateway, ResilientGateway.Service>() {}

/** Wraps the stack's ResilientGateway for what is built over it: every call recorded with its times and outcome. */
const spy = Layer.effectContext(
  Effect.gen(function*() {
    const inner = yield* ResilientGateway.ResilientGateway
    const log: Array<Call> = []
    const record = <A, E>(endpoint: string, options: ResilientGateway.CallOptions | undefined, effect: Effect.Effect<A, E>) =>
      Effect.gen(function*() {
        const call: Call = { endpoint, priority: options?.priority ?? "default", start: yield* Clock.currentTimeMillis }
        log.push(call)
        return yield* effect.pipe(Effect.onExit((exit) =>
          Effect.map(Clock.currentTimeMillis, (end) => {
            call.end = end
            call.outcome = exit._tag === "Success" ? "ok" : String((exit.cause as { error?: { _tag?: string } }).error?._tag ?? "died")
          })
        ))
      })
    const wrapped = Object.fromEntries(
      Object.entries(inner).map(([endpoint, method]) =>
        endpoint === "call"
          ? [endpoint, (e: { name: string }, request: unknown, options?: ResilientGateway.CallOptions) =>
            record(e.name, options, inner.call(e as never, request as never, options))]
          : [endpoint, (request: unknown, options?: ResilientGateway.CallOptions) =>
            record(endpoint, options, (method as (r: unknown, o?: unknown) => Effect.Effect<unknown>)(request, options))]
      )
    ) as unknown as ResilientGateway.Service
    return Context.make(ResilientGateway.ResilientGateway, wrapped).pipe(Context.add(Calls, log), Context.add(SharedGateway, inner))
  })
)

/** The guard's calls, one a line (endpoint, priority, simulated start-end, outcome), for a failure message. */
export const callsText = Effect.map(Calls, (calls) =>
  calls.map((c) => `${c.endpoint} ${c.priority} ${c.start}-${c.end ?? "..."} ${c.outcome ?? "running"}`).join("\n"))

/**
 * The guard over the OrderManager, an in-memory store and the simulator's stack (seeded with `seed`),
 * with `config` laid over the stack config (resilience keys: the rate limit, the breaker).
 */
export const layer = (seed: number, config: TestStack.Options["config"] = {}) =>
  Guard.layer(risk).pipe(
    Layer.provideMerge(OrderManager.layer),
    Layer.provideMerge(OrderConfig.layer({})),
    Layer.provideMerge(OrderIntents.layer),
    Layer.provideMerge(Database.layerMemory()),
    Layer.provideMerge(spy),
    Layer.provideMerge(TestStack.layer({ simulator: { seed }, config }))
  )

/** The simulator's ground truth of the demo account. */
export const truth = Effect.flatMap(Simulator.Simulator, (s) => Effect.orDie(s.exchange.peek(ACCOUNT)))

/** Flat at the simulator (no open position, no order in status 1, 6, 7 or 8) and locked in the guard. */
export const flatAndLocked = Effect.gen(function*() {
  const t = yield* truth
  const flat = t.positions.every((p) => p.size === 0) && t.orders.every((o) => ![1, 6, 7, 8].includes(o.status))
  const lock = yield* (yield* Locks.Locks).active(ACCOUNT)
  return flat && lock?.rule === "dailyLossLimit"
})

/**
 * What the trader does from another front-end before the trial: the price pinned, a market buy of
 * {@link SIZE} and a resting limit buy far below the market (the flatten must cancel it too); then the
 * guard gets a few seconds to see the position and subscribe its quotes. Returns the resting order's id.
 */
export const openPosition = Effect.gen(function*() {
  const sim = yield* Simulator.Simulator
  yield* Effect.orDie(sim.exchange.setPrice(MNQ, START_PRICE))
  const owner = yield* Effect.orDie(sim.exchange.ownerOf(ACCOUNT))
  const place = (request: { readonly type: number; readonly size: number; readonly limitPrice?: number }) =>
    Effect.orDie(sim.exchange.place(owner, { accountId: ACCOUNT, contractId: MNQ, side: Enums.OrderSide.Bid, ...request } as never))
  yield* place({ type: Enums.OrderType.Market, size: SIZE })
  const resting = yield* place({ type: Enums.OrderType.Limit, size: 1, limitPrice: START_PRICE - 200 })
  yield* TestStack.advance("5 seconds", "1 second")
  return resting
})

/** The price that takes the day's loss of the position past the limit (by about 100 dollars). */
export const breachPrice = Effect.gen(function*() {
  const spec = yield* Effect.orDie((yield* Simulator.Simulator).exchange.contractById(MNQ))
  const ticks = Math.ceil((LIMIT + 100) / SIZE / spec.tickValue)
  return START_PRICE - ticks * spec.tickSize
})

/** Moves the market against the position: the breach. Returns its simulated time. */
export const breach = Effect.gen(function*() {
  const sim = yield* Simulator.Simulator
  yield* Effect.orDie(sim.exchange.setPrice(MNQ, yield* breachPrice))
  return yield* Clock.currentTimeMillis
})

/**
 * Lets simulated time pass in `stepMillis` steps until `until` (simulated ms), and returns the first time
 * the account was flat at the simulator and locked (undefined: never).
 */
export const firstFlatAndLocked = (until: number, stepMillis = 1000) =>
  Effect.gen(function*() {
    let first: number | undefined
    for (;;) {
      const now = yield* Clock.currentTimeMillis
      if (first === undefined && (yield* flatAndLocked)) first = now
      if (now >= until) return first
      yield* TestStack.advance(`${Math.min(stepMillis, until - now)} millis`, `${stepMillis} millis`)
    }
  })

/**
 * What the user sees after the trial: the orders placed since `since` (the guard's closes: one per
 * position), the resting order's final status, the position's size, and the lock.
 */
export const outcome = (since: number, restingId: number) =>
  Effect.gen(function*() {
    const t = yield* truth
    const placedSince = t.orders.filter((o) => Date.parse(o.creationTimestamp) >= since && o.id !== restingId)
    return {
      placedSince,
      resting: t.orders.find((o) => o.id === restingId)?.status,
      openPositions: t.positions.filter((p) => p.size !== 0),
      lock: yield* (yield* Locks.Locks).active(ACCOUNT)
    }
  })

/**
 * Another program sharing the client's limiter (the same ResilientGateway): `initial` normal-priority reads at
 * once, then `perSecond` each simulated second for `seconds`, each fired and forgotten in the scope (its failures ignored). Run it forked.
 */
export const readFlood = (initial: number, perSecond: number, seconds: number) =>
  Effect.gen(function*() {
    const gw = yield* SharedGateway
    const read = (i: number): Effect.Effect<unknown, unknown> =>
      i % 3 === 0
        ? gw.positionSearchOpen({ accountId: ACCOUNT })
        : i % 3 === 1
        ? gw.orderSearchOpen({ accountId: ACCOUNT })
        : gw.accountSearch({ onlyActiveAccounts: true })
    for (let i = 0; i < initial; i++) yield* Effect.forkScoped(Effect.ignore(read(i)))
    for (let s = 0; s < seconds; s++) {
      yield* Effect.sleep("1 second")
      for (let i = 0; i < perSecond; i++) yield* Effect.forkScoped(Effect.ignore(read(i)))
    }
  })
