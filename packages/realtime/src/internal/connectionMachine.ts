/**
 * The pure state machine of one hub connection:
 * `transition(machine, event) => [machine, commands]`. No Effect, no time: the
 * shell (HubConnection) owns timers and sockets, feeds events in and carries
 * the commands out.
 *
 * Disconnected --Start--> Connecting --ok--> Connected --lost--> Reconnecting --ok--> Connected
 * Connecting / Reconnecting --failed--> (same state, attempt + 1, after the backoff delay)
 * any --Stop--> Closed (terminal)
 *
 * @internal
 */
import type { Subscription } from "./subscriptions.js"

/** Why a connected socket is being replaced. */
export type LostCause = "closed" | "stale" | "ping" | "logout" | "manual"

/** The state of a hub connection, as HubConnection exposes it. */
export type ConnectionState =
  /** Not started yet. */
  | { readonly _tag: "Disconnected" }
  /** First connect in progress (or waiting for its next attempt). */
  | {
    readonly _tag: "Connecting"
    /** The attempt in progress or scheduled, from 1. */
    readonly attempt: number
    /** Failed attempts in a row. */
    readonly failures: number
    /** `maxAttempts` failures in a row were reached: escalated, retrying every `maxDelayMs`. */
    readonly escalated: boolean
    readonly lastError: string | undefined
  }
  | {
    readonly _tag: "Connected"
    readonly connectionId: number
    /** The declared subscriptions were (re)played on this connection. */
    readonly subscribed: boolean
    readonly afterReconnect: boolean
  }
  /** The connection was lost; reconnecting with backoff. */
  | {
    readonly _tag: "Reconnecting"
    readonly attempt: number
    readonly failures: number
    readonly escalated: boolean
    readonly reason: string
    readonly lastError: string | undefined
  }
  /** Stopped for good. */
  | { readonly _tag: "Closed"; readonly reason: string }

/** The seed's onconnected / onreconnecting / onreconnected / onclose, plus `Subscribed`. */
export type LifecycleEvent =
  | { readonly _tag: "Connected"; readonly connectionId: number }
  | { readonly _tag: "Reconnecting"; readonly reason: string; readonly cause: LostCause }
  | { readonly _tag: "Reconnected"; readonly connectionId: number; readonly attempts: number }
  /** The declared subscriptions were (re)played: events flow, reconciliation may start. */
  | { readonly _tag: "Subscribed"; readonly connectionId: number; readonly afterReconnect: boolean }
  /**
   * A subscription became active on the live connection after its replay: declared while
   * subscribed, or a failed one retried successfully (the replay itself reports `Subscribed`).
   */
  | { readonly _tag: "SubscriptionActive"; readonly connectionId: number; readonly subscription: Subscription }
  | { readonly _tag: "Closed"; readonly reason: string }

export interface MachineConfig {
  readonly delays: ReadonlyArray<number>
  readonly maxDelayMs: number
  readonly maxAttempts: number
  readonly autoResubscribe: boolean
  readonly resubscribeDelay: number
}

export interface Machine {
  readonly state: ConnectionState
  /** The id the next connect attempt gets (a successful attempt's id is its connectionId). */
  readonly nextId: number
  /** The attempt whose result we are waiting for. */
  readonly pending: number | undefined
}

export type Event =
  | { readonly _tag: "Start" }
  | { readonly _tag: "ConnectSucceeded"; readonly id: number }
  | { readonly _tag: "ConnectFailed"; readonly id: number; readonly error: string }
  | {
    readonly _tag: "Lost"
    readonly connectionId: number
    readonly cause: LostCause
    readonly reason: string
    /** The server closed it over its token, or its whole session (e.g. `Unauthorized` in its Close message). */
    readonly refused?: "token" | "session"
  }
  | { readonly _tag: "Subscribed"; readonly connectionId: number }
  | { readonly _tag: "SubscriptionActive"; readonly connectionId: number; readonly subscription: Subscription }
  | { readonly _tag: "Stop"; readonly reason: string }

export type Command =
  /** After `delayMs`, get a token (`forceLogin`: log in afresh first) and connect; report the result as attempt `id`. */
  | { readonly _tag: "Connect"; readonly id: number; readonly delayMs: number; readonly forceLogin: boolean }
  /**
   * The server no longer accepts the token connection `connectionId` was opened with (a
   * GatewayLogout, a Close message refusing it): invalidate it, so the next connect gets a fresh one.
   */
  | { readonly _tag: "InvalidateToken"; readonly connectionId: number; readonly scope: "token" | "session" }
  /** Attempt `id` is now the live connection: start reading, pinging and watching it. */
  | { readonly _tag: "Activate"; readonly connectionId: number }
  /** The socket of attempt `id` arrived too late (stopped meanwhile): close it. */
  | { readonly _tag: "Discard"; readonly id: number }
  | { readonly _tag: "CloseSocket"; readonly connectionId: number }
  /** Interrupt the pending connect attempt. */
  | { readonly _tag: "CancelConnect" }
  /** After `delayMs`, invoke the declared subscriptions on the connection, then report Subscribed. */
  | { readonly _tag: "Replay"; readonly connectionId: number; readonly delayMs: number }
  /** `maxAttempts` failures in a row: log an error, report unhealthy (the next Connect logs in afresh). */
  | { readonly _tag: "Escalate"; readonly failures: number }
  | { readonly _tag: "Emit"; readonly event: LifecycleEvent }

export const initial: Machine = { state: { _tag: "Disconnected" }, nextId: 1, pending: undefined }

/**
 * The delay before the next attempt after `failures` failures in a row:
 * `delays[failures]` (the last one repeats), never above `maxDelayMs`;
 * `maxDelayMs` once escalated.
 */
export const delayFor = (config: MachineConfig, failures: number): number => {
  if (failures >= config.maxAttempts) return config.maxDelayMs
  const d = config.delays.length === 0 ? 0 : config.delays[Math.min(failures, config.delays.length - 1)]
  return Math.min(d, config.maxDelayMs)
}

type Result = readonly [Machine, ReadonlyArray<Command>]
const same = (m: Machine): Result => [m, []]

export const transition = (config: MachineConfig, m: Machine, event: Event): Result => {
  const s = m.state
  switch (event._tag) {
    case "Start": {
      if (s._tag !== "Disconnected") return same(m)
      const state: ConnectionState = { _tag: "Connecting", attempt: 1, failures: 0, escalated: false, lastError: undefined }
      return [{ state, nextId: m.nextId + 1, pending: m.nextId }, [connect(config, m.nextId, 0, false)]]
    }
    case "ConnectSucceeded": {
      if (m.pending !== event.id || (s._tag !== "Connecting" && s._tag !== "Reconnecting")) {
        return [m, [{ _tag: "Discard", id: event.id }]]
      }
      const afterReconnect = s._tag === "Reconnecting"
      const skipReplay = afterReconnect && !config.autoResubscribe
      const state: ConnectionState = { _tag: "Connected", connectionId: event.id, subscribed: skipReplay, afterReconnect }
      const commands: Array<Command> = [
        { _tag: "Activate", connectionId: event.id },
        emit(
          afterReconnect
            ? { _tag: "Reconnected", connectionId: event.id, attempts: s.attempt }
            : { _tag: "Connected", connectionId: event.id }
        )
      ]
      commands.push(
        skipReplay
          ? emit({ _tag: "Subscribed", connectionId: event.id, afterReconnect })
          : { _tag: "Replay", connectionId: event.id, delayMs: afterReconnect ? config.resubscribeDelay : 0 }
      )
      return [{ state, nextId: m.nextId, pending: undefined }, commands]
    }
    case "ConnectFailed": {
      if (m.pending !== event.id || (s._tag !== "Connecting" && s._tag !== "Reconnecting")) return same(m)
      const failures = s.failures + 1
      const escalateNow = !s.escalated && failures >= config.maxAttempts
      const state: ConnectionState = {
        ...s,
        attempt: s.attempt + 1,
        failures,
        escalated: s.escalated || escalateNow,
        lastError: event.error
      }
      const commands: Array<Command> = escalateNow ? [{ _tag: "Escalate", failures }] : []
      commands.push(connect(config, m.nextId, failures, escalateNow))
      return [{ state, nextId: m.nextId + 1, pending: m.nextId }, commands]
    }
    case "Lost": {
      if (s._tag !== "Connected" || s.connectionId !== event.connectionId) return same(m)
      const state: ConnectionState = {
        _tag: "Reconnecting",
        attempt: 1,
        failures: 0,
        escalated: false,
        reason: event.reason,
        lastError: undefined
      }
      // A session the server ended (GatewayLogout, or a close refusing the token): the token goes before
      // the socket, so the first reconnect already gets a fresh one (one login, shared with REST and the
      // other hub, through the TokenManager's single flight).
      const scope = event.cause === "logout" ? "session" : event.refused
      const commands: Array<Command> = scope === undefined ? [] : [
        { _tag: "InvalidateToken", connectionId: s.connectionId, scope }
      ]
      commands.push(
        { _tag: "CloseSocket", connectionId: s.connectionId },
        emit({ _tag: "Reconnecting", reason: event.reason, cause: event.cause }),
        connect(config, m.nextId, 0, false)
      )
      return [{ state, nextId: m.nextId + 1, pending: m.nextId }, commands]
    }
    case "Subscribed": {
      if (s._tag !== "Connected" || s.connectionId !== event.connectionId || s.subscribed) return same(m)
      return [
        { ...m, state: { ...s, subscribed: true } },
        [emit({ _tag: "Subscribed", connectionId: s.connectionId, afterReconnect: s.afterReconnect })]
      ]
    }
    case "SubscriptionActive": {
      if (s._tag !== "Connected" || s.connectionId !== event.connectionId) return same(m)
      return [m, [emit({ _tag: "SubscriptionActive", connectionId: s.connectionId, subscription: event.subscription })]]
    }
    case "Stop": {
      if (s._tag === "Closed") return same(m)
      const commands: Array<Command> = []
      if (s._tag === "Connecting" || s._tag === "Reconnecting") commands.push({ _tag: "CancelConnect" })
      if (s._tag === "Connected") commands.push({ _tag: "CloseSocket", connectionId: s.connectionId })
      commands.push(emit({ _tag: "Closed", reason: event.reason }))
      return [{ state: { _tag: "Closed", reason: event.reason }, nextId: m.nextId, pending: undefined }, commands]
    }
  }
}

const emit = (event: LifecycleEvent): Command => ({ _tag: "Emit", event })

const connect = (config: MachineConfig, id: number, failures: number, forceLogin: boolean): Command => ({
  _tag: "Connect",
  id,
  delayMs: delayFor(config, failures),
  forceLogin
})
