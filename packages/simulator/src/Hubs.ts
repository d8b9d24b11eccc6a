/**
 * The simulator's two SignalR hubs, `/hubs/user` and `/hubs/market`, as one
 * service: admission (token, the plan's `refuseReconnect`, operator
 * refusals), the connections and their subscriptions, the plan's hub faults,
 * logout and token expiry, and operator commands (drop, stall, refuse). The
 * socket server (`HubServer`, on `Server`'s port) and the in-process API
 * ({@link Service.connect}) share all of it: only the carrier differs.
 *
 * When to use: `sim.hubs.connect("user", token)` in a TestClock test (or the
 * realtime package's in-process transport); the operator commands to break
 * connections on purpose; a real client on `ws://127.0.0.1:<port>/hubs/user`.
 *
 * @since 0.1.0
 */
import type { HubProtocol } from "@tradeguard/gateway"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Mailbox from "effect/Mailbox"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { Service as AuthService, Unauthenticated } from "./Auth.js"
import type { Service as ExchangeService } from "./Exchange.js"
import type { Service as FaultService } from "./FaultInjector.js"
import * as Methods from "./internal/HubMethods.js"
import { Negotiations } from "./internal/HubNegotiation.js"
import { closeMessage, outboundOf, toOutbound } from "./internal/HubPayload.js"
import * as Peer from "./internal/HubPeer.js"
import type { Resolved } from "./Options.js"

/**
 * A hub of the simulator: `user` or `market`.
 *
 * @since 0.1.0
 */
export type HubName = "user" | "market"
export type {
  /**
   * A connection attempt that passed auth and the fault plan.
   *
   * @since 0.1.0
   */
  Admitted,
  /**
   * How a connection ends: a Close message (type 7) then a normal close, an abrupt drop, or the client left.
   *
   * @since 0.1.0
   */
  Ending,
  /**
   * Where a connection's messages go. Called synchronously, in order.
   *
   * @since 0.1.0
   */
  Sink
} from "./internal/HubPeer.js"

/**
 * A connection attempt refused before the upgrade (HTTP status: 401, 403, 404 or 503).
 *
 * @since 0.1.0
 */
export class HubRefused extends Schema.TaggedError<HubRefused>()("HubRefused", {
  hub: Schema.Literal("user", "market"),
  status: Schema.Literal(401, 403, 404, 503),
  detail: Schema.String
}) {
  override get message() {
    return `hub ${this.hub}: refused with ${this.status}: ${this.detail}`
  }
}

/**
 * A client-to-server invocation failed; `wire` is the completion error a socket client gets.
 *
 * @since 0.1.0
 */
export class HubError extends Schema.TaggedError<HubError>()("HubError", {
  method: Schema.String,
  reason: Schema.Literal("UnknownMethod", "BadArguments", "Forbidden", "NotFound", "Closed"),
  detail: Schema.String,
  wire: Schema.String
}) {
  override get message() {
    return this.wire
  }
}

/**
 * How a connection ended, seen from the client.
 *
 * @since 0.1.0
 */
export type CloseInfo =
  | { readonly _tag: "ServerClosed"; readonly error: string | undefined; readonly allowReconnect: boolean | undefined }
  | { readonly _tag: "Dropped"; readonly error: string }
  | { readonly _tag: "ClientClosed" }

/**
 * An in-process hub connection: what a socket client would see, without the socket.
 *
 * @since 0.1.0
 */
export interface HubSession {
  readonly connectionId: string
  readonly hub: HubName
  readonly userId: number
  readonly userName: string
  /**
   * Server-to-client messages in order: event invocations (payloads as the
   * wire's JSON, null fields left out), pings every 15 s, and a final Close
   * when the server closed with one. Done when the connection ends.
   */
  readonly messages: Mailbox.ReadonlyMailbox<HubProtocol.HubMessage>
  /** Calls a hub method (as an invocation with an id) and returns its completion's result. */
  readonly invoke: (target: string, args: ReadonlyArray<unknown>) => Effect.Effect<unknown, HubError>
  /** Completes once the connection has ended. */
  readonly closed: Effect.Effect<CloseInfo>
  /** Ends the connection from the client side (closing the scope of `connect` does too). */
  readonly close: Effect.Effect<void>
}

/**
 * Options of {@link Service.connect}.
 *
 * @since 0.3.0
 */
export interface ConnectOptions {
  /** Takes the server's messages as they are sent (synchronously, in order; it must not throw). */
  readonly onMessages?: ((messages: ReadonlyArray<HubProtocol.HubMessage>) => void) | undefined
}

/**
 * An open hub connection: its id, hub, user, age, whether it is stalled, and its subscriptions.
 *
 * @since 0.1.0
 */
export interface ConnectionInfo {
  readonly connectionId: string
  readonly hub: HubName
  readonly userId: number
  readonly userName: string
  readonly openedAt: number
  readonly stalled: boolean
  readonly subscriptions: Record<string, ReadonlyArray<number | string> | boolean>
}

/**
 * Which connections an operator command applies to (all when empty).
 *
 * @since 0.1.0
 */
export interface Filter {
  readonly hub?: HubName | undefined
  readonly userName?: string | undefined
  readonly connectionId?: string | undefined
}

/**
 * The negotiate reply (`POST <hub>/negotiate?negotiateVersion=1`).
 *
 * @since 0.1.0
 */
export interface Negotiation {
  readonly negotiateVersion: number
  readonly connectionId: string
  readonly connectionToken: string
  readonly availableTransports: ReadonlyArray<{ readonly transport: string; readonly transferFormats: ReadonlyArray<string> }>
}

/**
 * The two hubs: in-process connections, the open ones, and faults on them (drop, stall, refuse).
 *
 * @since 0.1.0
 */
export interface Service {
  /**
   * Connects in-process; the connection lives until it ends or the scope closes. With `onMessages`, the server's
   * messages (the final Close included) are handed to it as they are sent, synchronously and in order, instead of
   * going through `messages` (which then only ends when the connection does): no queue and no reader fiber between
   * the hub and an in-process client.
   */
  readonly connect: (
    hub: HubName,
    token: string,
    options?: ConnectOptions
  ) => Effect.Effect<HubSession, Unauthenticated | HubRefused, Scope.Scope>
  /** The open connections. */
  readonly connections: Effect.Effect<ReadonlyArray<ConnectionInfo>>
  /** Ends connections: abruptly (the socket breaks), or with a Close message when `closeFrame`. Returns how many. */
  readonly drop: (
    filter?: Filter,
    options?: { readonly closeFrame?: boolean | undefined; readonly error?: string | undefined }
  ) => Effect.Effect<number>
  /** Stops all sending (pings included) on connections for `duration`, or until they end. Returns how many. */
  readonly stall: (filter?: Filter, duration?: Duration.DurationInput) => Effect.Effect<number>
  /** Refuses every connection attempt (to `hub`, or both) for `duration` with `status` (503 by default). */
  readonly refuse: (
    duration: Duration.DurationInput,
    options?: { readonly hub?: HubName | undefined; readonly status?: 401 | 503 | undefined }
  ) => Effect.Effect<void>
  /** Closes connections whose token no longer authenticates (after `auth.expireTokens`); returns how many. */
  readonly checkTokens: Effect.Effect<number>
  /** For carriers: checks a connection attempt (refusals, token, a negotiated `id`). */
  readonly admit: (
    hub: HubName,
    token: string | undefined,
    connectionToken?: string | undefined
  ) => Effect.Effect<Peer.Admitted, Unauthenticated | HubRefused>
  /** For carriers: opens an admitted connection on `sink`. */
  readonly open: (admitted: Peer.Admitted, sink: Peer.Sink) => Effect.Effect<Peer.Peer, never, Scope.Scope>
  /** `POST <hub>/negotiate`: a connection id and token for the WebSocket that follows. */
  readonly negotiate: (hub: HubName, token: string | undefined) => Effect.Effect<Negotiation, Unauthenticated>
}

const toHubError = (method: string) => (f: Peer.MethodFailure) => new HubError({ method, ...f })

/**
 * The hubs of a simulator; while the scope lasts, plan changes re-check the connections' tokens.
 *
 * @since 0.1.0
 */
export const make = (config: Resolved, services: {
  readonly exchange: ExchangeService
  readonly auth: AuthService
  readonly faults: FaultService
}): Effect.Effect<Service, never, Scope.Scope> =>
  Effect.gen(function*() {
    const { auth, faults } = services
    const peers = new Map<string, Peer.Peer>()
    const negotiations = new Negotiations()
    let refusing: { readonly until: number; readonly hub: HubName | undefined; readonly status: 401 | 503 } | undefined
    let counter = 0
    const open: Record<HubName, number> = { user: 0, market: 0 }
    const ctx: Peer.PeerContext = {
      ...services,
      pingMillis: config.hubPingMillis,
      // Memoize the payload on the event only when several connections of its hub may send it.
      outbound: (event) => {
        const market = event._tag === "QuoteUpdated" || event._tag === "MarketTrades" || event._tag === "DepthUpdated"
        return open[market ? "market" : "user"] > 1 ? outboundOf(event) : toOutbound(event)
      },
      dropped: faults.hubDropped
    }

    const matching = (f: Filter = {}) =>
      [...peers.values()].filter((p) =>
        (f.hub === undefined || p.hub === f.hub) &&
        (f.userName === undefined || p.session.userName === f.userName) &&
        (f.connectionId === undefined || p.id === f.connectionId)
      )

    const admit: Service["admit"] = (hub, token, connectionToken) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        if (refusing !== undefined && now < refusing.until && (refusing.hub === undefined || refusing.hub === hub)) {
          return yield* new HubRefused({ hub, status: refusing.status, detail: "refused by the operator" })
        }
        const planned = yield* faults.hubConnect(hub)
        if (planned !== undefined) {
          return yield* new HubRefused({ hub, status: planned.status, detail: "refused by the fault plan" })
        }
        const session = yield* auth.authenticate(token)
        let id = `${hub}-${++counter}`
        if (connectionToken !== undefined) {
          const n = negotiations.take(connectionToken, hub)
          if (n === undefined) return yield* new HubRefused({ hub, status: 404, detail: "No Connection with that ID" })
          if (n.userId !== session.userId) {
            return yield* new HubRefused({ hub, status: 403, detail: "the connection belongs to another user" })
          }
          id = n.connectionId
        }
        return { id, hub, token: token!, session }
      })

    const openPeer: Service["open"] = (admitted, sink) =>
      Effect.gen(function*() {
        const peer = yield* Peer.open(ctx, admitted, sink)
        peers.set(peer.id, peer)
        open[peer.hub]++
        yield* Effect.addFinalizer(() =>
          Effect.sync(() => {
            if (peers.delete(peer.id)) open[peer.hub]--
          })
        )
        return peer
      })

    const connect: Service["connect"] = (hub, token, options) =>
      Effect.gen(function*() {
        const admitted = yield* admit(hub, token)
        const messages = yield* Mailbox.make<HubProtocol.HubMessage>()
        const push = options?.onMessages
        const peer = yield* openPeer(admitted, {
          write: push === undefined
            ? (batch) => {
              for (const o of batch) messages.unsafeOffer(o.message)
            }
            : (batch) => push(batch.map((o) => o.message)),
          end: (how) => {
            if (how._tag === "Close") {
              const close = closeMessage(how)
              if (push === undefined) messages.unsafeOffer(close)
              else push([close])
            }
            messages.unsafeDone(Exit.void)
          }
        })
        return {
          connectionId: peer.id,
          hub,
          userId: peer.session.userId,
          userName: peer.session.userName,
          messages,
          invoke: (target, args) => Effect.mapError(peer.invoke(target, args), toHubError(target)),
          closed: Effect.map(peer.ended, closeInfo),
          close: peer.end({ _tag: "Client" })
        } satisfies HubSession
      })

    const drop: Service["drop"] = (filter, options) =>
      Effect.gen(function*() {
        const victims = matching(filter)
        const error = options?.error ?? "dropped by the operator"
        for (const p of victims) {
          yield* p.end(options?.closeFrame === true ? { _tag: "Close", error } : { _tag: "Drop", error })
          if (options?.closeFrame === true) yield* faults.hubDropped(p.hub)
        }
        return victims.length
      })

    const stall: Service["stall"] = (filter, duration) =>
      Effect.gen(function*() {
        const victims = matching(filter)
        const millis = duration === undefined ? "end" : Duration.toMillis(Duration.decode(duration))
        for (const p of victims) yield* p.stall(millis)
        return victims.length
      })

    const refuse: Service["refuse"] = (duration, options) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        refusing = {
          until: now + Duration.toMillis(Duration.decode(duration)),
          hub: options?.hub,
          status: options?.status ?? 503
        }
      })

    const checkTokens = Effect.suspend(() =>
      Effect.map(Effect.forEach([...peers.values()], (p) => p.checkToken), (closed) => closed.filter(Boolean).length)
    )

    const negotiate: Service["negotiate"] = (hub, token) =>
      Effect.map(auth.authenticate(token), (session) => ({
        negotiateVersion: 1,
        ...negotiations.issue(hub, session.userId, ++counter, config.seed),
        availableTransports: [{ transport: "WebSockets", transferFormats: ["Text"] }]
      }))

    // A plan that stops keeping expired connections open closes them.
    yield* Effect.forkScoped(Stream.runForEach(Stream.drop(faults.changes, 1), () => checkTokens))

    return {
      connect,
      connections: Effect.sync(() =>
        [...peers.values()].map((p) => ({
          connectionId: p.id,
          hub: p.hub,
          userId: p.session.userId,
          userName: p.session.userName,
          openedAt: p.openedAt,
          stalled: p.stalled(),
          subscriptions: Methods.describe(p.subscriptions)
        }))
      ),
      drop,
      stall,
      refuse,
      checkTokens,
      admit,
      open: openPeer,
      negotiate
    } satisfies Service
  })

const closeInfo = (how: Peer.Ending): CloseInfo =>
  how._tag === "Close"
    ? { _tag: "ServerClosed", error: how.error, allowReconnect: how.allowReconnect }
    : how._tag === "Drop"
    ? { _tag: "Dropped", error: how.error }
    : { _tag: "ClientClosed" }
