/**
 * HubConnection (GAP-API-003/004/005): one per hub. Connects through
 * {@link HubTransport} with a token from TokenManager, reconnects on its own
 * (backoff `signalr.reconnection.delays`, escalation after `maxAttempts`
 * failures in a row, then every `maxDelayMs`, never giving up), pings, detects
 * a stale connection, replays the declared subscriptions after every
 * reconnect (a subscription the hub refuses is retried with the same backoff
 * while the connection lives, and `health` says degraded meanwhile), and turns
 * hub invocations into one typed {@link HubEvent} stream.
 *
 * When to use: `UserHub` / `MarketHub` (layers `layerUser`, `layerMarket`) in
 * an app; `make` for a connection of your own. Declare subscriptions once with
 * `subscribe`; consume `events`; watch `state` / `lifecycle` / `health`.
 *
 * Gotchas: `events` and `lifecycle` are hubs without replay: a consumer sees
 * what is published after it subscribed (use `subscribeEvents` inside a scope
 * to be subscribed before acting). A trade id is delivered at most once on
 * `events`, live or reconciled.
 *
 * Bounded, sliding: each subscriber of `events` (and of `lifecycle`) holds at
 * most `subscriberBuffer` events not taken yet (default 10,000). A subscriber
 * that falls further behind loses the oldest; the reader never waits for it,
 * and the others are not affected. What is dropped is counted in
 * `health.droppedEvents` / `health.droppedLifecycle` and in the metric
 * {@link droppedEventsTotal} (tags `hub`, `stream`). State that must see
 * every event (AccountState, the reconciler, order tracking, rules) is fed
 * through `attach`, which is never bounded nor dropped.
 *
 * @since 0.1.0
 */
import { TokenManager } from "@tradeguard/resilience"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as Subscribable from "effect/Subscribable"
import * as SubscriptionRef from "effect/SubscriptionRef"
import { RealtimeConfig } from "./Config.js"
import type { HubEvent } from "./HubEvent.js"
import { HubInvokeError, HubTransport } from "./HubTransport.js"
import { type ConnectionState, type LifecycleEvent, type LostCause } from "./internal/connectionMachine.js"
import { makeDriver } from "./internal/connectionDriver.js"
import type { Health } from "./internal/health.js"
import { droppedEventsTotal } from "./internal/slidingHub.js"
import type { Subscription } from "./internal/subscriptions.js"
import type { MarketSubscription, UserSubscription } from "./Subscription.js"

export type {
  /**
   * The state of a hub connection: `Disconnected`, `Connecting`, `Connected`, `Reconnecting`, `Closed`.
   *
   * @since 0.1.0
   */
  ConnectionState,
  /**
   * A hub connection's health, as `health` returns it.
   *
   * @since 0.1.0
   */
  Health,
  /**
   * The connection's lifecycle events: `Connected`, `Reconnecting`, `Reconnected`, `Subscribed`, `SubscriptionActive`, `Closed`.
   *
   * @since 0.1.0
   */
  LifecycleEvent,
  /**
   * Why a connected socket is being replaced.
   *
   * @since 0.1.0
   */
  LostCause,
  /**
   * A declared subscription: a hub method and its arguments.
   *
   * @since 0.1.0
   */
  Subscription
}
export {
  /**
   * The delay before the next attempt after `failures` failures in a row: `delays[failures]` (the last one repeats), never above the maximum.
   *
   * @since 0.1.0
   */
  delayFor
} from "./internal/connectionMachine.js"

export {
  /**
   * Counter of the events a slow subscriber lost (beyond `subscriberBuffer`), tagged `hub`
   * (`user`, `market`) and `stream` (`events`, `lifecycle`).
   *
   * @since 0.1.0
   */
  droppedEventsTotal
}

/**
 * What each subscriber of `events` / `lifecycle` may hold untaken unless `subscriberBuffer` says otherwise.
 *
 * @since 0.1.0
 */
export const defaultSubscriberBuffer = 10_000

/**
 * Which hub: it decides the event decoders and the methods listened to.
 *
 * @since 0.1.0
 */
export type Hub = "user" | "market"

/**
 * What `make` needs: the hub, its URL, and the buffers and caches of the connection.
 *
 * @since 0.1.0
 */
export interface Options {
  readonly hub: Hub
  readonly url: string
  /** How many recent trade ids are remembered to deliver each trade once (default 100,000). */
  readonly tradeIdMemory?: number
  /** Start connecting at once (default true); with false, call `start`. */
  readonly autoStart?: boolean
  /**
   * Events each subscriber of `events` (and of `lifecycle`) may hold untaken (default
   * {@link defaultSubscriberBuffer}, 10,000); beyond, its oldest are dropped and counted.
   */
  readonly subscriberBuffer?: number
}

/**
 * `subscribe` / `unsubscribe`: a method name and its arguments (`("SubscribeOrders", 465)`), or a
 * value of the Subscription module (`Subscription.orders(465)`); both name the same subscription.
 *
 * @since 0.2.0
 */
export interface SubscribeFn<S extends Subscription = Subscription> {
  (subscription: S): Effect.Effect<void, HubInvokeError>
  (method: string, ...args: ReadonlyArray<unknown>): Effect.Effect<void, HubInvokeError>
}

/** The `{ method, args }` of either form. */
const toSubscription = (first: string | Subscription, rest: ReadonlyArray<unknown>): Subscription =>
  typeof first === "string" ? { method: first, args: rest } : first

/**
 * A self-healing hub connection: its state, typed events, lifecycle, health and subscriptions.
 * `S` is the kind of typed subscription it takes: {@link UserHub} takes only
 * `Subscription.UserSubscription` values (`Subscription.orders(id)`), {@link MarketHub} only
 * `Subscription.MarketSubscription` values (`Subscription.contractQuotes(id)`), so a market
 * subscription on the user hub is a type error; the string form is not checked.
 *
 * @since 0.1.0
 */
export interface Service<S extends Subscription = Subscription> {
  readonly hub: Hub
  readonly url: string
  /** The connection state (a SubscriptionRef, read-only here): `get`, and `changes` starting with the current value. */
  readonly state: Subscribable.Subscribable<ConnectionState>
  /**
   * Connected, Reconnecting, Reconnected, Subscribed (the replay is done), SubscriptionActive (a
   * subscription became active after the replay: declared while subscribed, or retried), Closed, in order
   * (bounded per subscriber, see above).
   */
  readonly lifecycle: Stream.Stream<LifecycleEvent>
  /** Subscribes to lifecycle events now (the subscription lives as long as the scope). */
  readonly subscribeLifecycle: Effect.Effect<Queue.Dequeue<LifecycleEvent>, never, Scope.Scope>
  /**
   * Decoded hub events, live (`reconciled: false`) and published by the reconciler (`reconciled: true`).
   * A subscriber holds at most `subscriberBuffer` untaken; it loses the oldest beyond (`health.droppedEvents`).
   */
  readonly events: Stream.Stream<HubEvent>
  /** Subscribes to events now (the subscription lives as long as the scope). */
  readonly subscribeEvents: Effect.Effect<Queue.Dequeue<HubEvent>, never, Scope.Scope>
  /** Last-message age, reconnect counts, decode failures, failing subscriptions, ... */
  readonly health: Effect.Effect<Health>
  /**
   * Declares a subscription, e.g. `subscribe("SubscribeOrders", accountId)` or, typed,
   * `subscribe(Subscription.orders(accountId))` (the same subscription): invoked now if
   * connected (then lifecycle `SubscriptionActive`), and again after every reconnect. Declaring it
   * twice is a no-op. Fails only when the invocation on the live connection fails: the declaration
   * stays, and it is retried with backoff (`health.failingSubscriptions` names it meanwhile).
   */
  subscribe(subscription: S): Effect.Effect<void, HubInvokeError>
  subscribe(method: string, ...args: ReadonlyArray<unknown>): Effect.Effect<void, HubInvokeError>
  /**
   * Forgets a subscription and, if connected, invokes its `Unsubscribe...` twin; the string form
   * or a value (`unsubscribe(Subscription.orders(accountId))`), whichever form declared it.
   */
  unsubscribe(subscription: S): Effect.Effect<void, HubInvokeError>
  unsubscribe(method: string, ...args: ReadonlyArray<unknown>): Effect.Effect<void, HubInvokeError>
  readonly subscriptions: Effect.Effect<ReadonlyArray<Subscription>>
  /** Invokes a hub method on the live connection; fails with reason `Closed` when there is none. */
  readonly invoke: (method: string, ...args: ReadonlyArray<unknown>) => Effect.Effect<unknown, HubInvokeError>
  /**
   * Runs `consumer` on every batch of events (live and published) synchronously, BEFORE the
   * batch is published on `events`, for as long as the scope lives: a state kept this way
   * already includes an event when any subscriber of `events` sees it. The consumer must be
   * quick and must not block; if it throws, the error is logged and counted
   * (`health.consumerFailures`) and the batch still goes out.
   */
  readonly attach: (consumer: (events: ReadonlyArray<HubEvent>) => void) => Effect.Effect<void, never, Scope.Scope>
  /** Messages received on the live connection and not handled yet (0 when idle or not connected). */
  readonly backlog: Effect.Effect<number>
  /** Publishes events on `events` (the reconciler's missed events). Returns how many went out (trades are deduplicated). */
  readonly publish: (events: Iterable<HubEvent>) => Effect.Effect<number>
  /** Starts connecting (no-op once started). */
  readonly start: Effect.Effect<void>
  /** Drops the live connection and reconnects (no-op when not connected). */
  readonly reconnect: (reason: string) => Effect.Effect<void>
  /** Closes for good (state Closed). The scope closing does the same. */
  readonly stop: Effect.Effect<void>
}

/**
 * A hub connection that starts connecting at once (unless `autoStart: false`)
 * and lives as long as the scope. Needs the transport, the token manager and the realtime config.
 *
 * @since 0.1.0
 */
export const make = (
  options: Options
): Effect.Effect<Service, never, Scope.Scope | HubTransport | TokenManager.TokenManager | RealtimeConfig> =>
  Effect.gen(function*() {
    const config = yield* RealtimeConfig
    const transport = yield* HubTransport
    const tokens = yield* TokenManager.TokenManager
    const stateRef = yield* SubscriptionRef.make<ConnectionState>({ _tag: "Disconnected" })
    const driver = yield* makeDriver({
      autoStart: options.autoStart ?? true,
      hub: options.hub,
      url: options.url,
      tradeIdMemory: options.tradeIdMemory ?? 100_000,
      signalr: config.signalr,
      transport,
      tokens,
      stateRef,
      subscriberBuffer: options.subscriberBuffer ?? defaultSubscriberBuffer
    })
    const invokeLive = (method: string, args: ReadonlyArray<unknown>) =>
      Effect.suspend(() => {
        const live = driver.live()
        return live === undefined
          ? Effect.fail(new HubInvokeError({ method, reason: "Closed", detail: "not connected" }))
          : live.socket.invoke(method, args)
      })
    const service: Service = {
      hub: options.hub,
      url: options.url,
      state: stateRef,
      lifecycle: driver.lifecycle.stream,
      subscribeLifecycle: driver.lifecycle.subscribe,
      events: driver.events.stream,
      subscribeEvents: driver.events.subscribe,
      health: driver.health,
      subscribe: Effect.fn("HubConnection.subscribe")(function*(first: string | Subscription, ...rest: ReadonlyArray<unknown>) {
        const { method, args } = toSubscription(first, rest)
        return yield* driver.subscribe(method, args)
      }),
      unsubscribe: Effect.fn("HubConnection.unsubscribe")(
        function*(first: string | Subscription, ...rest: ReadonlyArray<unknown>) {
          const { method, args } = toSubscription(first, rest)
          return yield* driver.unsubscribe(method, args)
        }
      ),
      subscriptions: Effect.sync(() => driver.subscriptions()),
      invoke: Effect.fn("HubConnection.invoke")(function*(method: string, ...args: ReadonlyArray<unknown>) {
        return yield* invokeLive(method, args)
      }),
      attach: driver.attach,
      backlog: Effect.sync(driver.backlog),
      publish: driver.publish,
      start: driver.start,
      reconnect: (reason) => driver.lose("manual", reason),
      stop: driver.stop("stopped")
    }
    return service
  }).pipe(Effect.annotateLogs({ module: "realtime/HubConnection", hub: options.hub }))

/**
 * The user hub connection (accounts, orders, positions, trades).
 *
 * @since 0.1.0
 */
export class UserHub extends Context.Tag("@tradeguard/realtime/UserHub")<UserHub, Service<UserSubscription>>() {}

/**
 * The market hub connection (quotes, market trades, depth).
 *
 * @since 0.1.0
 */
export class MarketHub extends Context.Tag("@tradeguard/realtime/MarketHub")<MarketHub, Service<MarketSubscription>>() {}

/**
 * The user hub at `signalr.hubs.userHubUrl`. Needs HubTransport, TokenManager, RealtimeConfig.
 *
 * @since 0.1.0
 */
export const layerUser: Layer.Layer<UserHub, never, HubTransport | TokenManager.TokenManager | RealtimeConfig> =
  Layer.scoped(
    UserHub,
    Effect.flatMap(RealtimeConfig, (c) => make({ hub: "user", url: c.signalr.hubs.userHubUrl }))
  )

/**
 * The market hub at `signalr.hubs.marketHubUrl`. Needs HubTransport, TokenManager, RealtimeConfig.
 *
 * @since 0.1.0
 */
export const layerMarket: Layer.Layer<MarketHub, never, HubTransport | TokenManager.TokenManager | RealtimeConfig> =
  Layer.scoped(
    MarketHub,
    Effect.flatMap(RealtimeConfig, (c) => make({ hub: "market", url: c.signalr.hubs.marketHubUrl }))
  )

/**
 * Waits until the connection is Connected with its subscriptions replayed.
 *
 * @since 0.1.0
 */
export const awaitSubscribed = (hub: Service): Effect.Effect<void> =>
  hub.state.changes.pipe(
    Stream.filter((s) => s._tag === "Connected" && s.subscribed),
    Stream.take(1),
    Stream.runDrain
  )
