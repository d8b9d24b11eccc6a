/**
 * The in-memory exchange: accounts, contracts, a seeded price process ticking
 * on Effect time (a scoped fiber), orders, fills, positions, trades and
 * balances. Every state change is published, in order, as an
 * {@link ExchangeEvent}; `snapshot` reads the ground truth of an account.
 *
 * User operations take the caller's user id: another user's account is
 * "not found", as on the gateway.
 *
 * @since 0.1.0
 */
import { type Endpoints, type HubEvents, Models } from "@tradeguard/gateway"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as PubSub from "effect/PubSub"
import type * as Queue from "effect/Queue"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { ExchangeEvent } from "./ExchangeEvent.js"
import * as Core from "./internal/Core.js"
import { depthSnapshotOf, moveTo, publishDepth, publishQuote, quoteOf } from "./internal/MarketData.js"
import * as Orders from "./internal/Orders.js"
import type { FullQuote, Outcome, State } from "./internal/State.js"
import { toAccount } from "./internal/State.js"
import { type Options, type Resolved, resolve } from "./Options.js"
import { Rejection } from "./Rejection.js"

export type {
  /**
   * A complete quote: every field of HubEvents.Quote, and `contract` (the contract id, as on the live service).
   *
   * @since 0.1.0
   */
  FullQuote
} from "./internal/State.js"

/**
 * The ground truth of one account.
 *
 * @since 0.1.0
 */
export interface Snapshot {
  readonly account: Models.Account
  /** Every order of the account, any status. */
  readonly orders: ReadonlyArray<Models.Order>
  /** The working orders `Order/searchOpen` lists (suspended bracket legs excluded). */
  readonly openOrders: ReadonlyArray<Models.Order>
  readonly positions: ReadonlyArray<Models.Position>
  /** Every trade of the account. */
  readonly trades: ReadonlyArray<Models.Trade>
}

/**
 * No account with that id.
 *
 * @since 0.1.0
 */
export class AccountNotFound extends Schema.TaggedError<AccountNotFound>()("AccountNotFound", {
  accountId: Schema.Number
}) {}

/**
 * No contract with that id.
 *
 * @since 0.1.0
 */
export class ContractNotFound extends Schema.TaggedError<ContractNotFound>()("ContractNotFound", {
  contractId: Schema.String
}) {}

type Req<E extends Endpoints.AnyEndpoint> = Endpoints.RequestOf<E>
type Op<E extends Endpoints.AnyEndpoint, A> = (userId: number, request: Req<E>) => Effect.Effect<A, Rejection>

/**
 * The in-memory exchange: accounts, orders, positions, trades, quotes and their events.
 *
 * @since 0.1.0
 */
export interface Service {
  readonly config: Resolved
  /** Subscribes to every event from now on; the subscription ends with the scope. */
  readonly subscribe: Effect.Effect<Queue.Dequeue<ExchangeEvent>, never, Scope.Scope>
  /** Every event from the moment the stream starts. Prefer `subscribe` when nothing may be missed. */
  readonly events: Stream.Stream<ExchangeEvent>
  /** Publishes an event in order with the exchange's own (used for Logout). */
  readonly publish: (event: ExchangeEvent) => Effect.Effect<void>
  /** Publishes events in order, at once (benchmarks: one step for a whole batch). */
  readonly publishAll: (events: Iterable<ExchangeEvent>) => Effect.Effect<void>

  readonly accounts: (userId: number, onlyActive: boolean) => Effect.Effect<ReadonlyArray<Models.Account>>
  readonly searchContracts: (searchText: string | undefined) => Effect.Effect<ReadonlyArray<Models.Contract>>
  readonly contractById: (contractId: string) => Effect.Effect<Models.Contract, Rejection>
  readonly availableContracts: Effect.Effect<ReadonlyArray<Models.Contract>>
  readonly bars: (request: Req<typeof Endpoints.historyRetrieveBars>) => Effect.Effect<ReadonlyArray<Models.Bar>, Rejection>
  readonly searchOrders: Op<typeof Endpoints.orderSearch, ReadonlyArray<Models.Order>>
  readonly searchOpenOrders: Op<typeof Endpoints.orderSearchOpen, ReadonlyArray<Models.Order>>
  readonly place: Op<typeof Endpoints.orderPlace, number>
  readonly cancel: Op<typeof Endpoints.orderCancel, void>
  readonly modify: Op<typeof Endpoints.orderModify, void>
  readonly searchOpenPositions: Op<typeof Endpoints.positionSearchOpen, ReadonlyArray<Models.Position>>
  readonly closeContract: Op<typeof Endpoints.positionCloseContract, void>
  readonly partialCloseContract: Op<typeof Endpoints.positionPartialCloseContract, void>
  readonly searchTrades: Op<typeof Endpoints.tradeSearch, ReadonlyArray<Models.Trade>>

  /** The ground truth of an account (no user check), after bringing the market to now (a wake: it may fill orders). */
  readonly snapshot: (accountId: number) => Effect.Effect<Snapshot, AccountNotFound>
  /**
   * The ground truth of an account as of the last wake (no user check): the market is NOT
   * brought to now, so the read creates no fill, trade or event that the hubs have not sent.
   * To compare a client's state with the truth: wake (`advance`), let the client settle, then `peek`.
   */
  readonly peek: (accountId: number) => Effect.Effect<Snapshot, AccountNotFound>
  /** The user owning an account. */
  readonly ownerOf: (accountId: number) => Effect.Effect<number, AccountNotFound>
  /** The current complete quote of a contract (with `contract`, its id). */
  readonly quote: (contractId: string) => Effect.Effect<FullQuote, ContractNotFound>
  /**
   * The current book as a new depth subscriber gets it: a Reset entry then
   * `liquidity.snapshotLevels` levels per side, every entry stamped
   * `0001-01-01T00:00:00+00:00` (as the live service does: not a time).
   */
  readonly depth: (contractId: string) => Effect.Effect<ReadonlyArray<HubEvents.DepthEntry>, ContractNotFound>
  /** Pins a contract's bid to `price` (ask one tick above), or follows the path again with `undefined`; orders meet the new price at once. */
  readonly setPrice: (contractId: string, price: number | undefined) => Effect.Effect<void, ContractNotFound>
  /** Changes an account's balance or canTrade (publishes AccountUpdated). */
  readonly updateAccount: (
    accountId: number,
    patch: { readonly balance?: number | undefined; readonly canTrade?: boolean | undefined }
  ) => Effect.Effect<Models.Account, AccountNotFound>
  /**
   * Brings the market to the current time (every operation does this first;
   * the background fiber does it every `wakeInterval` while someone is subscribed).
   */
  readonly advance: Effect.Effect<void>
}

/**
 * The exchange's tag (its shape is {@link Service}).
 *
 * @since 0.1.0
 */
export class Exchange extends Context.Tag("@tradeguard/simulator/Exchange")<Exchange, Service>() {}

const rejection = <A>(o: Outcome<A>): Effect.Effect<A, Rejection> =>
  Either.isRight(o) ? Effect.succeed(o.right) : Effect.fail(new Rejection(o.left))

const millis = Models.timestampToMillis

/**
 * Starts the exchange (the price fiber lives as long as the scope).
 *
 * @since 0.1.0
 */
export const make = (config: Resolved): Effect.Effect<Service, never, Scope.Scope> =>
  Effect.gen(function*() {
    const pubsub = yield* PubSub.unbounded<ExchangeEvent>()
    const state: State = Core.makeState(config, yield* Clock.currentTimeMillis)

    /**
     * Brings the market to now, runs `f`, then publishes what both produced, in order: all in one synchronous step
     * (the PubSub is unbounded), so no other operation can come in between: the exchange needs no lock.
     */
    const run = <A>(f: (state: State, now: number) => A): Effect.Effect<A> =>
      Effect.clockWith((clock) =>
        Effect.sync(() => {
          const now = clock.unsafeCurrentTimeMillis()
          state.events.length = 0
          Core.catchUp(state, now)
          const a = f(state, now)
          for (const event of state.events.splice(0)) pubsub.unsafeOffer(event)
          return a
        })
      )
    const read = run

    const contractOf = (contractId: string) => {
      const m = state.markets.get(contractId)
      return m === undefined ? Effect.fail(new ContractNotFound({ contractId })) : Effect.succeed(m)
    }
    const accountOf = (accountId: number) => {
      const a = state.accounts.get(accountId)
      return a === undefined ? Effect.fail(new AccountNotFound({ accountId })) : Effect.succeed(a)
    }

    const found = (accountId: number) => (snap: Snapshot | undefined) =>
      snap === undefined ? Effect.fail(new AccountNotFound({ accountId })) : Effect.succeed(snap)

    const advance = run(() => undefined)
    yield* advance

    // The background fiber only runs while someone listens: without listeners,
    // every operation catches up first, so nothing is missed and TestClock
    // jumps stay cheap.
    let listeners = 0
    const listening = yield* Effect.makeLatch(false)
    const wakeMillis = config.wakeMillis
    yield* Effect.forkScoped(Effect.forever(Effect.gen(function*() {
      yield* listening.await
      const now = yield* Clock.currentTimeMillis
      yield* Effect.sleep((Math.floor(now / wakeMillis) + 1) * wakeMillis - now)
      yield* advance
    })))
    const subscribe = Effect.acquireRelease(
      Effect.zipLeft(
        PubSub.subscribe(pubsub),
        Effect.suspend(() => (++listeners === 1 ? listening.open : Effect.void))
      ),
      () => Effect.suspend(() => (--listeners === 0 ? listening.close : Effect.void))
    )

    return {
      config,
      subscribe,
      events: Stream.unwrapScoped(Effect.map(subscribe, (queue) => Stream.fromQueue(queue))),
      publish: (event) => PubSub.publish(pubsub, event),
      publishAll: (events) => PubSub.publishAll(pubsub, events),
      accounts: (userId, onlyActive) => read((s) => Core.accountsOf(s, userId, onlyActive)),
      searchContracts: (text) => read((s) => Core.searchContracts(s, text)),
      contractById: (id) => Effect.flatMap(read((s) => Core.contractById(s, id)), rejection),
      availableContracts: read(Core.availableContracts),
      bars: (r) =>
        Effect.flatMap(
          read((s, now) =>
            Core.barsOf(s, r.contractId, {
              startMillis: millis(r.startTime),
              endMillis: millis(r.endTime),
              unit: r.unit,
              unitNumber: r.unitNumber,
              limit: r.limit,
              includePartialBar: r.includePartialBar,
              nowMillis: now
            })
          ),
          rejection
        ),
      searchOrders: (u, r) =>
        Effect.flatMap(
          read((s) =>
            Core.ordersOf(s, u, r.accountId, {
              from: millis(r.startTimestamp),
              to: r.endTimestamp === undefined ? undefined : millis(r.endTimestamp)
            })
          ),
          rejection
        ),
      searchOpenOrders: (u, r) => Effect.flatMap(read((s) => Core.ordersOf(s, u, r.accountId, "open")), rejection),
      place: (u, r) => Effect.flatMap(run((s, now) => Orders.place(s, u, r, now)), rejection),
      cancel: (u, r) => Effect.flatMap(run((s, now) => Orders.cancel(s, u, r, now)), rejection),
      modify: (u, r) => Effect.flatMap(run((s, now) => Orders.modify(s, u, r, now)), rejection),
      searchOpenPositions: (u, r) => Effect.flatMap(read((s) => Core.positionsOf(s, u, r.accountId)), rejection),
      closeContract: (u, r) => Effect.flatMap(run((s, now) => Orders.close(s, u, r, now)), rejection),
      partialCloseContract: (u, r) => Effect.flatMap(run((s, now) => Orders.close(s, u, r, now)), rejection),
      searchTrades: (u, r) =>
        Effect.flatMap(
          read((s) =>
            Core.tradesOf(
              s,
              u,
              r.accountId,
              millis(r.startTimestamp),
              r.endTimestamp === undefined ? undefined : millis(r.endTimestamp)
            )
          ),
          rejection
        ),
      snapshot: (accountId) => Effect.flatMap(read((s) => Core.snapshotOf(s, accountId)), found(accountId)),
      peek: (accountId) =>
        Effect.flatMap(Effect.sync(() => Core.snapshotOf(state, accountId)), found(accountId)),
      ownerOf: (accountId) => Effect.map(accountOf(accountId), (a) => a.userId),
      quote: (contractId) => Effect.flatMap(contractOf(contractId), (m) => run((_, now) => quoteOf(m, now))),
      depth: (contractId) =>
        Effect.flatMap(
          contractOf(contractId),
          (m) => run(() => depthSnapshotOf(m, config.liquidity.snapshotLevels, config.liquidity.perLevel))
        ),
      setPrice: (contractId, price) =>
        Effect.flatMap(contractOf(contractId), (m) =>
          run((s, now) => {
            m.pinned = price
            m.pins.push({ at: now, price })
            moveTo(m, now)
            publishQuote(s, m, now)
            publishDepth(s, m, now)
            Core.workAll(s, now, contractId)
          })),
      updateAccount: (accountId, patch) =>
        Effect.flatMap(accountOf(accountId), (a) =>
          run((s) => {
            if (patch.balance !== undefined) a.balance = patch.balance
            if (patch.canTrade !== undefined) a.canTrade = patch.canTrade
            const account = toAccount(a)
            s.events.push(ExchangeEvent.AccountUpdated({ userId: a.userId, account }))
            return account
          })),
      advance
    } satisfies Service
  })

/**
 * The exchange for `options` (defaults filled in).
 *
 * @since 0.1.0
 */
export const layer = (options: Options = {}): Layer.Layer<Exchange> => Layer.scoped(Exchange, make(resolve(options)))
