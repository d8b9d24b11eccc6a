/**
 * The whole guard (`Guard.layer`: RiskEngine, Enforcer, Locks, Audit, MarketData, Accounts and their store) with the
 * OrderManager over the in-process simulator's stack (TestStack, TestClock), from a `risk:` config input, plus what
 * the acceptance tests do and check: another front-end's trades (straight on the exchange), price moves, the log of
 * what tradeguard sent, the ground truth's Flat, and a rebuild of the guard over the same SQLite file (a restart).
 */
import { Enums } from "@tradeguard/gateway"
import { OrderConfig, OrderManager } from "@tradeguard/orders"
import type { Options as SimulatorOptions } from "@tradeguard/simulator"
import { Database, OrderIntents, StoreConfig } from "@tradeguard/store"
import { TestStack } from "@tradeguard/testing"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Guard from "../../src/Guard.js"
import { Locks } from "../../src/Locks.js"
import { RiskConfigSchema } from "../../src/RiskConfig.js"
import { type Call, calls, flatAtSimulator, placeDirectly, sim, spy } from "./enforcement.js"

export { ACCOUNT, MES, MNQ, OTHER, tempDir, truth } from "./enforcement.js"

/** A `risk:` section as written in the config. */
export type RiskInput = typeof RiskConfigSchema.Encoded

/** The endpoints that change something at the exchange. */
export const mutating: ReadonlySet<string> = new Set([
  "orderPlace",
  "orderCancel",
  "orderModify",
  "positionCloseContract",
  "positionPartialCloseContract"
])

/** The simulator's options of the acceptance tests: quotes and resting orders worked every simulated second. */
export const simulatorOptions: SimulatorOptions.Options = { seed: 7, wakeInterval: "1 second" }

/** The simulator and its stack, with the call log (it outlives a restart of the guard). */
export const stack = (simulator: SimulatorOptions.Options = {}, config: TestStack.Options["config"] = {}) =>
  spy.pipe(Layer.provideMerge(TestStack.layer({ simulator: { ...simulatorOptions, ...simulator }, config })))

/** The database: in memory, or the SQLite file `file` (a restart keeps it). */
export const database = (file?: string) =>
  file === undefined ? Database.layerMemory() : Database.layer(StoreConfig.make({ path: file }))

/** The guard of `risk` and the OrderManager over a database (needs the {@link stack}). */
export const guard = (risk: RiskInput, file?: string, options: Guard.Options = {}) =>
  Guard.layer(Schema.decodeUnknownSync(RiskConfigSchema)(risk), options).pipe(
    Layer.provideMerge(OrderManager.layer),
    Layer.provideMerge(OrderConfig.layer({})),
    Layer.provideMerge(OrderIntents.layer),
    Layer.provideMerge(database(file))
  )

/** Everything: the guard over the stack. */
export const layer = (risk: RiskInput, options: {
  readonly file?: string
  readonly simulator?: SimulatorOptions.Options
  readonly config?: TestStack.Options["config"]
  readonly guard?: Guard.Options
} = {}) => guard(risk, options.file, options.guard).pipe(Layer.provideMerge(stack(options.simulator, options.config)))

/**
 * A "process" of the guard over the SQLite file `file`: builds it, runs `use`, and stops it (every fiber
 * interrupted); the stack and the simulator (provided outside) live on.
 */
export const rebuild = <A, E, R>(risk: RiskInput, file: string, use: Effect.Effect<A, E, R>) =>
  Effect.scoped(Effect.flatMap(Layer.build(guard(risk, file)), (ctx) => Effect.provide(use, ctx)))

// ------------------------------------------------------------------ another front-end

/** Places an order straight on the exchange, as another front-end (the phone app) would: untagged, not through tradeguard. */
export const elsewhere = placeDirectly

/** A market order from another front-end: `size` > 0 buys, < 0 sells. */
export const marketElsewhere = (contractId: string, size: number, accountId = TestStack.demoAccountId) =>
  elsewhere({
    accountId,
    contractId,
    type: Enums.OrderType.Market,
    side: size > 0 ? Enums.OrderSide.Bid : Enums.OrderSide.Ask,
    size: Math.abs(size)
  })

/** Cancels an order straight on the exchange, as another front-end would. */
export const cancelElsewhere = (orderId: number, accountId = TestStack.demoAccountId) =>
  Effect.gen(function*() {
    const s = yield* sim
    const owner = yield* Effect.orDie(s.exchange.ownerOf(accountId))
    return yield* s.exchange.cancel(owner, { accountId, orderId })
  })

/** Pins a contract's bid at `price` (the ask one tick above); publishes the quote. */
export const setPrice = (contractId: string, price: number) => Effect.flatMap(sim, (s) => Effect.orDie(s.exchange.setPrice(contractId, price)))

// ------------------------------------------------------------------ checks

/** What tradeguard sent that changes something (orders placed, cancelled, modified, positions closed), in order. */
export const sent: Effect.Effect<ReadonlyArray<Call>, never, import("./enforcement.js").Calls> = Effect.map(
  calls,
  (log) => log.filter((c) => mutating.has(c.endpoint))
)

/** The ground truth of an account is Flat: no open position and no order in status 1 Open, 6 Pending, 7 PendingCancellation or 8 Suspended. */
export const flat = flatAtSimulator

/** The account's active lock, if any. */
export const lockOf = (accountId = TestStack.demoAccountId) => Effect.flatMap(Locks, (l) => l.active(accountId))

/** Moves the clock in steps of 100 ms for `millis`. */
export const run = (millis: number) => TestStack.advance(`${millis} millis`, "100 millis")
