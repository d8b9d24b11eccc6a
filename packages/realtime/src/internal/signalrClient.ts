/**
 * The `@microsoft/signalr` side of the SignalR transport: building a
 * `HubConnection` (skipNegotiation + WebSockets, no automatic reconnect, our
 * timeouts and logger), the WebSocket constructor hook, and the mapping of
 * the library's errors to the transport's. The only module that touches the
 * library; the adapter (SignalRTransport) stays in Effect.
 *
 * The WebSocket hook: the library reads a `WebSocket` constructor from its
 * `withUrl` options (`HttpConnection`: `options.WebSocket`; no longer in its
 * typings, still honoured in v10). We pass the `ws` class the library would
 * use anyway, wrapped to (1) see every WebSocket message, pings included
 * (the library has no hook for pings; this feeds the transport's `activity`)
 * and (2) keep the last socket error, whose text carries the HTTP status of a
 * refused upgrade (`Unexpected server response: 401`), which the library
 * reduces to a generic "WebSocket failed to connect". If the hook ever stops
 * being honoured, the adapter degrades gracefully: activity then comes only
 * from invocations (the library's own server timeout still closes a dead
 * connection) and a 401 is reported as `Network`.
 *
 * @internal
 */
import * as signalR from "@microsoft/signalr"
import { createRequire } from "node:module"

export type LogLevelName = "trace" | "debug" | "information" | "warning" | "error" | "critical" | "none"

export interface ClientOptions {
  readonly keepAliveMillis: number
  readonly serverTimeoutMillis: number
  readonly logLevel: LogLevelName
}

export interface Hooks {
  /** Every WebSocket message from the server (before the library parses it). */
  readonly onMessage: () => void
  /** The last WebSocket error's text (e.g. `Unexpected server response: 401`). */
  readonly onSocketError: (message: string) => void
  /** A library log line at or above the configured level. */
  readonly onLog: (level: signalR.LogLevel, message: string) => void
}

const levels: Record<LogLevelName, signalR.LogLevel> = {
  trace: signalR.LogLevel.Trace,
  debug: signalR.LogLevel.Debug,
  information: signalR.LogLevel.Information,
  warning: signalR.LogLevel.Warning,
  error: signalR.LogLevel.Error,
  critical: signalR.LogLevel.Critical,
  none: signalR.LogLevel.None
}

interface WsLike {
  /** `ws` (EventEmitter). Its `onmessage`/`onerror` setters drop every `addEventListener` listener, not these. */
  on?(type: string, listener: (arg: { readonly message?: unknown }) => void): void
  addEventListener(type: string, listener: (event: { readonly message?: unknown }) => void): void
}
type WsClass = (new(url: string, protocols?: unknown, options?: unknown) => WsLike) & { readonly OPEN: number }

/** The WebSocket class the library uses in Node (`ws`, its own dependency), or the global one. */
const baseWebSocket: WsClass | undefined = (() => {
  try {
    const fromHere = createRequire(import.meta.url)
    return createRequire(fromHere.resolve("@microsoft/signalr"))("ws") as WsClass
  } catch {
    return (globalThis as { readonly WebSocket?: WsClass }).WebSocket
  }
})()

/** A constructor the library can `new` that returns the real socket with our listeners attached. */
const hookedWebSocket = (base: WsClass, hooks: Hooks) => {
  function HookedWebSocket(url: string, protocols?: unknown, options?: unknown): WsLike {
    const ws = new base(url, protocols, options)
    const listen = typeof ws.on === "function" ? ws.on.bind(ws) : ws.addEventListener.bind(ws)
    listen("message", () => hooks.onMessage())
    listen("error", (e) => hooks.onSocketError(String(e.message ?? e)))
    return ws
  }
  return Object.assign(HookedWebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 })
}

/** A HubConnection for `url` with a fixed token: skipNegotiation + WebSockets, no automatic reconnect. */
export const build = (url: string, token: string, options: ClientOptions, hooks: Hooks): signalR.HubConnection => {
  const min = levels[options.logLevel]
  const logger: signalR.ILogger = {
    log: (level, message) => {
      if (level >= min && min !== signalR.LogLevel.None) hooks.onLog(level, message)
    }
  }
  const http: signalR.IHttpConnectionOptions & { WebSocket?: unknown } = {
    skipNegotiation: true,
    transport: signalR.HttpTransportType.WebSockets,
    accessTokenFactory: () => token,
    logger,
    ...(baseWebSocket === undefined ? {} : { WebSocket: hookedWebSocket(baseWebSocket, hooks) })
  }
  const connection = new signalR.HubConnectionBuilder().withUrl(url, http).configureLogging(logger).build()
  connection.serverTimeoutInMilliseconds = options.serverTimeoutMillis
  connection.keepAliveIntervalInMilliseconds = options.keepAliveMillis
  return connection
}

export const isConnected = (c: signalR.HubConnection): boolean => c.state === signalR.HubConnectionState.Connected

const text = (e: unknown): string => (e instanceof Error ? e.message : String(e))

export type ConnectFailure = {
  readonly reason: "Unauthorized" | "Refused" | "Handshake" | "Network" | "Timeout"
  readonly detail: string
}

/** Why `start()` failed, from its error and the last socket error (which carries the upgrade's status). */
export const connectFailure = (error: unknown, socketError: string | undefined): ConnectFailure => {
  const message = text(error)
  const status = /Unexpected server response: (\d{3})/.exec(socketError ?? "")?.[1]
  if (status === "401") return { reason: "Unauthorized", detail: `HTTP 401 at the upgrade` }
  if (status !== undefined) return { reason: "Refused", detail: `HTTP ${status} at the upgrade` }
  if (/handshake/i.test(message)) return { reason: "Handshake", detail: message }
  if (/timeout|timed out/i.test(message)) return { reason: "Timeout", detail: message }
  return { reason: "Network", detail: socketError ?? message }
}

const serverClosePrefix = "Server returned an error on close: "

export type Closed =
  | { readonly _tag: "ServerClosed"; readonly error: string | undefined; readonly allowReconnect: undefined }
  | { readonly _tag: "Dropped"; readonly error: string }
  | { readonly _tag: "ClientClosed" }

/**
 * Why the library closed: a Close message from the server (with or without an
 * error) or a clean close, a broken connection or the library's server
 * timeout (`Dropped`), or our own `stop()`.
 */
export const closeReason = (error: Error | undefined, stopping: boolean): Closed => {
  if (stopping) return { _tag: "ClientClosed" }
  if (error === undefined) return { _tag: "ServerClosed", error: undefined, allowReconnect: undefined }
  return error.message.startsWith(serverClosePrefix)
    ? { _tag: "ServerClosed", error: error.message.slice(serverClosePrefix.length), allowReconnect: undefined }
    : { _tag: "Dropped", error: error.message }
}

/** Whether an invoke/send failure means the connection is gone (rather than a hub error). */
export const isClosedError = (c: signalR.HubConnection, error: unknown): boolean =>
  !isConnected(c) || /connection being closed|not in the 'Connected' State|connection was stopped/i.test(text(error))

export { text as errorText }
