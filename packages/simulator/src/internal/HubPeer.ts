/**
 * One hub connection, whatever carries it (a WebSocket or the in-process
 * API): its subscriptions, the pump from the exchange's ordered event queue
 * to the connection (routing, hub faults, logout), the 15 s pinger, the token
 * expiry watch, stalls, and how it ends. The carrier supplies a {@link Sink}.
 * All time goes through Effect's Clock.
 *
 * @internal
 */
import { HubEvents, HubProtocol, Models } from "@tradeguard/gateway"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import type { Service as AuthService, Session } from "../Auth.js"
import type { Service as ExchangeService } from "../Exchange.js"
import type { ExchangeEvent } from "../ExchangeEvent.js"
import type { Service as FaultService } from "../FaultInjector.js"
import type { EventFault, HubName } from "./HubFaults.js"
import * as Methods from "./HubMethods.js"
import { invocation, omitNulls, type Outbound, outbound, ping } from "./HubPayload.js"

/** How a connection ends: a Close message (type 7) then a normal close, an abrupt drop, or the client left. */
export type Ending =
  | { readonly _tag: "Close"; readonly error: string | undefined; readonly allowReconnect?: boolean | undefined }
  | { readonly _tag: "Drop"; readonly error: string }
  | { readonly _tag: "Client" }

/** Where a connection's messages go. Called synchronously, in order. */
export interface Sink {
  /** Sends a batch (one WebSocket message on a socket). */
  readonly write: (batch: ReadonlyArray<Outbound>) => void
  /** Ends the carrier, once: a Close message first for `Close`, a broken socket for `Drop`. */
  readonly end: (how: Ending) => void
}

/** A hub method failed; `wire` is the completion's error text. */
export interface MethodFailure {
  readonly reason: "UnknownMethod" | "BadArguments" | "Forbidden" | "NotFound" | "Closed"
  readonly detail: string
  readonly wire: string
}

/** A connection attempt that passed auth and the fault plan. */
export interface Admitted {
  readonly id: string
  readonly hub: HubName
  readonly token: string
  readonly session: Session
}

export interface Peer extends Admitted {
  readonly openedAt: number
  readonly subscriptions: Methods.Subscriptions
  /** Runs a client-to-server method (waits while the connection is stalled). */
  readonly invoke: (target: string, args: ReadonlyArray<unknown>) => Effect.Effect<unknown, MethodFailure>
  /** Sends messages unless ended (waits while stalled). */
  readonly write: (batch: ReadonlyArray<Outbound>) => Effect.Effect<void>
  readonly end: (how: Ending) => Effect.Effect<void>
  /** Stops all sending for `millis`, or until the connection ends. */
  readonly stall: (millis: number | "end") => Effect.Effect<void>
  readonly stalled: () => boolean
  /** Closes the connection if its token no longer authenticates (and the plan closes on expiry); true if closed. */
  readonly checkToken: Effect.Effect<boolean>
  /** Completes with how the connection ended. */
  readonly ended: Effect.Effect<Ending>
}

export interface PeerContext {
  readonly exchange: ExchangeService
  readonly auth: AuthService
  readonly faults: FaultService
  readonly pingMillis: number
  readonly outbound: (event: ExchangeEvent) => Outbound | undefined
  /** A connection was dropped (by the plan or an operator). */
  readonly dropped: (hub: HubName) => Effect.Effect<void>
}

const failure = (method: string, reason: MethodFailure["reason"], detail: string): MethodFailure => ({
  reason,
  detail,
  wire: reason === "UnknownMethod" || reason === "BadArguments"
    ? `Failed to invoke '${method}' due to an error on the server. ${
      reason === "UnknownMethod" ? "HubException" : "InvalidDataException"
    }: ${detail}`
    : `An unexpected error occurred invoking '${method}' on the server. HubException: ${detail}`
})

const maxBatch = 4096

/** Opens a connection on `sink`; it lives until it ends or the scope closes. */
export const open = (ctx: PeerContext, admitted: Admitted, sink: Sink): Effect.Effect<Peer, never, Scope.Scope> =>
  Effect.gen(function*() {
    const { exchange, faults, hub } = { ...ctx, hub: admitted.hub }
    const queue = yield* exchange.subscribe
    const done = yield* Deferred.make<Ending>()
    const subscriptions = Methods.emptySubscriptions()
    let ended = false
    let stalledUntil: number | "end" | undefined
    /** Per contract: market data older than the snapshot a subscription just sent is skipped. */
    const since = new Map<string, number>()

    const end = (how: Ending) =>
      Effect.suspend(() => {
        if (ended) return Effect.void
        ended = true
        sink.end(how)
        return Effect.zipRight(
          how._tag === "Drop" ? ctx.dropped(hub) : Effect.void,
          Deferred.succeed(done, how)
        )
      })

    const awaitUnstalled: Effect.Effect<void> = Effect.suspend(() => {
      if (stalledUntil === undefined) return Effect.void
      if (stalledUntil === "end") return Deferred.await(done)
      const until = stalledUntil
      return Effect.flatMap(Clock.currentTimeMillis, (now) => {
        if (now < until) return Effect.zipRight(Effect.sleep(until - now), awaitUnstalled)
        if (stalledUntil === until) stalledUntil = undefined
        return awaitUnstalled
      })
    })
    const send = (batch: ReadonlyArray<Outbound>) => {
      if (!ended) sink.write(batch)
    }
    /** Sends `batch` at once, or once the connection is no longer stalled. */
    const write = (batch: ReadonlyArray<Outbound>): Effect.Effect<void> =>
      batch.length === 0 ? Effect.void : Effect.suspend(() => {
        if (stalledUntil === undefined) {
          send(batch)
          return Effect.void
        }
        return Effect.zipRight(awaitUnstalled, Effect.sync(() => send(batch)))
      })
    const stall = (millis: number | "end") =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const until = millis === "end" ? "end" : now + millis
        if (stalledUntil === "end") return
        stalledUntil = until === "end" || stalledUntil === undefined ? until : Math.max(until, stalledUntil)
      })

    /** Drops market data published before the snapshot a new subscription sent. */
    const stale = (event: ExchangeEvent): boolean => {
      if (since.size === 0 || (event._tag !== "QuoteUpdated" && event._tag !== "DepthUpdated")) return false
      const key = (event._tag === "QuoteUpdated" ? "q:" : "d:") + event.contractId
      const t = since.get(key)
      if (t === undefined) return false
      // Skipping a prefix of the older updates and sending the rest in order converges on the
      // snapshot (a delta without a timestamp is not older than the one before it).
      const stamp = event._tag === "QuoteUpdated" ? event.quote.timestamp : event.entries[0]?.timestamp
      if (stamp !== undefined && stamp !== null && Models.timestampToMillis(stamp) < t) return true
      since.delete(key)
      return false
    }

    const logout = (event: Extract<ExchangeEvent, { _tag: "Logout" }>) =>
      Effect.gen(function*() {
        if (hub === "user") yield* write([invocation(HubEvents.UserHubEvents.logout, [event.reason])])
        const why = event.reason === "replaced" ? "logged in elsewhere" : event.reason === "forced" ? "ended by the operator" : "logged out"
        yield* end({ _tag: "Close", error: `Unauthorized: the session was ended (${why}).` })
      })

    /** Sends a batch of exchange events: routing, then the plan's hub rules event by event. */
    const deliver = (events: ReadonlyArray<ExchangeEvent>): Effect.Effect<void> =>
      Effect.flatMap(faults.hubEvents(hub), (decide) => deliverFrom(events, 0, decide, []))

    /**
     * Sends `events` from `from` on, after `out`: plain code (it runs for every batch of every connection) up to
     * an event that needs an Effect (a logout, a drop, a stall or a delay), which goes on from the next event after it.
     */
    const deliverFrom = (
      events: ReadonlyArray<ExchangeEvent>,
      from: number,
      decide: (() => EventFault) | undefined,
      out: Array<Outbound>
    ): Effect.Effect<void> => {
      for (let i = from; i < events.length; i++) {
        if (ended) return Effect.void
        const event = events[i]!
        if (event._tag === "Logout") {
          if (event.userId === admitted.session.userId && event.sessionIds.includes(admitted.session.sessionId)) {
            return Effect.zipRight(write(out), logout(event))
          }
          continue
        }
        if (!Methods.wants(subscriptions, admitted.session.userId, event) || stale(event)) continue
        const o = ctx.outbound(event)
        if (o === undefined) continue
        if (decide !== undefined) {
          const f = decide()
          if (f.drop !== undefined) {
            const how: Ending = f.drop.closeFrame
              ? { _tag: "Close", error: f.drop.error }
              : { _tag: "Drop", error: f.drop.error }
            return write(out).pipe(
              Effect.zipRight(how._tag === "Close" ? ctx.dropped(hub) : Effect.void),
              Effect.zipRight(end(how))
            )
          }
          if (f.stall !== undefined || f.delayMillis > 0) {
            const next = i + 1
            return write(out).pipe(
              Effect.zipRight(f.stall !== undefined ? stall(f.stall) : Effect.void),
              Effect.zipRight(f.delayMillis > 0 ? Effect.sleep(f.delayMillis) : Effect.void),
              Effect.zipRight(Effect.suspend(() => deliverFrom(events, next, decide, f.lose ? [] : [o])))
            )
          }
          if (f.lose) continue
        }
        out.push(o)
      }
      return write(out)
    }

    // One event waited for, then (after a busy producer had its turn to add to the batch: one WebSocket message per
    // tick) what else is there, up to a batch.
    const pump = Effect.forever(Effect.flatMap(
      Effect.zipLeft(Queue.take(queue), Effect.yieldNow()),
      (head) => Effect.flatMap(Queue.takeUpTo(queue, maxBatch - 1), (rest) => deliver(Chunk.toReadonlyArray(Chunk.prepend(rest, head))))
    ))

    const pinger = Effect.forever(Effect.zipRight(
      Effect.sleep(ctx.pingMillis),
      Effect.sync(() => {
        if (!ended && stalledUntil === undefined) sink.write([ping])
      })
    ))

    const expired = Effect.map(Effect.isSuccess(ctx.auth.authenticate(admitted.token)), (ok) => !ok)
    const checkToken: Effect.Effect<boolean> = Effect.gen(function*() {
      if (ended || !(yield* expired)) return false
      if ((yield* faults.plan).hub?.closeOnTokenExpiry === false) return false
      yield* end({ _tag: "Close", error: "Unauthorized: the access token has expired." })
      return true
    })
    /** Closes the connection when its token expires (the hubs look again after plan changes and `expireTokens`). */
    const expiry: Effect.Effect<void> = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      if (now < admitted.session.expiresAt) yield* Effect.sleep(admitted.session.expiresAt - now)
      yield* checkToken
    })

    const invoke = (target: string, args: ReadonlyArray<unknown>): Effect.Effect<unknown, MethodFailure> =>
      Effect.gen(function*() {
        yield* awaitUnstalled
        if (ended) return yield* Effect.fail(failure(target, "Closed", "The connection is closed."))
        const method = Methods.lookup(hub, target)
        if (method === undefined) return yield* Effect.fail(failure(target, "UnknownMethod", "Method does not exist."))
        const bound = Methods.bindArgs(method, args)
        if (!bound.ok) return yield* Effect.fail(failure(method.name, "BadArguments", bound.error))
        const key = bound.key
        if (method.subscribe && method.arg === "accountId") {
          const owner = yield* Effect.either(exchange.ownerOf(key as number))
          if (owner._tag === "Left" || owner.right !== admitted.session.userId) {
            return yield* Effect.fail(failure(method.name, "Forbidden", `Account ${key} is not an account of this user.`))
          }
        }
        if (method.subscribe && method.arg === "contractId") {
          const exists = yield* Effect.isSuccess(exchange.contractById(key as string))
          if (!exists) return yield* Effect.fail(failure(method.name, "NotFound", `Contract ${key} was not found.`))
        }
        const fresh = method.subscribe && method.kind !== "accounts" &&
          !(subscriptions[method.kind] as Set<unknown>).has(key)
        Methods.apply(subscriptions, method, key)
        if (fresh && (method.kind === "quotes" || method.kind === "depth")) yield* snapshot(method.kind, key as string)
        return null
      })

    /** A new quote or depth subscriber first gets the complete current picture. */
    const snapshot = (kind: "quotes" | "depth", contractId: string) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        since.set((kind === "quotes" ? "q:" : "d:") + contractId, now)
        const o = kind === "quotes"
          ? invocation(HubEvents.MarketHubEvents.quote, [contractId, omitNulls(yield* Effect.orDie(exchange.quote(contractId)))])
          : invocation(HubEvents.MarketHubEvents.depth, [
            contractId,
            (yield* Effect.orDie(exchange.depth(contractId))).map(omitNulls)
          ])
        yield* write([o])
      })

    // Interruptible even when opened in an uninterruptible region (forked fibers inherit it).
    const fork = <A>(self: Effect.Effect<A>) => Effect.forkScoped(Effect.interruptible(self))
    const fibers = [yield* fork(pump), yield* fork(pinger), yield* fork(expiry)]
    yield* fork(Effect.zipRight(Deferred.await(done), Fiber.interruptAll(fibers)))
    yield* Effect.addFinalizer(() => end({ _tag: "Client" }))

    return {
      ...admitted,
      openedAt: yield* Clock.currentTimeMillis,
      subscriptions,
      invoke,
      write,
      end,
      stall,
      stalled: () => stalledUntil !== undefined,
      checkToken,
      ended: Deferred.await(done)
    } satisfies Peer
  })

/** A completion for an invocation with an id: the result, or the method's error. */
export const completion = (invocationId: string, result: { readonly error: string } | { readonly value: unknown }) =>
  outbound(
    "error" in result
      ? HubProtocol.completionError(invocationId, result.error)
      : HubProtocol.completion(invocationId, result.value === undefined ? null : result.value)
  )
