/**
 * HubTransport: the port between HubConnection and a SignalR hub, at the level
 * of hub invocations (not frames). Two adapters fit it:
 *
 * - the real `@microsoft/signalr` client (skipNegotiation + WebSockets, no
 *   `withAutomaticReconnect`): `connection.on(target, ...)` for every target
 *   feeds {@link HubSocket.incoming}, `invoke`/`send` map to the client's,
 *   `onclose(error)` completes {@link HubSocket.closed}. The library does the
 *   framing, handshake and its own keep-alive pings.
 * - an in-process adapter that talks to the simulator's hub without sockets,
 *   so whole days of faults run under TestClock.
 *
 * Reconnection, backoff, health and resubscription are not the transport's
 * job: a socket lives once, from `connect` until it closes.
 *
 * When to use: implement it for a new way to reach a hub; otherwise provide
 * one of the adapters' layers and use HubConnection.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Mailbox from "effect/Mailbox"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"

/**
 * One thing the server sent.
 *
 * @since 0.1.0
 */
export type Inbound =
  /** A server-to-client hub invocation, e.g. `GatewayQuote(contractId, data)`. */
  | { readonly _tag: "Invocation"; readonly target: string; readonly arguments: ReadonlyArray<unknown> }
  /** Any other server message (a ping, a completion): proof that the connection is alive. */
  | { readonly _tag: "Activity" }

/**
 * The inbound signal that the socket is alive (any frame, pings included).
 *
 * @since 0.1.0
 */
export const activity: Inbound = { _tag: "Activity" }

/**
 * Why a socket closed.
 *
 * @since 0.1.0
 */
export type CloseReason =
  /** The server sent a Close message (type 7), with its error if it was one. */
  | { readonly _tag: "ServerClosed"; readonly error: string | undefined; readonly allowReconnect: boolean | undefined }
  /** The connection broke without a Close message (reset, timeout, stalled peer). */
  | { readonly _tag: "Dropped"; readonly error: string }
  /** We closed it. */
  | { readonly _tag: "ClientClosed" }

/**
 * Renders a close reason for logs and lifecycle events.
 *
 * @since 0.1.0
 */
export const describeClose = (r: CloseReason): string =>
  r._tag === "ServerClosed"
    ? `closed by server${r.error === undefined ? "" : `: ${r.error}`}`
    : r._tag === "Dropped"
    ? `dropped: ${r.error}`
    : "closed by client"

/** What a Close message's error says when the server ended the connection over its token or session. */
const tokenRefusedText = /\bunauthori[sz]ed\b|\b401\b|\b(token|session) (has )?expired\b|\bexpired (access )?token\b/i
/** ... and when it says the whole session is over (not only this token). */
const sessionEndedText = /\bsession (was |has been )?(ended|terminated|revoked|replaced)\b|\blogged (in elsewhere|out)\b/i

/**
 * Whether a close says the server no longer accepts the connection's token:
 * `"session"` when a Close message's error says the session was ended
 * (logged out, logged in elsewhere), `"token"` when it names the token
 * otherwise (`Unauthorized`, `401`, an expired token), `undefined` for any
 * other close. The next connect must not reuse that token: HubConnection
 * invalidates it first (with this scope), so its first reconnect already
 * carries a fresh one.
 *
 * @since 0.3.0
 */
export const tokenRefusal = (r: CloseReason): "token" | "session" | undefined =>
  r._tag !== "ServerClosed" || r.error === undefined || !tokenRefusedText.test(r.error)
    ? undefined
    : sessionEndedText.test(r.error)
    ? "session"
    : "token"

/**
 * A connect attempt failed. `Unauthorized` (401 at the upgrade) makes the token be refreshed.
 *
 * @since 0.1.0
 */
export class HubConnectError extends Schema.TaggedError<HubConnectError>()("HubConnectError", {
  url: Schema.String,
  reason: Schema.Literal("Unauthorized", "Refused", "Handshake", "Network", "Timeout"),
  detail: Schema.String
}) {
  override get message() {
    return `hub connect ${this.url}: ${this.reason}: ${this.detail}`
  }
}

/**
 * A client-to-server invocation failed: the socket is closed, the hub answered with an error, or no answer came.
 *
 * @since 0.1.0
 */
export class HubInvokeError extends Schema.TaggedError<HubInvokeError>()("HubInvokeError", {
  method: Schema.String,
  reason: Schema.Literal("Closed", "Failed", "Timeout"),
  detail: Schema.String
}) {
  override get message() {
    return `hub invoke ${this.method}: ${this.reason}: ${this.detail}`
  }
}

/**
 * One live hub connection, from a successful handshake until it closes.
 *
 * @since 0.1.0
 */
export interface HubSocket {
  /** Server traffic in arrival order. Ends (done) once the socket is closed and the rest was read. */
  readonly incoming: Mailbox.ReadonlyMailbox<Inbound>
  /** Calls a hub method and waits for its completion (result or error). */
  readonly invoke: (method: string, args: ReadonlyArray<unknown>) => Effect.Effect<unknown, HubInvokeError>
  /** Calls a hub method without waiting for a result. */
  readonly send: (method: string, args: ReadonlyArray<unknown>) => Effect.Effect<void, HubInvokeError>
  /** Sends a keep-alive ping (type 6). An adapter whose library pings on its own may make this a no-op. */
  readonly ping: Effect.Effect<void, HubInvokeError>
  /** Completes once, when the socket has closed, with the reason. */
  readonly closed: Effect.Effect<CloseReason>
  /** Closes the socket (idempotent). Closing the scope of `connect` does the same. */
  readonly close: Effect.Effect<void>
}

/**
 * The socket port: opens a hub connection and delivers its inbound messages.
 *
 * @since 0.1.0
 */
export interface Service {
  /**
   * Opens a socket to the hub at `url` with `accessToken` and listens to the
   * server-to-client methods `targets` (a SignalR client only dispatches
   * methods it registered). The socket closes when the scope closes.
   */
  readonly connect: (
    url: string,
    accessToken: Redacted.Redacted<string>,
    targets: ReadonlyArray<string>
  ) => Effect.Effect<HubSocket, HubConnectError, Scope.Scope>
}

/**
 * The hub transport's tag (SignalR, or in-process for tests).
 *
 * @since 0.1.0
 */
export class HubTransport extends Context.Tag("@tradeguard/realtime/HubTransport")<HubTransport, Service>() {}

/**
 * The callback-side handles of a socket built with {@link makeSocket}; all synchronous, for library callbacks.
 *
 * @since 0.1.0
 */
export interface SocketHandles {
  readonly socket: HubSocket
  /** Delivers a server invocation; false once the socket is closed. */
  readonly receive: (target: string, args: ReadonlyArray<unknown>) => boolean
  /** Records a non-invocation message from the server (ping, completion). */
  readonly activity: () => boolean
  /** Marks the socket closed with `reason` (first call wins) and ends `incoming`. */
  readonly closed: (reason: CloseReason) => void
}

/**
 * Builds a {@link HubSocket} around a callback-style client: the adapter
 * calls `receive` / `activity` / `closed` from its callbacks and supplies
 * `invoke`, `send`, `ping` and `close`. When to use: inside an adapter.
 *
 * @since 0.1.0
 */
export const makeSocket = (impl: {
  readonly invoke: HubSocket["invoke"]
  readonly send: HubSocket["send"]
  readonly ping: HubSocket["ping"]
  /** Asks the underlying connection to close; the adapter reports `closed` when it has. */
  readonly close: Effect.Effect<void>
}): Effect.Effect<SocketHandles> =>
  Effect.gen(function*() {
    const mailbox = yield* Mailbox.make<Inbound>()
    const done = yield* Deferred.make<CloseReason>()
    let isClosed = false
    const closed = (reason: CloseReason) => {
      if (isClosed) return
      isClosed = true
      Deferred.unsafeDone(done, Exit.succeed(reason))
      mailbox.unsafeDone(Exit.void)
    }
    const socket: HubSocket = {
      incoming: mailbox,
      invoke: impl.invoke,
      send: impl.send,
      ping: impl.ping,
      closed: Deferred.await(done),
      close: Effect.suspend(() =>
        isClosed ? Effect.void : impl.close.pipe(Effect.ensuring(Effect.sync(() => closed({ _tag: "ClientClosed" }))))
      )
    }
    return {
      socket,
      receive: (target, args) => mailbox.unsafeOffer({ _tag: "Invocation", target, arguments: args }),
      activity: () => mailbox.unsafeOffer(activity),
      closed
    }
  })
