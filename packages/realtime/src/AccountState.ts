/**
 * AccountState: the cached picture of the accounts: accounts, working
 * orders, open positions, today's trades and the latest quotes, kept from hub
 * events and corrected by the StateReconciler. The snapshot is immutable
 * (persistent HashMaps, structural sharing), so a consumer may keep one as
 * long as it likes.
 *
 * When to use: read `get` for the current picture, `snapshot.changes` to react
 * to every change. `layer` keeps it fed from UserHub and MarketHub;
 * `layerDetached` when you feed it with `apply` yourself.
 *
 * Gotchas: live events come in through `follow`, applied in the hub's reader
 * before the hub publishes them; events with `reconciled: true` are skipped
 * there, because the reconciler applies them itself (atomically with its
 * comparison). `snapshot.changes` conflates: a slow consumer gets the newest
 * snapshot, not every one.
 *
 * @since 0.1.0
 */
import { type HubEvents, Models } from "@tradeguard/gateway"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Subscribable from "effect/Subscribable"
import { RealtimeConfig } from "./Config.js"
import { type Service as Hub, MarketHub, UserHub } from "./HubConnection.js"
import type { HubEvent } from "./HubEvent.js"
import * as Data from "./internal/accountData.js"
import { Latest } from "./internal/latest.js"
import * as TradingDay from "./TradingDay.js"

/**
 * The cached picture of the accounts: accounts, open orders, positions, the day's trades and completed orders, last quotes.
 *
 * @since 0.1.0
 */
export type Snapshot = Data.AccountData
export {
  /**
   * The snapshot before any event.
   *
   * @since 0.1.0
   */
  empty,
  /**
   * A position event that means "flat": type 0 (Undefined) or size 0.
   *
   * @since 0.1.0
   */
  isClosedPosition,
  /**
   * The key of a position in a snapshot: one per account and contract.
   *
   * @since 0.1.0
   */
  positionKey
} from "./internal/accountData.js"

/**
 * Records which entities live events touched while it is open (see {@link Service.watch}).
 *
 * @since 0.1.0
 */
export interface Watch {
  readonly touched: () => ReadonlySet<string>
}

/**
 * A subscription to the snapshot (see {@link Service.subscribe}).
 *
 * @since 0.1.0
 */
export interface Changes {
  /** The newest snapshot not taken yet; waits for the next one when it was taken already. */
  readonly take: Effect.Effect<Snapshot>
}

/**
 * The account state: the current snapshot and its changes.
 *
 * @since 0.1.0
 */
export interface Service {
  /**
   * The snapshot: `get`, and `changes`: the current snapshot, then each newer one. A consumer
   * slower than the updates gets the latest (intermediate versions are skipped, never a stale
   * one last; `version` counts the events applied). For every event, follow the hub's `events`.
   */
  readonly snapshot: Subscribable.Subscribable<Snapshot>
  readonly get: Effect.Effect<Snapshot>
  /**
   * A subscription for as long as the scope lives: `take` returns the newest snapshot not taken
   * yet (the current one first) or waits for the next. The cheapest way to follow every update.
   */
  readonly subscribe: Effect.Effect<Changes, never, Scope.Scope>
  readonly apply: (event: HubEvent) => Effect.Effect<void>
  readonly applyAll: (events: Iterable<HubEvent>) => Effect.Effect<void>
  /**
   * Runs `f` on the current snapshot and applies the events it returns, as one
   * atomic step (no event slips in between). For the reconciler.
   */
  readonly modify: <A>(f: (data: Snapshot) => readonly [A, ReadonlyArray<HubEvent>]) => Effect.Effect<A>
  /**
   * Keeps this state fed from a hub's live events for as long as the scope lives. The state is
   * updated in the hub's reader, before the hub publishes the events: a subscriber of the hub's
   * `events` always finds an event already applied here.
   */
  readonly follow: (hub: Hub) => Effect.Effect<void, never, Scope.Scope>
  /** Waits until every message already received on the followed hubs has been applied. */
  readonly settle: Effect.Effect<void>
  /** Starts recording the entity keys (`a:<id>`, `o:<id>`, `p:<account>:<contract>`) touched by live events. */
  readonly watch: Effect.Effect<Watch, never, Scope.Scope>
  /**
   * Starts the trading day that began at `dayStart` (epoch millis): earlier trades and ended
   * orders are dropped and later ones ignored when they come. `layer` does it at start-up and at
   * every boundary of the config's `tradingDay`.
   */
  readonly startDay: (dayStart: number) => Effect.Effect<void>
  /** Drops today's trades and ended orders, whatever their time (a manual reset). */
  readonly resetDay: Effect.Effect<void>
}

/**
 * The account state's tag (its shape is {@link Service}).
 *
 * @since 0.1.0
 */
export class AccountState extends Context.Tag("@tradeguard/realtime/AccountState")<AccountState, Service>() {}

/** `settle` gives up (with a warning) after this many scheduler turns with messages still unhandled. */
const maxSettleTurns = 10_000

/**
 * An AccountState that nothing feeds yet.
 *
 * @since 0.1.0
 */
export const make: Effect.Effect<Service> = Effect.map(Effect.clock, (clock) => {
  /** The local receipt time of what is applied now (Effect's Clock, so TestClock drives it). */
  const now = () => clock.unsafeCurrentTimeMillis()
  let current: Snapshot = Data.empty
  const subscribers = new Set<Latest<Snapshot>>()
  const watches = new Set<Set<string>>()
  const followed = new Set<Hub>()

  const record = (e: HubEvent) => {
    const key = Data.entityKey(e)
    if (key !== undefined) for (const w of watches) w.add(key)
  }
  /** Synchronous: the new snapshot is current and offered to every subscriber before it returns. */
  const publish = (next: Snapshot): void => {
    if (next === current) return
    current = next
    for (const l of subscribers) l.set(next)
  }
  /**
   * The hub's consumer. Should applying a batch throw (a bug), the events are applied one by
   * one so that only the ones that throw are lost; the hub logs and counts what is thrown.
   */
  const applyLive = (events: ReadonlyArray<HubEvent>): void => {
    const live = events.filter((e) => !e.reconciled)
    if (live.length === 0) return
    const onApplied = watches.size > 0 ? record : undefined
    try {
      publish(Data.applyAll(current, live, onApplied, now()))
    } catch {
      const skipped: Array<string> = []
      for (const e of live) {
        try {
          publish(Data.applyAll(current, [e], onApplied, now()))
        } catch (error) {
          skipped.push(`${e._tag}: ${error instanceof Error ? error.message : String(error)}`)
        }
      }
      if (skipped.length > 0) throw new Error(`AccountState skipped ${skipped.length} event(s): ${skipped.join("; ")}`)
    }
  }

  const get = Effect.sync(() => current)
  const subscribe: Effect.Effect<Changes, never, Scope.Scope> = Effect.acquireRelease(
    Effect.sync(() => {
      const latest = new Latest({ value: current })
      subscribers.add(latest)
      return latest
    }),
    (latest) =>
      Effect.sync(() => {
        subscribers.delete(latest)
        latest.close()
      })
  )

  const follow = (hub: Hub) =>
    Effect.gen(function*() {
      yield* hub.attach(applyLive)
      followed.add(hub)
      yield* Effect.addFinalizer(() => Effect.sync(() => followed.delete(hub)))
    })

  const backlog = Effect.suspend(() =>
    Effect.reduce(followed, 0, (n, hub) => Effect.map(hub.backlog, (b) => n + b))
  )
  /** Idle = nothing received and unhandled, seen on a few scheduler turns in a row (a message may be in hand-over). */
  const settle: Effect.Effect<void> = Effect.suspend(function loop(idle = 0, turns = 0): Effect.Effect<void> {
    if (idle >= 3) return Effect.void
    if (turns >= maxSettleTurns) {
      return Effect.flatMap(backlog, (n) =>
        Effect.logWarning(`settle: ${n} hub message(s) still unhandled after ${turns} turns; going on`))
    }
    return Effect.yieldNow().pipe(
      Effect.zipRight(backlog),
      Effect.flatMap((n) => loop(n > 0 ? 0 : idle + 1, turns + 1))
    )
  })

  return {
    snapshot: Subscribable.make({
      get,
      changes: Stream.unwrapScoped(Effect.map(subscribe, (c) => Stream.repeatEffect(c.take)))
    }),
    get,
    subscribe,
    apply: (event) => Effect.sync(() => publish(Data.apply(current, event, now()))),
    applyAll: (events) => Effect.sync(() => publish(Data.applyAll(current, events, undefined, now()))),
    modify: <A>(f: (data: Snapshot) => readonly [A, ReadonlyArray<HubEvent>]) =>
      Effect.sync(() => {
        const [a, events] = f(current)
        publish(Data.applyAll(current, events, undefined, now()))
        return a
      }),
    follow,
    settle,
    watch: Effect.acquireRelease(
      Effect.sync(() => {
        const touched = new Set<string>()
        watches.add(touched)
        return { touched: () => touched } satisfies Watch
      }),
      (w) => Effect.sync(() => watches.delete(w.touched() as Set<string>))
    ),
    startDay: (dayStart) => Effect.sync(() => publish(Data.startDay(current, dayStart))),
    resetDay: Effect.sync(() => publish(Data.resetDay(current)))
  } satisfies Service
})

/**
 * Starts the current trading day now, then the next one at each boundary of `config`, for as long
 * as the scope lives. It naps `maxNapMillis` at most (`tradingDay.checkIntervalMs`, default a
 * minute), so a host that slept through a boundary (timers do not count suspended time) rolls
 * within that long of waking; under TestClock every nap costs a little real time.
 *
 * @since 0.1.0
 */
export const rollDays = (
  state: Service,
  config: TradingDay.Config,
  maxNapMillis = 60_000
): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function*() {
    const start = yield* Clock.currentTimeMillis
    yield* state.startDay(TradingDay.startOf(start, config))
    yield* Effect.forkScoped(Effect.gen(function*() {
      let boundary = TradingDay.next(start, config)
      while (true) {
        const now = yield* Clock.currentTimeMillis
        if (now < boundary) {
          yield* Effect.sleep(Duration.millis(Math.min(boundary - now, Math.max(1, maxNapMillis))))
          continue
        }
        const dayStart = TradingDay.startOf(now, config)
        boundary = TradingDay.next(now, config)
        if (dayStart <= ((yield* state.get).dayStartedAt ?? -Infinity)) continue
        yield* state.startDay(dayStart)
        yield* Effect.logInfo(`trading day started at ${new Date(dayStart).toISOString()}`).pipe(
          Effect.annotateLogs({ module: "realtime/AccountState" })
        )
      }
    }))
  })

/** An AccountState fed from `hubs`, its trading day rolled per `tradingDay` of the config. */
const fedBy = <R>(hubs: ReadonlyArray<Effect.Effect<Hub, never, R>>): Layer.Layer<AccountState, never, R | RealtimeConfig> =>
  Layer.scoped(
    AccountState,
    Effect.gen(function*() {
      const state = yield* make
      const { tradingDay } = yield* RealtimeConfig
      yield* rollDays(state, tradingDay, tradingDay.checkIntervalMs)
      for (const hub of hubs) yield* state.follow(yield* hub)
      return state
    })
  )

/**
 * AccountState fed from UserHub and MarketHub, its trading day rolled per `tradingDay` of the config.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<AccountState, never, UserHub | MarketHub | RealtimeConfig> = fedBy<UserHub | MarketHub>([
  UserHub,
  MarketHub
])

/**
 * AccountState fed from UserHub only (no quotes), its trading day rolled per the config.
 *
 * @since 0.1.0
 */
export const layerUserHub: Layer.Layer<AccountState, never, UserHub | RealtimeConfig> = fedBy([UserHub])

/**
 * AccountState that nothing feeds and no day filter: use `apply` / `follow` / `startDay` yourself.
 *
 * @since 0.1.0
 */
export const layerDetached: Layer.Layer<AccountState> = Layer.effect(AccountState, make)

// ---------------------------------------------------------------- queries

/**
 * The working orders of an account.
 *
 * @since 0.1.0
 */
export const workingOrders = (s: Snapshot, accountId: number): Array<Models.Order> =>
  [...HashMap.values(s.orders)].filter((o) => o.accountId === accountId)

/**
 * The open positions of an account.
 *
 * @since 0.1.0
 */
export const openPositions = (s: Snapshot, accountId: number): Array<Models.Position> =>
  [...HashMap.values(s.positions)].filter((p) => p.accountId === accountId)

/**
 * The latest quote of a contract and its local receipt time (epoch millis, Effect's Clock when the event was
 * applied; 0 for a quote applied through the pure core without one); undefined before any quote of it.
 *
 * @since 0.3.0
 */
export const quoteOf: (
  s: Snapshot,
  contractId: string
) => { readonly quote: HubEvents.Quote; readonly receivedAt: number } | undefined = Data.quoteOf

/**
 * Today's trades of an account, oldest first.
 *
 * @since 0.1.0
 */
export const tradesOf = (s: Snapshot, accountId: number): Array<Models.Trade> => [...tradesView(s, accountId)]

/**
 * Today's trades of an account, oldest first, without a copy: the same array object for as long as that account's
 * trades do not change (compare by reference to know whether they did). Do not mutate it.
 *
 * @since 0.3.0
 */
export const tradesView = (s: Snapshot, accountId: number): ReadonlyArray<Models.Trade> =>
  Data.tradesByAccountOf(s.trades).get(accountId) ?? noTrades

const noTrades: ReadonlyArray<Models.Trade> = []

/**
 * Oldest first, then by id.
 *
 * @since 0.1.0
 */
export const byTime: (a: Models.Trade, b: Models.Trade) => number = Data.tradeOrder
