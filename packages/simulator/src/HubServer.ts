/**
 * The hubs on a socket: the ASP.NET Core SignalR JSON hub protocol over
 * WebSocket (`ws`, `noServer`, on the HTTP server's `upgrade` event), at
 * `/hubs/user` and `/hubs/market` on the REST port. A client connects straight
 * to the WebSocket (`skipNegotiation`) or after `POST <hub>/negotiate` with
 * `?id=<connectionToken>`; the token comes from `access_token` or a Bearer
 * header and a bad one is refused with HTTP 401 before the upgrade. Then the
 * handshake, invocations (with a completion when they carry an id), pings
 * and close, each frame ending in 0x1E. Everything the connection does is
 * {@link Hubs}' (shared with the in-process API): this module only carries it.
 *
 * Throughput: the events a connection sends in one tick go out as one
 * WebSocket message (frames back to back), each frame stringified once.
 *
 * @since 0.1.0
 */
import { HubProtocol } from "@tradeguard/gateway"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FiberSet from "effect/FiberSet"
import * as Mailbox from "effect/Mailbox"
import type * as Scope from "effect/Scope"
import type { IncomingMessage } from "node:http"
import { STATUS_CODES } from "node:http"
import type { Duplex } from "node:stream"
import { type WebSocket, WebSocketServer } from "ws"
import type { Admitted, HubName, Service as HubsService, Sink } from "./Hubs.js"
import { completion } from "./internal/HubPeer.js"
import { closeMessage, framesOf } from "./internal/HubPayload.js"
import { bearer } from "./RestApi.js"

/**
 * The hub a request path names (`/hubs/user`, `/hubs/market`, case-insensitive), if any.
 *
 * @since 0.1.0
 */
export const hubOfPath = (path: string): HubName | undefined => {
  const p = path.toLowerCase().replace(/\/+$/, "")
  return p === "/hubs/user" ? "user" : p === "/hubs/market" ? "market" : undefined
}

/**
 * An `upgrade` listener for a Node HTTP server.
 *
 * @since 0.1.0
 */
export type UpgradeHandler = (request: IncomingMessage, socket: Duplex, head: Buffer) => void

const refuse = (socket: Duplex, status: number) => {
  const extra = status === 401 ? "WWW-Authenticate: Bearer\r\n" : ""
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\nConnection: close\r\nContent-Length: 0\r\n${extra}\r\n`
  )
}

/**
 * The `upgrade` handler of the hubs. Connections run in fibers of the scope;
 * closing it breaks every open WebSocket (so the HTTP server can close).
 *
 * @since 0.1.0
 */
export const makeUpgradeHandler = (
  hubs: HubsService,
  handshakeMillis: number
): Effect.Effect<UpgradeHandler, never, Scope.Scope> =>
  Effect.gen(function*() {
    const wss = yield* Effect.acquireRelease(
      Effect.sync(() => new WebSocketServer({ noServer: true, perMessageDeflate: false })),
      (wss) =>
        Effect.sync(() => {
          for (const client of wss.clients) client.terminate()
          wss.close()
        })
    )
    const runFork = yield* FiberSet.makeRuntime<never>()
    return (request, socket, head) => {
      socket.on("error", () => undefined)
      const url = new URL(request.url ?? "/", "http://localhost")
      const hub = hubOfPath(url.pathname)
      if (hub === undefined) return refuse(socket, 404)
      const token = url.searchParams.get("access_token") ?? bearer(request.headers.authorization)
      const id = url.searchParams.get("id") ?? undefined
      runFork(Effect.matchEffect(hubs.admit(hub, token, id), {
        onFailure: (e) => Effect.sync(() => refuse(socket, e._tag === "Unauthenticated" ? 401 : e.status)),
        onSuccess: (admitted) =>
          Effect.gen(function*() {
            const inbox = yield* Mailbox.make<string>()
            const ws = yield* Effect.async<WebSocket>((resume) =>
              wss.handleUpgrade(request, socket, head, (ws) => {
                // Listen at once: the client may send its handshake before the fiber resumes.
                ws.on("message", (data) => void inbox.unsafeOffer(String(data)))
                ws.on("close", () => void inbox.unsafeDone(Exit.void))
                ws.on("error", () => undefined)
                resume(Effect.succeed(ws))
              })
            )
            yield* Effect.scoped(serve(hubs, admitted, ws, inbox, handshakeMillis))
          })
      }))
    }
  })

/** The Sink of a WebSocket: one message per batch; Close frame then a normal close, or a broken socket. */
const sinkOf = (ws: WebSocket): Sink => ({
  write: (batch) => {
    if (ws.readyState === ws.OPEN) ws.send(framesOf(batch))
  },
  end: (how) => {
    if (ws.readyState !== ws.OPEN) return
    if (how._tag === "Drop") return ws.terminate()
    if (how._tag === "Close") ws.send(HubProtocol.encodeMessage(closeMessage(how)))
    ws.close(1000)
  }
})

/** Reads frames from the messages of one WebSocket. */
const frameSource = (inbox: Mailbox.ReadonlyMailbox<string>) => {
  const reader = new HubProtocol.FrameReader()
  let frames: Array<string> = []
  let i = 0
  /** The next complete frame, or undefined once the socket closed. */
  const next: Effect.Effect<string | undefined> = Effect.suspend(() => {
    if (i < frames.length) return Effect.succeed(frames[i++])
    return Effect.flatMap(inbox.takeAll, ([messages, done]) => {
      frames = []
      i = 0
      for (const m of messages) for (const f of reader.push(m)) frames.push(f)
      if (frames.length > 0) return Effect.succeed(frames[i++])
      return done ? Effect.succeed(undefined) : next
    })
  })
  return next
}

const serve = (
  hubs: HubsService,
  admitted: Admitted,
  ws: WebSocket,
  inbox: Mailbox.ReadonlyMailbox<string>,
  handshakeMillis: number
) =>
  Effect.gen(function*() {
    const next = frameSource(inbox)
    const first = yield* Effect.timeoutTo(next, {
      duration: handshakeMillis,
      onTimeout: () => undefined,
      onSuccess: (f) => f
    })
    if (first === undefined) return ws.close(1000)
    const hs = HubProtocol.decodeHandshakeRequest(first)
    const error = Either.isLeft(hs)
      ? `Invalid handshake: ${hs.left.detail}`
      : hs.right.protocol !== "json"
      ? `The protocol '${hs.right.protocol}' is not supported.`
      : hs.right.version !== 1
      ? `The server does not support version ${hs.right.version} of the 'json' protocol.`
      : undefined
    if (error !== undefined) {
      ws.send(HubProtocol.encodeHandshakeResponse(error))
      return ws.close(1000)
    }
    ws.send(HubProtocol.encodeHandshakeResponse())
    const peer = yield* hubs.open(admitted, sinkOf(ws))

    const loop = Effect.gen(function*() {
      while (true) {
        const text = yield* next
        if (text === undefined) return
        const decoded = HubProtocol.decodeFrame(text)
        if (Either.isLeft(decoded)) {
          const detail = `Connection closed with an error. InvalidDataException: ${decoded.left.detail}`
          return yield* peer.end({ _tag: "Close", error: detail })
        }
        const m = decoded.right
        switch (m.type) {
          case HubProtocol.MessageType.Invocation: {
            const exit = yield* Effect.exit(peer.invoke(m.target, m.arguments))
            if (m.invocationId !== undefined) {
              yield* peer.write([
                completion(
                  m.invocationId,
                  Exit.isSuccess(exit) ? { value: exit.value } : { error: failureText(exit) }
                )
              ])
            }
            break
          }
          case HubProtocol.MessageType.StreamInvocation:
            yield* peer.write([completion(m.invocationId, {
              error: `The client attempted to invoke the non-streaming '${m.target}' method with a streaming invocation.`
            })])
            break
          case HubProtocol.MessageType.Close:
            return yield* peer.end({ _tag: "Client" })
          default:
            break // pings, completions, stream items, cancellations: nothing to answer
        }
      }
    })
    yield* Effect.raceFirst(loop, peer.ended)
  })

const failureText = (exit: Exit.Exit<unknown, { readonly wire: string }>): string =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error.wire : "An unexpected error occurred on the server."
