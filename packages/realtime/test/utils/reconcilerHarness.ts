/**
 * A user hub over the fake transport, an AccountState following it, the fake
 * ResilientGateway holding the ground truth, and a StateReconciler with the
 * triggers of StateReconciler.layer (start-up, reconnects, subscriptions, periodic).
 */
import type { Config as ResilienceConfig } from "@tradeguard/resilience"
import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { AccountState, Config, HubConnection, StateReconciler } from "../../src/index.js"
import { type FakeGateway, makeFakeGateway } from "./FakeGateway.js"
import type { FakeHub } from "./FakeTransport.js"
import { flush, type Harness, setup } from "./harness.js"

export interface ReconcilerHarness extends Omit<Harness, "state"> {
  readonly gateway: FakeGateway
  readonly connection: Harness["state"]
  readonly state: AccountState.Service
  readonly reconciler: StateReconciler.Service
  /** Reports published so far. */
  readonly reports: Effect.Effect<Array<StateReconciler.Report>>
  /** The cached picture, in plain arrays. */
  readonly cache: Effect.Effect<Picture>
}

export interface Picture {
  readonly orders: Array<number>
  readonly positions: Array<string>
  readonly trades: Array<number>
  readonly balance: number | undefined
}

/** The ground truth in the same shape as {@link Picture}. */
export const truthOf = (g: FakeGateway): Picture => ({
  orders: [...g.orders.values()].filter((o) => [1, 6, 7].includes(o.status)).map((o) => o.id).sort(),
  positions: [...g.positions.values()].map((p) => `${p.accountId}:${p.contractId}:${p.type}:${p.size}`).sort(),
  trades: [...g.trades.keys()].sort(),
  balance: g.accounts.get(465)?.balance
})

export const setupReconciler = (
  options: {
    readonly config?: ResilienceConfig.DeepPartial<Config.RealtimeConfigInput>
    readonly before?: (gateway: FakeGateway) => void
    readonly options?: StateReconciler.Options
    /** Declared before the first connect (default: accounts, and orders, positions, trades of 465). */
    readonly subscriptions?: ReadonlyArray<readonly [string, ...Array<unknown>]>
    /** Scripts the fake hub before the first connect. */
    readonly hub?: (server: FakeHub) => void
  } = {}
): Effect.Effect<ReconcilerHarness, never, Scope.Scope> =>
  Effect.gen(function*() {
    const gateway = yield* makeFakeGateway
    options.before?.(gateway)
    const state = yield* AccountState.make
    const config = Config.RealtimeConfig.layer(options.config ?? {})
    const h = yield* setup({
      config: options.config ?? {},
      subscriptions: options.subscriptions ??
        [["SubscribeAccounts"], ["SubscribeOrders", 465], ["SubscribePositions", 465], ["SubscribeTrades", 465]],
      ...(options.hub === undefined ? {} : { before: options.hub })
    })
    yield* state.follow(h.conn)
    const seen: Array<StateReconciler.Report> = []
    const reconciler = yield* StateReconciler.make(options.options ?? { accountIds: [465] }).pipe(
      Effect.provide(Layer.mergeAll(
        gateway.layer,
        Layer.succeed(AccountState.AccountState, state),
        Layer.succeed(HubConnection.UserHub, h.conn),
        config
      ))
    )
    yield* Effect.forkScoped(Stream.runForEach(reconciler.reports, (r) => Effect.sync(() => seen.push(r))))
    yield* flush
    yield* StateReconciler.triggerOnConnect(reconciler, h.conn).pipe(Effect.provide(config))
    yield* StateReconciler.triggerPeriodically(reconciler).pipe(Effect.provide(config))
    yield* flush
    return {
      ...h,
      connection: h.state,
      gateway,
      state,
      reconciler,
      reports: Effect.sync(() => [...seen]),
      cache: Effect.map(state.get, (s) => ({
        orders: [...HashMap.keys(s.orders)].sort(),
        positions: [...HashMap.values(s.positions)].map((p) => `${p.accountId}:${p.contractId}:${p.type}:${p.size}`).sort(),
        trades: [...HashMap.keys(s.trades)].sort(),
        balance: HashMap.get(s.accounts, 465).pipe((o) => (o._tag === "Some" ? o.value.balance : undefined))
      }))
    }
  })
