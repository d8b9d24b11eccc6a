/**
 * The system under test of the enforcement-latency bench, behind ONE
 * function: {@link startGuard}. The harness builds the client stack, the
 * OrderManager, the store and the simulator around it and times what it
 * sends; nothing else of the bench depends on how the guard works inside.
 *
 * The body is the real guard: `Guard.layer(config)` (RiskEngine, Enforcer,
 * Locks, Audit, MarketData, Accounts and their store repositories) over the
 * stack, the OrderManager and ONE in-memory SQLite connection shared with the
 * OrderManager's intents, as the daemon's `Runtime.layerWithRules` wires it.
 * The bench's breach is a `positionMaxLoss` one: the engine decides
 * ClosePosition and the Enforcer sends `Position/closeContract` through the
 * OrderManager.
 *
 * @internal
 */
import { OrderConfig, OrderManager } from "@tradeguard/orders"
import type { Stack } from "@tradeguard/runtime"
import { Database, OrderIntents } from "@tradeguard/store"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Enforcer from "../src/Enforcer.js"
import * as Guard from "../src/Guard.js"
import type * as RiskConfig from "../src/RiskConfig.js"

/** What the guard runs on: the stack's services, the OrderManager and the SQL client. */
export type GuardServices = Guard.Requirements

/**
 * The services {@link startGuard} runs on, over the client `stack` the harness
 * builds (one login, both hubs on the real SignalR transport): the
 * OrderManager with its default config over an in-memory store whose SQL
 * client the guard shares.
 */
export const layer = <E, R>(stack: Layer.Layer<Stack.Services, E, R>) =>
  OrderManager.layer.pipe(
    Layer.provideMerge(OrderConfig.layer({})),
    Layer.provideMerge(OrderIntents.layer),
    Layer.provideMerge(Database.layerMemory()),
    Layer.provideMerge(stack)
  )

/** What the harness may ask the running guard. */
export interface Running {
  /** Whether no enforcement of `accountId` is in progress (the last one verified done). */
  readonly idle: (accountId: number) => Effect.Effect<boolean>
}

/**
 * Starts guarding the accounts of `config` for as long as the scope lives:
 * builds `Guard.layer(config, options)` in it (the engine evaluates every
 * watched account on each change of its slice and every second; MarketData
 * subscribes the quotes of their contracts). Returns once the guard is
 * running.
 */
export const startGuard = (
  config: RiskConfig.RiskConfig,
  options: Guard.Options = {}
): Effect.Effect<Running, never, Scope.Scope | GuardServices> =>
  Effect.map(Layer.build(Guard.layer(config, options)), (context) => {
    const enforcer = Context.get(context, Enforcer.Enforcer)
    return { idle: (accountId) => Effect.map(enforcer.running(accountId), (running) => !running) }
  })
