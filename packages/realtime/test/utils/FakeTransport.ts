/**
 * A scriptable HubTransport for tests: accept or refuse connects, emit hub
 * invocations and pings from the "server", drop or close sockets, record what
 * the client invoked and when (TestClock time).
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { HubTransport } from "../../src/index.js"

export interface Invocation {
  readonly method: string
  readonly args: ReadonlyArray<unknown>
  readonly at: number
}

export interface FakeSocket {
  readonly id: number
  readonly url: string
  readonly token: string
  readonly targets: ReadonlyArray<string>
  readonly openedAt: number
  readonly invocations: Array<Invocation>
  readonly pings: Array<number>
  /** The server invokes `target(...args)` on the client. */
  readonly emit: (target: string, ...args: ReadonlyArray<unknown>) => Effect.Effect<void>
  /** The server sends a ping (or any non-invocation message). */
  readonly activity: Effect.Effect<void>
  /** The connection breaks without a close message. */
  readonly drop: (error?: string) => Effect.Effect<void>
  /** The server sends Close (type 7). */
  readonly serverClose: (error?: string) => Effect.Effect<void>
  readonly isClosed: () => boolean
}

export interface Attempt {
  readonly at: number
  readonly token: string
  readonly accepted: boolean
}

export type Outcome = "accept" | "refuse" | "unauthorized" | "hang"

export interface FakeHub {
  readonly transport: HubTransport.Service
  readonly layer: Layer.Layer<HubTransport.HubTransport>
  readonly sockets: Array<FakeSocket>
  readonly attempts: Array<Attempt>
  /** The newest socket, if it is still open. */
  readonly current: () => FakeSocket | undefined
  /** What the next connects do: `script` first (one entry per attempt), then `otherwise`. */
  readonly script: Array<Outcome>
  otherwise: Outcome
  /** Pings hang (never complete) while true. */
  pingHangs: boolean
  /** Methods whose invocation fails with a hub error. */
  readonly failingMethods: Set<string>
}

export const makeFakeHub: Effect.Effect<FakeHub> = Effect.sync(() => {
  const sockets: Array<FakeSocket> = []
  const attempts: Array<Attempt> = []
  const hub: FakeHub = {
    transport: undefined as unknown as HubTransport.Service,
    layer: undefined as unknown as Layer.Layer<HubTransport.HubTransport>,
    sockets,
    attempts,
    current: () => {
      const s = sockets[sockets.length - 1]
      return s === undefined || s.isClosed() ? undefined : s
    },
    script: [],
    otherwise: "accept",
    pingHangs: false,
    failingMethods: new Set()
  }
  const transport: HubTransport.Service = {
    connect: (url, accessToken, targets) =>
      Effect.gen(function*() {
        const at = yield* Clock.currentTimeMillis
        const token = Redacted.value(accessToken)
        const outcome = hub.script.shift() ?? hub.otherwise
        attempts.push({ at, token, accepted: outcome === "accept" })
        if (outcome === "hang") return yield* Effect.never
        if (outcome !== "accept") {
          return yield* new HubTransport.HubConnectError({
            url,
            reason: outcome === "unauthorized" ? "Unauthorized" : "Refused",
            detail: outcome === "unauthorized" ? "401" : "connection refused"
          })
        }
        let closed = false
        const invocations: Array<Invocation> = []
        const pings: Array<number> = []
        const record = (method: string, args: ReadonlyArray<unknown>) =>
          Effect.map(Clock.currentTimeMillis, (at) => invocations.push({ method, args, at }))
        const handles = yield* HubTransport.makeSocket({
          invoke: (method, args) =>
            Effect.zipRight(
              record(method, args),
              closed
                ? Effect.fail(new HubTransport.HubInvokeError({ method, reason: "Closed", detail: "closed" }))
                : hub.failingMethods.has(method)
                ? Effect.fail(new HubTransport.HubInvokeError({ method, reason: "Failed", detail: "hub error" }))
                : Effect.succeed(null)
            ),
          send: (method, args) => Effect.asVoid(record(method, args)),
          ping: Effect.suspend(() =>
            hub.pingHangs ? Effect.never : Effect.map(Clock.currentTimeMillis, (t) => void pings.push(t))
          ),
          close: Effect.void
        })
        const markClosed = (reason: HubTransport.CloseReason) =>
          Effect.sync(() => {
            closed = true
            handles.closed(reason)
          })
        const socket: FakeSocket = {
          id: sockets.length + 1,
          url,
          token,
          targets,
          openedAt: at,
          invocations,
          pings,
          emit: (target, ...args) => Effect.sync(() => void handles.receive(target, args)),
          activity: Effect.sync(() => void handles.activity()),
          drop: (error = "connection reset") => markClosed({ _tag: "Dropped", error }),
          serverClose: (error) => markClosed({ _tag: "ServerClosed", error, allowReconnect: true }),
          isClosed: () => closed
        }
        sockets.push(socket)
        yield* Effect.addFinalizer(() =>
          Effect.sync(() => {
            closed = true
          }).pipe(Effect.zipRight(handles.socket.close))
        )
        return handles.socket
      })
  }
  Object.assign(hub, { transport, layer: Layer.succeed(HubTransport.HubTransport, transport) })
  return hub
})
