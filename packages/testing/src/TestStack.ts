/**
 * The whole client stack against the in-process simulator, under the
 * caller's Clock: build {@link layer} inside an `it.effect` and TestClock
 * drives the exchange, both hubs, the reconciler and token expiry.
 *
 * - {@link fastSettings}: the overrides that make a simulated day cheap in
 *   wall time (hub pings and the simulator's wake every 10 minutes, info logs
 *   off), each with what it changes.
 * - {@link layer}: simulator + `Stack.layerWithoutTransports` +
 *   `InProcessTransport` over `sim.hubs`, logged in as the simulator's demo user.
 * - {@link advance}: moves TestClock forward in steps, letting the fibers run
 *   between them, so hub events and reconciliations happen as in real time.
 * - {@link cachedPicture}, {@link groundTruth}, {@link compare},
 *   {@link expectInSync}: AccountState's picture of an account against the
 *   simulator's.
 *
 * @example
 * ```ts
 * import { TestStack } from "@tradeguard/testing"
 * import * as Effect from "effect/Effect"
 * import * as TestContext from "effect/TestContext"
 *
 * // In a test file: it.effect("an hour passes", () => anHour) (@effect/vitest provides the TestClock).
 * const anHour = Effect.gen(function*() {
 *   yield* TestStack.advance("1 hour")
 *   yield* TestStack.expectInSync(TestStack.demoAccountId)
 * }).pipe(Effect.provide(TestStack.layer({ simulator: { seed: 7 } })))
 *
 * Effect.runPromise(anHour.pipe(Effect.provide(TestContext.TestContext)))
 * ```
 *
 * @since 0.2.0
 */
import {
  AccountPicture,
  AccountState,
  HubConnection,
  type HubTransport,
  InProcessTransport,
  StateReconciler,
  Subscription
} from "@tradeguard/realtime"
import { Stack, StackConfig } from "@tradeguard/runtime"
import { Options as SimulatorOptions, Simulator } from "@tradeguard/simulator"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import { deepMerge } from "./internal/merge.js"

// ------------------------------------------------------------------ settings

/**
 * Client overrides of {@link fastSettings}:
 *
 * - `signalr.health.pingInterval: 600000` (10 minutes, default 30 s): the
 *   client pings each hub every 10 simulated minutes instead of every 30 s,
 *   20 times fewer wakes of the ping fiber.
 * - `signalr.health.staleThreshold: 1500000` (25 minutes, default 2 min): a
 *   connection is stale after 25 silent simulated minutes (2.5 of the
 *   simulator's 10-minute pings); a stalled hub is detected that late.
 * - `stateReconciliation.periodicIntervalMs: 3600000` (1 hour, default 5
 *   min): the safety-net reconciliation of every account runs once a
 *   simulated hour, so an event lost on a live connection (a fault plan) is
 *   caught up to an hour later; reconnects still reconcile at once.
 * - `tradingDay.checkIntervalMs: 600000` (10 minutes, default 1 min): the
 *   day-roll watcher naps up to 10 simulated minutes (it still wakes exactly
 *   at the 17:00 boundary; the nap cap only matters to a host that slept).
 * - `logging.resilience.*: false`: no info log per token refresh, retry or
 *   breaker transition (warnings and errors still log).
 *
 * @since 0.2.0
 */
export const fastConfig: StackConfig.StackConfigInput = {
  signalr: { health: { pingInterval: 600_000, staleThreshold: 1_500_000 } },
  stateReconciliation: { periodicIntervalMs: 3_600_000 },
  tradingDay: { checkIntervalMs: 600_000 },
  logging: { resilience: { tokenRefresh: false, errorRetries: false, circuitBreaker: false } }
}

/**
 * Simulator overrides of {@link fastSettings}:
 *
 * - `wakeInterval: "10 minutes"` (default the 1 s tick): the exchange is
 *   brought up to date and market data published every 10 simulated minutes,
 *   so a fill of a resting order reaches the hubs up to 10 simulated minutes
 *   after its tick; its recorded time stays the exact tick (every tick in
 *   between is still processed). Any REST call also brings the market to now.
 * - `hubPingInterval: "10 minutes"` (default 15 s): the hubs ping each
 *   connection every 10 simulated minutes.
 *
 * @since 0.2.0
 */
export const fastSimulator: SimulatorOptions.Options = {
  wakeInterval: "10 minutes",
  hubPingInterval: "10 minutes"
}

/**
 * The documented settings that make a simulated trading day cheap under
 * TestClock: {@link fastConfig} for the stack and {@link fastSimulator} for
 * the simulator. {@link layer} applies them unless `fast: false`.
 *
 * @since 0.2.0
 */
export const fastSettings: {
  readonly config: StackConfig.StackConfigInput
  readonly simulator: SimulatorOptions.Options
} = { config: fastConfig, simulator: fastSimulator }

/**
 * The simulator's demo user (`demo` / `demo-api-key`), whom {@link layer} logs in as.
 *
 * @since 0.2.0
 */
export const demoCredentials = { userName: SimulatorOptions.defaultUserName, apiKey: SimulatorOptions.defaultApiKey }

/**
 * The demo user's first account (the simulator assigns ids from 100001).
 *
 * @since 0.2.0
 */
export const demoAccountId = 100001

// ------------------------------------------------------------------ layer

/**
 * Options of {@link layer}.
 *
 * @since 0.2.0
 */
export interface Options {
  /** Stack config laid over the defaults (and over {@link fastConfig}); sections merge key by key. */
  readonly config?: StackConfig.StackConfigInput
  /** Simulator options laid over {@link fastSimulator} (when fast). */
  readonly simulator?: SimulatorOptions.Options
  /** Apply {@link fastSettings} (default true); false gives the library's and the simulator's defaults. */
  readonly fast?: boolean
  /** Passed to `Stack.layerWithoutTransports` (the reconciler's options). */
  readonly stack?: Stack.Options
}

/**
 * What {@link layer} provides: the stack's services, the simulator and the in-process hub transport.
 *
 * @since 0.2.0
 */
export type Provided = Stack.Services | Simulator.Simulator | HubTransport.HubTransport

/**
 * The stack config {@link layer} decodes for `options`: `api.baseUrl` the
 * in-process simulator's (plaintext allowed), then {@link fastConfig} (when
 * fast), then `options.config`.
 *
 * @since 0.2.0
 */
export const configInput = (options: Options = {}): StackConfig.StackConfigInput =>
  deepMerge(
    deepMerge<StackConfig.StackConfigInput>(
      { api: { baseUrl: Simulator.baseUrl, allowInsecure: true } },
      options.fast === false ? {} : fastConfig
    ),
    options.config ?? {}
  )

/**
 * The simulator options {@link layer} starts it with: {@link fastSimulator} (when fast), then `options.simulator`.
 *
 * @since 0.2.0
 */
export const simulatorOptions = (options: Options = {}): SimulatorOptions.Options =>
  options.fast === false ? options.simulator ?? {} : { ...fastSimulator, ...options.simulator }

/**
 * The in-process simulator and the whole stack on it, logged in as the demo
 * user, everything on the caller's Clock (build it inside `it.effect`).
 * Building it logs in, connects both hubs and waits for the start-up
 * reconciliation (so the cached picture starts complete); an invalid
 * `config` fails it with `ConfigError`.
 *
 * @since 0.2.0
 */
export const layer = (options: Options = {}): Layer.Layer<Provided, StackConfig.ConfigError | Stack.StartError> =>
  Layer.unwrapEffect(
    Effect.map(StackConfig.decode(configInput(options)), (config) =>
      Layer.effectDiscard(startupReconciled).pipe(
        Layer.provideMerge(Stack.layerWithoutTransports(config, options.stack)),
        Layer.provideMerge(InProcessTransport.layerEffect(Effect.map(Simulator.Simulator, (s) => s.hubs))),
        Layer.provide(Stack.credentials(demoCredentials)),
        Layer.provideMerge(Simulator.layerInProcess(simulatorOptions(options)))
      ))
  )

/** Settles until the start-up reconciliation has run (a bounded number of times: it needs no clock). */
const startupReconciled = Effect.gen(function*() {
  const reconciler = yield* StateReconciler.StateReconciler
  for (let i = 0; i < 200 && (yield* reconciler.last) === undefined; i++) yield* settle
})

/**
 * Subscribes the user hub to the accounts and to `accountId`'s orders,
 * positions and trades (declared once, replayed after every reconnect), so
 * its events reach AccountState. Dies if the hub rejects a subscription.
 *
 * @since 0.2.0
 */
export const subscribeAccount = (accountId: number): Effect.Effect<void, never, HubConnection.UserHub> =>
  Effect.gen(function*() {
    const user = yield* HubConnection.UserHub
    for (const s of [Subscription.accounts(), Subscription.orders(accountId), Subscription.positions(accountId), Subscription.trades(accountId)]) {
      yield* Effect.orDie(user.subscribe(s))
    }
  })

// ------------------------------------------------------------------ time

/**
 * Lets every runnable fiber run without moving any clock: a few real
 * macrotask turns (the in-process HTTP replies are promises).
 *
 * @since 0.2.0
 */
export const settle: Effect.Effect<void> = Effect.promise(() => new Promise<void>((r) => setImmediate(r))).pipe(
  Effect.repeatN(5)
)

/**
 * Moves TestClock forward by `duration` in steps of `step` (default the
 * simulator's wake interval), settling after each, so hub events,
 * reconnects and reconciliations happen in order as in real time. A smaller
 * step costs more wall time; one above the wake interval bunches wakes together.
 *
 * @since 0.2.0
 */
export const advance = (
  duration: Duration.DurationInput,
  step?: Duration.DurationInput
): Effect.Effect<void, never, Simulator.Simulator> =>
  Effect.gen(function*() {
    const stepMillis = step === undefined
      ? (yield* Simulator.Simulator).config.wakeMillis
      : Math.max(1, Duration.toMillis(step))
    let left = Duration.toMillis(duration)
    yield* settle
    while (left > 0) {
      const d = Math.min(stepMillis, left)
      yield* TestClock.adjust(Duration.millis(d))
      yield* settle
      left -= d
    }
  })

// ------------------------------------------------------------------ pictures

/**
 * One account as a test compares it: the account, working orders, open
 * positions and trades, each sorted by id; only defined fields, timestamps
 * as epoch milliseconds, without the fields only the hub sends.
 *
 * @since 0.2.0
 */
export type Picture = AccountPicture.Picture

/**
 * The picture of an AccountState snapshot's account `accountId`.
 *
 * @since 0.2.0
 */
export const pictureOf: (snapshot: AccountState.Snapshot, accountId: number) => Picture = AccountPicture.ofSnapshot

/**
 * AccountState's picture of `accountId`, after letting pending events settle.
 *
 * @since 0.2.0
 */
export const cachedPicture = (accountId: number): Effect.Effect<Picture, never, AccountState.AccountState> =>
  Effect.gen(function*() {
    const state = yield* AccountState.AccountState
    yield* state.settle
    return pictureOf(yield* state.get, accountId)
  })

/**
 * The simulator's ground truth of `accountId` as of the exchange's last wake
 * (the read does not bring the market to now, so it creates no fill the
 * client has not been sent). Dies when the simulator has no such account.
 *
 * @since 0.2.0
 */
export const groundTruth = (accountId: number): Effect.Effect<Picture, never, Simulator.Simulator> =>
  Effect.gen(function*() {
    const sim = yield* Simulator.Simulator
    const t = yield* Effect.orDie(sim.exchange.peek(accountId))
    return AccountPicture.of(t.account, t.openOrders, t.positions, t.trades)
  })

/**
 * Both pictures of an account and where they differ.
 *
 * @since 0.2.0
 */
export interface Comparison {
  readonly cached: Picture
  readonly truth: Picture
  /** One `path: cached <> truth` per differing field; empty when in sync. */
  readonly differences: ReadonlyArray<string>
}

/**
 * Compares AccountState's picture of `accountId` with the simulator's ground truth.
 *
 * @since 0.2.0
 */
export const compare = (
  accountId: number
): Effect.Effect<Comparison, never, AccountState.AccountState | Simulator.Simulator> =>
  Effect.gen(function*() {
    const cached = yield* cachedPicture(accountId)
    const truth = yield* groundTruth(accountId)
    return { cached, truth, differences: AccountPicture.differences(cached, truth) }
  })

/**
 * The cached picture of an account differs from the simulator's ground truth.
 *
 * @since 0.2.0
 */
export class OutOfSync extends Schema.TaggedError<OutOfSync>()("OutOfSync", {
  accountId: Schema.Number,
  differences: Schema.Array(Schema.String)
}) {
  override get message() {
    return `account ${this.accountId}: AccountState differs from the simulator\n${
      this.differences.map((d) => `  - ${d}`).join("\n")
    }`
  }
}

/**
 * Fails with {@link OutOfSync} (naming every difference) unless AccountState's
 * picture of `accountId` equals the simulator's ground truth.
 *
 * @since 0.2.0
 */
export const expectInSync = (
  accountId: number
): Effect.Effect<void, OutOfSync, AccountState.AccountState | Simulator.Simulator> =>
  Effect.flatMap(compare(accountId), (c) =>
    c.differences.length === 0 ? Effect.void : Effect.fail(new OutOfSync({ accountId, differences: c.differences })))
