/** The Enforcer over the in-process simulator stack, the OrderManager and a store (in memory or a file), for TestClock tests. */
import { Enums } from "@tradeguard/gateway"
import { OrderConfig, OrderManager } from "@tradeguard/orders"
import { ResilientGateway } from "@tradeguard/resilience"
import { type Options as SimulatorOptions, Simulator } from "@tradeguard/simulator"
import { AccountLocks, Database, EnforcementLog, OrderIntents, PendingActions, StoreConfig } from "@tradeguard/store"
import { TestStack } from "@tradeguard/testing"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as Audit from "../../src/Audit.js"
import * as Enforcer from "../../src/Enforcer.js"
import * as Locks from "../../src/Locks.js"

export const ACCOUNT = TestStack.demoAccountId
export const OTHER = TestStack.demoAccountId + 1
export const MNQ = "CON.F.US.MNQ.Z26"
export const MES = "CON.F.US.MES.Z26"

/** One gateway call the stack made: the endpoint, the request and its options (the priority). */
export interface Call {
  readonly endpoint: string
  readonly request: Record<string, unknown>
  readonly options: ResilientGateway.CallOptions | undefined
}

/** The calls made through the ResilientGateway, in order. */
export class Calls extends Context.Tag("@tradeguard/rules/test/Calls")<Calls, { readonly log: Array<Call> }>() {}

/** Wraps the stack's ResilientGateway: every method records its call first. */
export const spy: Layer.Layer<ResilientGateway.ResilientGateway | Calls, never, ResilientGateway.ResilientGateway> = Layer.effectContext(
  Effect.gen(function*() {
    const inner = yield* ResilientGateway.ResilientGateway
    const log: Array<Call> = []
    const wrapped = Object.fromEntries(
      Object.entries(inner).map(([endpoint, method]) =>
        endpoint === "call"
          ? [endpoint, (e: { name: string }, request: Record<string, unknown>, options?: Call["options"]) =>
            Effect.suspend(() => {
              log.push({ endpoint: e.name, request, options })
              return inner.call(e as never, request as never, options)
            })]
          : [endpoint, (request: Record<string, unknown>, options?: Call["options"]) =>
            Effect.suspend(() => {
              log.push({ endpoint, request, options })
              return (method as (r: unknown, o?: unknown) => Effect.Effect<unknown>)(request, options)
            })]
      )
    ) as unknown as ResilientGateway.Service
    return Context.make(ResilientGateway.ResilientGateway, wrapped).pipe(Context.add(Calls, { log }))
  })
)

/** The store's repositories over a database (in memory, or the file `file`). */
export const store = (file?: string) =>
  Layer.mergeAll(OrderIntents.layer, PendingActions.layer, AccountLocks.layer, EnforcementLog.layer).pipe(
    Layer.provideMerge(file === undefined ? Database.layerMemory() : Database.layer(StoreConfig.make({ path: file })))
  )

/** The rules' services (Enforcer, Locks, Audit) and the OrderManager, over the stack and the store given. */
export const services = (options: Enforcer.Options = {}) =>
  Enforcer.layer(options).pipe(
    Layer.provideMerge(Locks.layer),
    Layer.provideMerge(Audit.layer),
    Layer.provideMerge(OrderManager.layer),
    Layer.provideMerge(OrderConfig.layer({}))
  )

/** The simulator stack (with the spy) on its own: it outlives a "restart" of the services. */
export const stack = (simulator: SimulatorOptions.Options = {}, config: TestStack.Options["config"] = {}) =>
  spy.pipe(Layer.provideMerge(TestStack.layer({ simulator: { seed: 7, ...simulator }, config })))

/** Everything a test needs, over an in-memory store. */
export const layer = (
  options: Enforcer.Options = {},
  simulator: SimulatorOptions.Options = {},
  config: TestStack.Options["config"] = {}
) => services(options).pipe(Layer.provideMerge(store()), Layer.provideMerge(stack(simulator, config)))

/** A temporary directory, removed by the finalizer. */
export const tempDir = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "tradeguard-rules-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
)

export const sim = Simulator.Simulator

/** The simulator's ground truth of an account. */
export const truth = (accountId = ACCOUNT) => Effect.flatMap(sim, (s) => Effect.orDie(s.exchange.peek(accountId)))

/** Places an order at the simulator as another front-end would (the phone app): untagged, not through the OrderManager. */
export const placeDirectly = (request: {
  readonly accountId?: number
  readonly contractId?: string
  readonly type: number
  readonly side: number
  readonly size: number
  readonly limitPrice?: number
  readonly stopPrice?: number
  readonly stopLossBracket?: { readonly ticks: number; readonly type: number }
  readonly takeProfitBracket?: { readonly ticks: number; readonly type: number }
}) =>
  Effect.gen(function*() {
    const s = yield* sim
    const accountId = request.accountId ?? ACCOUNT
    const owner = yield* Effect.orDie(s.exchange.ownerOf(accountId))
    return yield* Effect.orDie(s.exchange.place(owner, { contractId: MNQ, ...request, accountId } as never))
  })

/** A market buy of `size`. */
export const marketBuy = (size: number, contractId = MNQ, accountId = ACCOUNT) =>
  placeDirectly({ accountId, contractId, type: Enums.OrderType.Market, side: Enums.OrderSide.Bid, size })

/** The bid of a contract now. */
export const bidOf = (contractId = MNQ) => Effect.flatMap(sim, (s) => Effect.map(Effect.orDie(s.exchange.quote(contractId)), (q) => q.bestBid))

/** Whether the simulator shows the account Flat: no open position and no order in status 1, 6, 7 or 8. */
export const flatAtSimulator = (accountId = ACCOUNT) =>
  Effect.map(truth(accountId), (t) =>
    t.positions.filter((p) => p.size > 0).length === 0 &&
    t.orders.filter((o) => [1, 6, 7, 8].includes(o.status)).length === 0)

/** Subscribes the user hub to the accounts' events (what the engine does for the accounts it watches). */
export const watch = (...accountIds: ReadonlyArray<number>) => Effect.forEach(accountIds, TestStack.subscribeAccount, { discard: true })

/** The calls made so far. */
export const calls = Effect.map(Calls, (c) => c.log)
