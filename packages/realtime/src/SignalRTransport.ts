/**
 * The HubTransport over the real `@microsoft/signalr` client: WebSockets with
 * `skipNegotiation` straight to the hub URL, the token through
 * `accessTokenFactory` (a Bearer header on the upgrade in Node), and no
 * `withAutomaticReconnect`: a socket lives once and HubConnection decides
 * what happens next (DESIGN decision 2).
 *
 * - Every target listened to becomes `connection.on(target, ...)` and feeds
 *   `incoming` as an Invocation.
 * - Pings: the library pings the server itself every `keepAliveInterval` and
 *   swallows the server's pings. Every WebSocket message from the server
 *   (pings, completions, events) is reported as `Activity` through a hook on
 *   the library's WebSocket constructor (see `internal/signalrClient.ts`), so
 *   HubConnection's stale watchdog sees pings too. `ping` only checks that
 *   the library still holds the connection open.
 * - `onclose(error)` becomes `closed`: `ServerClosed` after a Close message
 *   (with its error) or a clean close, `Dropped` for a broken socket or the
 *   library's own server timeout (`serverTimeout`), `ClientClosed` for ours.
 * - A failed `start()` is a HubConnectError: `Unauthorized` for HTTP 401 at
 *   the upgrade (HubConnection then gets a fresh token), `Refused` for other
 *   statuses, `Handshake`, `Timeout` or `Network` otherwise.
 * - Library log lines at `logLevel` and above (default warning) go to the
 *   Effect logger as warnings; `"none"` silences them. Tokens are never logged.
 *
 * When to use: in production and in `*.integration.test.ts`; under TestClock
 * use the in-process transport instead.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Runtime from "effect/Runtime"
import { RealtimeConfig } from "./Config.js"
import { HubConnectError, HubInvokeError, HubTransport, makeSocket, type Service, type SocketHandles } from "./HubTransport.js"
import * as Client from "./internal/signalrClient.js"

/**
 * The SignalR client's keep-alive, server timeout and log level.
 *
 * @since 0.1.0
 */
export interface Options {
  /** The client pings the server this often (`keepAliveIntervalInMilliseconds`; default 15 s, as ASP.NET Core expects). */
  readonly keepAliveInterval?: Duration.DurationInput
  /**
   * The library closes the connection (`Dropped`) after this long without any
   * message from the server (`serverTimeoutInMilliseconds`; default 30 s: two
   * of the server's 15 s pings).
   */
  readonly serverTimeout?: Duration.DurationInput
  /** Library log lines at this level and above become Effect warnings (default "warning"). */
  readonly logLevel?: Client.LogLevelName
}

/** How long closing a connection may wait for the server's close reply. */
const closeTimeout = Duration.seconds(2)

const millis = (d: Duration.DurationInput | undefined, fallback: number) =>
  d === undefined ? fallback : Duration.toMillis(Duration.decode(d))

/**
 * The transport for `options`.
 *
 * @since 0.1.0
 */
export const make = (options: Options = {}): Effect.Effect<Service> =>
  Effect.map(Effect.runtime<never>(), (runtime) => {
    const runFork = Runtime.runFork(runtime)
    const clientOptions: Client.ClientOptions = {
      keepAliveMillis: millis(options.keepAliveInterval, 15_000),
      serverTimeoutMillis: millis(options.serverTimeout, 30_000),
      logLevel: options.logLevel ?? "warning"
    }
    const connect: Service["connect"] = (url, accessToken, targets) =>
      Effect.gen(function*() {
        // The hooks fire only once `start()` runs, after the handles exist.
        const late: { handles?: SocketHandles } = {}
        let socketError: string | undefined
        let stopping = false
        const connection = Client.build(url, Redacted.value(accessToken), clientOptions, {
          onMessage: () => void late.handles?.activity(),
          onSocketError: (message) => {
            socketError = message
          },
          onLog: (_level, message) =>
            void runFork(Effect.logWarning(`signalr: ${message}`).pipe(
              Effect.annotateLogs({ module: "realtime/SignalRTransport", url })
            ))
        })
        const failed = (method: string) => (e: unknown) =>
          new HubInvokeError({
            method,
            reason: Client.isClosedError(connection, e) ? "Closed" : "Failed",
            detail: Client.errorText(e)
          })
        const h = yield* makeSocket({
          invoke: (method, args) =>
            Effect.tryPromise({ try: () => connection.invoke(method, ...args), catch: failed(method) }),
          send: (method, args) => Effect.tryPromise({ try: () => connection.send(method, ...args), catch: failed(method) }),
          ping: Effect.suspend(() =>
            Client.isConnected(connection)
              ? Effect.void
              : Effect.fail(new HubInvokeError({ method: "ping", reason: "Closed", detail: connection.state }))
          ),
          close: Effect.promise(() => {
            stopping = true
            return connection.stop().catch(() => undefined)
          }).pipe(
            // a half-open socket may wait long for the server's close reply: shutdown must not (exit within 10 s)
            Effect.timeoutOption(closeTimeout),
            Effect.asVoid
          )
        })
        late.handles = h
        for (const target of targets) connection.on(target, (...args: Array<unknown>) => void h.receive(target, args))
        connection.onclose((error) => h.closed(Client.closeReason(error, stopping)))
        yield* Effect.async<void, HubConnectError>((resume) => {
          connection.start().then(
            () => resume(Effect.void),
            (e: unknown) => resume(Effect.fail(new HubConnectError({ url, ...Client.connectFailure(e, socketError) })))
          )
          return Effect.promise(() => {
            stopping = true
            return connection.stop().catch(() => undefined)
          }).pipe(
            // a half-open socket may wait long for the server's close reply: shutdown must not (exit within 10 s)
            Effect.timeoutOption(closeTimeout),
            Effect.asVoid
          )
        })
        yield* Effect.addFinalizer(() => h.socket.close)
        return h.socket
      })
    return { connect } satisfies Service
  })

/**
 * The SignalR transport with explicit options.
 *
 * @since 0.1.0
 */
export const layer = (options: Options = {}): Layer.Layer<HubTransport> => Layer.effect(HubTransport, make(options))

/**
 * The SignalR transport timed from the realtime config: the library's server
 * timeout is `signalr.health.staleThreshold` (no message for that long = the
 * connection is gone), its keep-alive `signalr.health.pingInterval`, at most
 * 15 s (ASP.NET Core drops clients silent for 30 s).
 *
 * @since 0.1.0
 */
export const layerConfig = (
  options: Pick<Options, "logLevel"> = {}
): Layer.Layer<HubTransport, never, RealtimeConfig> =>
  Layer.effect(
    HubTransport,
    Effect.flatMap(RealtimeConfig, (config) =>
      make({
        ...options,
        serverTimeout: config.signalr.health.staleThreshold,
        keepAliveInterval: Math.min(config.signalr.health.pingInterval, 15_000)
      }))
  )
