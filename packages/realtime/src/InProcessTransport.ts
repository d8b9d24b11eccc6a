/**
 * The HubTransport over an in-process hub server: no socket, no framing, the
 * same hub semantics (auth at connect, subscriptions per connection, pings,
 * Close messages, dropped and stalled connections, refusals), all on Effect
 * time. Made for `@tradeguard/simulator`'s `sim.hubs`, so whole trading days
 * of hub faults run under TestClock through the same HubConnection code as
 * production (DESIGN decision 2).
 *
 * The server is taken as a parameter typed by {@link InProcessHubServer}, a
 * small structural interface that the simulator's `Hubs.Service` satisfies:
 * realtime keeps the simulator a dev dependency, and any other in-process hub
 * (a test double, a recorded session player) can plug in. A server that
 * takes `onMessages` (the simulator does) hands each batch straight to the
 * socket as it sends it; one that does not is read from its `messages`.
 *
 * When to use: tests and demos with the in-process simulator:
 *
 * ```ts
 * InProcessTransport.layerEffect(Effect.map(Simulator.Simulator, (sim) => sim.hubs))
 * ```
 *
 * Gotchas: the URL only selects the hub (its path ends in `/hubs/user` or
 * `/hubs/market`); host and query are ignored. `send` does not wait for the
 * server (a stalled server would hold it): it runs in the socket's scope.
 *
 * @since 0.1.0
 */
import type { HubProtocol } from "@tradeguard/gateway"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Mailbox from "effect/Mailbox"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import {
  type CloseReason,
  HubConnectError,
  HubInvokeError,
  HubTransport,
  makeSocket,
  type Service
} from "./HubTransport.js"

/**
 * An in-process hub connection, as the simulator's `Hubs.HubSession`.
 *
 * @since 0.1.0
 */
export interface InProcessHubSession {
  /** Server-to-client messages in order (invocations, pings, a final Close); done when the connection ends. */
  readonly messages: Mailbox.ReadonlyMailbox<HubProtocol.HubMessage>
  readonly invoke: (
    target: string,
    args: ReadonlyArray<unknown>
  ) => Effect.Effect<unknown, { readonly reason: string; readonly wire: string }>
  readonly closed: Effect.Effect<CloseReason>
  readonly close: Effect.Effect<void>
}

/**
 * An in-process hub server, as the simulator's `Hubs.Service` (`sim.hubs`).
 *
 * @since 0.1.0
 */
export interface InProcessHubServer {
  /**
   * Connects. A server that takes `options.onMessages` hands the messages to it as it sends them (synchronously, in
   * order) instead of through the session's `messages`, which then only ends with the connection; one that ignores
   * it sends them through `messages`. Either way the transport sees the same stream.
   */
  readonly connect: (
    hub: "user" | "market",
    token: string,
    options?: { readonly onMessages?: (messages: ReadonlyArray<HubProtocol.HubMessage>) => void }
  ) => Effect.Effect<
    InProcessHubSession,
    { readonly _tag: "Unauthenticated" } | { readonly _tag: "HubRefused"; readonly status: number },
    Scope.Scope
  >
}

/**
 * The hub a URL points at: its path ends in `/hubs/user` or `/hubs/market`.
 *
 * @since 0.1.0
 */
export const hubOfUrl = (url: string): "user" | "market" | undefined => {
  const path = /^[a-z]+:\/\/[^/]*(\/[^?#]*)/i.exec(url)?.[1] ?? url.split(/[?#]/)[0]!
  const p = path.toLowerCase().replace(/\/+$/, "")
  return p.endsWith("/hubs/user") ? "user" : p.endsWith("/hubs/market") ? "market" : undefined
}

/**
 * The transport over `server`.
 *
 * @since 0.1.0
 */
export const make = (server: InProcessHubServer): Service => ({
  connect: (url, accessToken, targets) =>
    Effect.gen(function*() {
      const hub = hubOfUrl(url)
      if (hub === undefined) {
        return yield* new HubConnectError({ url, reason: "Refused", detail: "not a hub URL (/hubs/user or /hubs/market)" })
      }
      // The server's messages, handed over as it sends them; the few sent before the socket exists wait for it.
      const early: Array<HubProtocol.HubMessage> = []
      let arrived = (messages: ReadonlyArray<HubProtocol.HubMessage>): void => {
        early.push(...messages)
      }
      const onMessages = (messages: ReadonlyArray<HubProtocol.HubMessage>) => arrived(messages)
      const session = yield* server.connect(hub, Redacted.value(accessToken), { onMessages }).pipe(
        Effect.mapError((e) =>
          e._tag === "Unauthenticated" || e.status === 401
            ? new HubConnectError({ url, reason: "Unauthorized", detail: "HTTP 401 at connect" })
            : new HubConnectError({ url, reason: "Refused", detail: `HTTP ${e.status} at connect` })
        )
      )
      const scope = yield* Effect.scope
      let open = true
      const call = (method: string, args: ReadonlyArray<unknown>) =>
        Effect.mapError(
          session.invoke(method, args),
          (e) => new HubInvokeError({ method, reason: e.reason === "Closed" ? "Closed" : "Failed", detail: e.wire })
        )
      const socket = yield* makeSocket({
        invoke: call,
        send: (method, args) => Effect.asVoid(Effect.forkIn(Effect.ignore(call(method, args)), scope)),
        ping: Effect.suspend(() =>
          open ? Effect.void : Effect.fail(new HubInvokeError({ method: "ping", reason: "Closed", detail: "closed" }))
        ),
        close: session.close
      })
      const listened = new Set(targets)
      const handle = (messages: Iterable<HubProtocol.HubMessage>) => {
        for (const m of messages) {
          if (m.type === 1 && listened.has(m.target)) socket.receive(m.target, m.arguments)
          else socket.activity()
        }
      }
      handle(early)
      arrived = handle
      // A server that pushes leaves `messages` empty until it ends; one that does not is read here.
      const reader = Effect.gen(function*() {
        while (true) {
          const [batch, done] = yield* session.messages.takeAll
          handle(Chunk.toReadonlyArray(batch))
          if (done) break
        }
        open = false
        socket.closed(yield* session.closed)
      })
      yield* Effect.forkIn(reader, scope)
      yield* Effect.addFinalizer(() => socket.socket.close)
      return socket.socket
    })
})

/**
 * The in-process transport over `server`.
 *
 * @since 0.1.0
 */
export const layer = (server: InProcessHubServer): Layer.Layer<HubTransport> =>
  Layer.succeed(HubTransport, make(server))

/**
 * The in-process transport over the server `acquire` finds, e.g. `Effect.map(Simulator.Simulator, (s) => s.hubs)`.
 *
 * @since 0.1.0
 */
export const layerEffect = <E, R>(acquire: Effect.Effect<InProcessHubServer, E, R>): Layer.Layer<HubTransport, E, R> =>
  Layer.effect(HubTransport, Effect.map(acquire, make))
