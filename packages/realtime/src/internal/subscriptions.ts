/**
 * The declared hub subscriptions of one connection, in declaration order,
 * each once (same method and arguments = same subscription), and their upkeep
 * on the live socket: the replay after every (re)connect, `subscribe` /
 * `unsubscribe` while connected, and the retry of a subscription the hub
 * refused (backoff `signalr.reconnection.delays`, for as long as that
 * connection lives; `health.failingSubscriptions` names it meanwhile).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type { HubInvokeError } from "../HubTransport.js"
import * as M from "./connectionMachine.js"
import type { HealthCounters } from "./health.js"
import type { Live } from "./liveSocket.js"

export interface Subscription {
  readonly method: string
  readonly args: ReadonlyArray<unknown>
}

export class SubscriptionRegistry {
  private readonly entries = new Map<string, Subscription>()

  /** Records a subscription; false when it was already declared. */
  add(method: string, args: ReadonlyArray<unknown>): boolean {
    const key = keyOf(method, args)
    if (this.entries.has(key)) return false
    this.entries.set(key, { method, args })
    return true
  }

  /** Forgets a subscription; false when it was not declared. */
  remove(method: string, args: ReadonlyArray<unknown>): boolean {
    return this.entries.delete(keyOf(method, args))
  }

  /** Every declared subscription, in declaration order. */
  all(): ReadonlyArray<Subscription> {
    return [...this.entries.values()]
  }
}

/** The identity of a subscription: its method and arguments. */
export const keyOf = (method: string, args: ReadonlyArray<unknown>): string => JSON.stringify([method, ...args])

/** `SubscribeOrders(465)`, for logs and errors. */
export const describeSubscription = (s: Subscription): string =>
  `${s.method}(${s.args.map((a) => JSON.stringify(a)).join(", ")})`

/** `SubscribeOrders` -> `UnsubscribeOrders`; undefined for a method without an Unsubscribe twin. */
export const unsubscribeMethod = (method: string): string | undefined =>
  method.startsWith("Subscribe") ? `Un${method.charAt(0).toLowerCase()}${method.slice(1)}` : undefined

export interface SubscriberContext {
  readonly counters: HealthCounters
  /** The backoff of failed subscriptions is the reconnection's (`delayFor`). */
  readonly machine: M.MachineConfig
  readonly live: () => Live | undefined
  readonly offer: (e: M.Event) => Effect.Effect<unknown>
}

/** A socket that closed under us: the replay after the reconnect takes care of it. */
const unlessClosed = (e: HubInvokeError) => (e.reason === "Closed" ? Effect.void : Effect.fail(e))

/** The declared subscriptions and their upkeep on the live connection (see the module doc). */
export const makeSubscriber = (ctx: SubscriberContext) =>
  Effect.gen(function*() {
    const { counters } = ctx
    const subs = new SubscriptionRegistry()
    const lock = yield* Effect.makeSemaphore(1)
    /** The connection on which the declared subscriptions were last replayed. */
    let replayedOn: number | undefined

    const isLive = (conn: Live) => ctx.live()?.id === conn.id
    const active = (conn: Live, subscription: Subscription) =>
      ctx.offer({ _tag: "SubscriptionActive", connectionId: conn.id, subscription })

    /**
     * Counts and logs a refused invocation; unless the socket is closing, the subscription is
     * marked failing and retried on this connection. `failures`: refusals in a row.
     */
    const refused = (conn: Live, s: Subscription, e: HubInvokeError, failures: number): Effect.Effect<void> =>
      Effect.suspend(() => {
        counters.subscriptionFailures++
        const what = `subscription ${describeSubscription(s)} failed: ${e.message}`
        if (e.reason === "Closed" || !isLive(conn)) return Effect.logWarning(what)
        counters.failing.set(keyOf(s.method, s.args), s)
        counters.lastError = what
        const delay = M.delayFor(ctx.machine, failures)
        return Effect.logWarning(`${what}; retrying in ${delay} ms (hub degraded until it succeeds)`).pipe(
          Effect.zipRight(Effect.forkIn(retry(conn, s, failures, delay), conn.scope)),
          Effect.asVoid
        )
      })

    /** One retry after `delay`, while `s` is still the failing entry of this live connection. */
    const retry = (conn: Live, s: Subscription, failures: number, delay: number): Effect.Effect<void> =>
      Effect.sleep(delay).pipe(Effect.zipRight(lock.withPermits(1)(Effect.suspend(() => {
        const key = keyOf(s.method, s.args)
        if (!isLive(conn) || counters.failing.get(key) !== s) return Effect.void
        return conn.socket.invoke(s.method, s.args).pipe(
          Effect.matchEffect({
            onFailure: (e) => refused(conn, s, e, failures + 1),
            onSuccess: () =>
              Effect.logInfo(`subscription ${describeSubscription(s)} active after ${failures} failure(s)`).pipe(
                Effect.zipRight(Effect.sync(() => counters.failing.delete(key))),
                Effect.zipRight(active(conn, s))
              )
          })
        )
      }))), Effect.asVoid)

    return {
      all: () => subs.all(),
      /** A new connection is live (or none is): the previous one's failures are moot. */
      reset: () => counters.failing.clear(),
      /** Invokes the declared subscriptions on `conn` after `delayMs`, then reports Subscribed. */
      replay: (conn: Live, delayMs: number) =>
        Effect.gen(function*() {
          if (delayMs > 0) yield* Effect.sleep(delayMs)
          yield* lock.withPermits(1)(Effect.suspend(() =>
            Effect.forEach(subs.all(), (s) =>
              conn.socket.invoke(s.method, s.args).pipe(Effect.catchAll((e) => refused(conn, s, e, 1))), {
              discard: true
            })
          ).pipe(Effect.zipRight(Effect.sync(() => {
            replayedOn = conn.id
          }))))
          yield* ctx.offer({ _tag: "Subscribed", connectionId: conn.id })
        }),
      subscribe: (method: string, args: ReadonlyArray<unknown>) =>
        lock.withPermits(1)(Effect.suspend(() => {
          const conn = ctx.live()
          if (!subs.add(method, args) || conn === undefined || replayedOn !== conn.id) return Effect.void
          const s: Subscription = { method, args }
          return conn.socket.invoke(method, args).pipe(
            Effect.tapError((e) => refused(conn, s, e, 1)),
            Effect.zipRight(active(conn, s))
          )
        })).pipe(Effect.asVoid, Effect.catchAll(unlessClosed)),
      unsubscribe: (method: string, args: ReadonlyArray<unknown>) =>
        lock.withPermits(1)(Effect.suspend(() => {
          const conn = ctx.live()
          const removed = subs.remove(method, args)
          const wasFailing = counters.failing.delete(keyOf(method, args))
          const twin = unsubscribeMethod(method)
          return removed && !wasFailing && twin !== undefined && conn !== undefined && replayedOn === conn.id
            ? conn.socket.invoke(twin, args)
            : Effect.void
        })).pipe(Effect.asVoid, Effect.catchAll(unlessClosed))
    }
  })
