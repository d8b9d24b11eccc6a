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
 * Gotcha: live events come in through `follow`; events with
 * `reconciled: true` on a followed stream are skipped, because the
 * reconciler applies them itself (atomically with its comparison).
 *
 * @since 0.1.0
 */
import { Models } from "@tradeguard/gateway"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import * as Layer from "effect/Layer"
import type * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import type * as Subscribable from "effect/Subscribable"
import * as SubscriptionRef from "effect/SubscriptionRef"
import { type Service as Hub, MarketHub, UserHub } from "./HubConnection.js"
import type { HubEvent } from "./HubEvent.js"
import * as Data from "./internal/accountData.js"

export type Snapshot = Data.AccountData
export { empty, isClosedPosition, positionKey } from "./internal/accountData.js"

/** Records which entities live events touched while it is open (see {@link Service.watch}). */
export interface Watch {
  readonly touched: () => ReadonlySet<string>
}

export interface Service {
  /** The snapshot (a SubscriptionRef, read-only here): `get`, and `changes` starting with the current one. */
  readonly snapshot: Subscribable.Subscribable<Snapshot>
  readonly get: Effect.Effect<Snapshot>
  readonly apply: (event: HubEvent) => Effect.Effect<void>
  readonly applyAll: (events: Iterable<HubEvent>) => Effect.Effect<void>
  /**
   * Runs `f` on the current snapshot and applies the events it returns, as one
   * atomic step (no event slips in between). For the reconciler.
   */
  readonly modify: <A>(f: (data: Snapshot) => readonly [A, ReadonlyArray<HubEvent>]) => Effect.Effect<A>
  /** Keeps this state fed from a hub's events (live ones) for as long as the scope lives. */
  readonly follow: (hub: Hub) => Effect.Effect<void, never, Scope.Scope>
  /** Waits until every event already published on the followed hubs has been applied. */
  readonly settle: Effect.Effect<void>
  /** Starts recording the entity keys (`a:<id>`, `o:<id>`, `p:<account>:<contract>`) touched by live events. */
  readonly watch: Effect.Effect<Watch, never, Scope.Scope>
  /** Drops today's trades and ended orders (call it at your trading-day boundary). */
  readonly resetDay: Effect.Effect<void>
}

export class AccountState extends Context.Tag("@tradeguard/realtime/AccountState")<AccountState, Service>() {}

/** An AccountState that nothing feeds yet. */
export const make: Effect.Effect<Service> = Effect.gen(function*() {
  let current: Snapshot = Data.empty
  const ref = yield* SubscriptionRef.make(current)
  const watches = new Set<Set<string>>()
  const followed = new Set<Queue.Dequeue<HubEvent>>()
  let inFlight = 0

  const record = (e: HubEvent) => {
    const key = Data.entityKey(e)
    if (key !== undefined) for (const w of watches) w.add(key)
  }
  const publish = (next: Snapshot) =>
    next === current ? Effect.void : Effect.suspend(() => {
      current = next
      return SubscriptionRef.set(ref, next)
    })
  const applyLive = (events: Iterable<HubEvent>) =>
    Effect.suspend(() => {
      const live: Array<HubEvent> = []
      for (const e of events) if (!e.reconciled) live.push(e)
      return publish(Data.applyAll(current, live, watches.size > 0 ? record : undefined))
    })

  const follow = (hub: Hub) =>
    Effect.gen(function*() {
      const queue = yield* hub.subscribeEvents
      followed.add(queue)
      yield* Effect.addFinalizer(() => Effect.sync(() => followed.delete(queue)))
      yield* Effect.forkScoped(Effect.forever(
        Effect.flatMap(queue.takeBetween(1, 4096), (batch) => {
          inFlight++
          return applyLive(batch).pipe(Effect.ensuring(Effect.sync(() => {
            inFlight--
          })))
        })
      ))
    })

  const isBusy = () => {
    if (inFlight > 0) return true
    for (const q of followed) {
      const size = q.unsafeSize()
      if (size._tag === "Some" && size.value > 0) return true
    }
    return false
  }
  /** Idle = nothing queued or being applied, seen on a few scheduler turns in a row (an event may be in hand-over). */
  const settle: Effect.Effect<void> = Effect.suspend(function loop(idle = 0): Effect.Effect<void> {
    if (idle >= 3) return Effect.void
    return Effect.yieldNow().pipe(Effect.zipRight(Effect.suspend(() => loop(isBusy() ? 0 : idle + 1))))
  })

  return {
    snapshot: ref,
    get: Effect.sync(() => current),
    apply: (event) => Effect.suspend(() => publish(Data.apply(current, event))),
    applyAll: (events) => Effect.suspend(() => publish(Data.applyAll(current, events))),
    modify: <A>(f: (data: Snapshot) => readonly [A, ReadonlyArray<HubEvent>]) =>
      Effect.suspend(() => {
        const [a, events] = f(current)
        return Effect.as(publish(Data.applyAll(current, events)), a)
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
    resetDay: Effect.suspend(() => publish(Data.resetDay(current)))
  } satisfies Service
})

/** AccountState fed from UserHub and MarketHub. */
export const layer: Layer.Layer<AccountState, never, UserHub | MarketHub> = Layer.scoped(
  AccountState,
  Effect.gen(function*() {
    const state = yield* make
    yield* state.follow(yield* UserHub)
    yield* state.follow(yield* MarketHub)
    return state
  })
)

/** AccountState fed from UserHub only (no quotes). */
export const layerUserHub: Layer.Layer<AccountState, never, UserHub> = Layer.scoped(
  AccountState,
  Effect.gen(function*() {
    const state = yield* make
    yield* state.follow(yield* UserHub)
    return state
  })
)

/** AccountState that nothing feeds: use `apply` / `follow` yourself. */
export const layerDetached: Layer.Layer<AccountState> = Layer.effect(AccountState, make)

// ---------------------------------------------------------------- queries

/** The working orders of an account. */
export const workingOrders = (s: Snapshot, accountId: number): Array<Models.Order> =>
  [...HashMap.values(s.orders)].filter((o) => o.accountId === accountId)

/** The open positions of an account. */
export const openPositions = (s: Snapshot, accountId: number): Array<Models.Position> =>
  [...HashMap.values(s.positions)].filter((p) => p.accountId === accountId)

/** Today's trades of an account, oldest first. */
export const tradesOf = (s: Snapshot, accountId: number): Array<Models.Trade> =>
  [...HashMap.values(s.trades)]
    .filter((t) => t.accountId === accountId)
    .sort(byTime)

/** Oldest first, then by id. */
export const byTime = (a: Models.Trade, b: Models.Trade): number =>
  Models.timestampToMillis(a.creationTimestamp) - Models.timestampToMillis(b.creationTimestamp) || a.id - b.id
