/**
 * The counters behind a hub connection's health snapshot. Plain mutable
 * fields: they are written by the connection's own fibers and read as a
 * snapshot.
 *
 * @internal
 */
import type { ConnectionState } from "./connectionMachine.js"
import type { Subscription } from "./subscriptions.js"

/** A hub connection's health, as `HubConnection.health` returns it. */
export interface Health {
  readonly hub: string
  readonly state: ConnectionState["_tag"]
  /**
   * Connected, a message came from the server within the stale threshold, and no declared
   * subscription is failing (see `failingSubscriptions`: degraded while one is).
   */
  readonly healthy: boolean
  /** `maxAttempts` failures in a row: escalated (fresh login), still retrying. */
  readonly escalated: boolean
  /** Epoch millis of the last message from the server (any: event, ping, completion). */
  readonly lastMessageAt: number | undefined
  readonly lastMessageAgeMs: number | undefined
  readonly connectedSince: number | undefined
  /** Successful connects, the first one included. */
  readonly connects: number
  /** Successful reconnects. */
  readonly reconnects: number
  /** Connect attempts made (successful or not). */
  readonly attempts: number
  readonly failedAttempts: number
  /** Failed attempts in a row right now. */
  readonly consecutiveFailures: number
  readonly escalations: number
  readonly staleDetections: number
  readonly pingFailures: number
  readonly logouts: number
  /** Connections the server ended over their token or session (a GatewayLogout, a Close refusing the token): the token was invalidated before reconnecting. */
  readonly tokenRefusals: number
  readonly eventsReceived: number
  /** Payloads that did not decode: logged, counted, dropped. */
  readonly decodeFailures: number
  /** Invocations of a method this hub does not know. */
  readonly unknownTargets: number
  /** Trades dropped because that trade id was already delivered. */
  readonly duplicateTrades: number
  /** Failed subscription invocations (replays, retries, `subscribe`), cumulative. */
  readonly subscriptionFailures: number
  /**
   * The subscriptions the hub refused on the live connection and that are being retried with
   * backoff (`signalr.reconnection.delays`); empty when every declared subscription is active.
   */
  readonly failingSubscriptions: ReadonlyArray<Subscription>
  /** Batches on which an attached consumer (`HubConnection.attach`) threw: logged, counted. */
  readonly consumerFailures: number
  /** Events a slow subscriber of `events` lost: the oldest, beyond `subscriberBuffer` (each counted once). */
  readonly droppedEvents: number
  /** The same for `lifecycle`. */
  readonly droppedLifecycle: number
  readonly tokenChanges: number
  readonly lastError: string | undefined
}

export class HealthCounters {
  lastMessageAt: number | undefined = undefined
  connectedSince: number | undefined = undefined
  connects = 0
  reconnects = 0
  attempts = 0
  failedAttempts = 0
  escalations = 0
  staleDetections = 0
  pingFailures = 0
  logouts = 0
  tokenRefusals = 0
  eventsReceived = 0
  decodeFailures = 0
  unknownTargets = 0
  duplicateTrades = 0
  subscriptionFailures = 0
  /** The live connection's failing subscriptions, by key (cleared when a new connection is activated). */
  readonly failing = new Map<string, Subscription>()
  consumerFailures = 0
  droppedEvents = 0
  droppedLifecycle = 0
  tokenChanges = 0
  lastError: string | undefined = undefined

  snapshot(hub: string, state: ConnectionState, now: number, staleThreshold: number): Health {
    const age = this.lastMessageAt === undefined ? undefined : now - this.lastMessageAt
    const connected = state._tag === "Connected"
    return {
      hub,
      state: state._tag,
      healthy: connected && age !== undefined && age < staleThreshold && this.failing.size === 0,
      escalated: (state._tag === "Connecting" || state._tag === "Reconnecting") && state.escalated,
      lastMessageAt: this.lastMessageAt,
      lastMessageAgeMs: age,
      connectedSince: connected ? this.connectedSince : undefined,
      connects: this.connects,
      reconnects: this.reconnects,
      attempts: this.attempts,
      failedAttempts: this.failedAttempts,
      consecutiveFailures: state._tag === "Connecting" || state._tag === "Reconnecting" ? state.failures : 0,
      escalations: this.escalations,
      staleDetections: this.staleDetections,
      pingFailures: this.pingFailures,
      logouts: this.logouts,
      tokenRefusals: this.tokenRefusals,
      eventsReceived: this.eventsReceived,
      decodeFailures: this.decodeFailures,
      unknownTargets: this.unknownTargets,
      duplicateTrades: this.duplicateTrades,
      subscriptionFailures: this.subscriptionFailures,
      failingSubscriptions: [...this.failing.values()],
      consumerFailures: this.consumerFailures,
      droppedEvents: this.droppedEvents,
      droppedLifecycle: this.droppedLifecycle,
      tokenChanges: this.tokenChanges,
      lastError: this.lastError
    }
  }
}
