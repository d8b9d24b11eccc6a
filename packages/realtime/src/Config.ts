/**
 * The realtime sections of the seed's master configuration, `signalr` and
 * `stateReconciliation`, as Schemas whose defaults are the seed's values,
 * plus two tradeguard additions: `signalr.hubs` (the hub URLs and a connect
 * timeout, which the seed leaves out) and `tradingDay` (when "today" starts).
 *
 * ```yaml
 * signalr:
 *   reconnection: { maxAttempts: 10, delays: [0, 2000, 10000, 30000, 60000], maxDelayMs: 60000 }
 *   health: { pingInterval: 30000, pingTimeout: 5000, staleThreshold: 120000 }
 *   subscriptions: { autoResubscribe: true, resubscribeDelay: 1000 }
 *   hubs:                                   # tradeguard addition
 *     userHubUrl: https://rtc.topstepx.com/hubs/user
 *     marketHubUrl: https://rtc.topstepx.com/hubs/market
 *     connectTimeout: 30000
 * stateReconciliation:
 *   { enabled: true, onReconnect: true, minInterval: 5000, comparePositions: true, compareOrders: true, compareAccount: true,
 *     periodicIntervalMs: 300000 }                                      # periodicIntervalMs: tradeguard addition
 * tradingDay: { timeZone: America/Chicago, startsAt: "17:00", checkIntervalMs: 60000 }   # tradeguard addition
 * ```
 *
 * When to use: apps/risk decodes the whole `config.yaml` and provides
 * {@link RealtimeConfig}; a library user or a test provides it directly:
 *
 * ```ts
 * RealtimeConfig.layer({ signalr: { hubs: { userHubUrl: "http://127.0.0.1:5000/hubs/user" } } })
 * ```
 *
 * @since 0.1.0
 */
import { Config as ResilienceConfig } from "@tradeguard/resilience"
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as TradingDayFns from "./TradingDay.js"

const { section, withDefault } = ResilienceConfig

const PositiveInt = Schema.Number.pipe(Schema.int(), Schema.positive())
const NonNegativeInt = Schema.Number.pipe(Schema.int(), Schema.nonNegative())
const Millis = NonNegativeInt.pipe(Schema.annotations({ description: "milliseconds" }))
const PositiveMillis = PositiveInt.pipe(Schema.annotations({ description: "milliseconds" }))

/**
 * `signalr.reconnection`: the reconnect delays, their cap, and when to escalate.
 *
 * @since 0.1.0
 */
export const Reconnection = Schema.Struct({
  /** Failures in a row before escalating (fresh login, error log, unhealthy); retries go on after. */
  maxAttempts: withDefault(PositiveInt, () => 10).annotations({ description: "Failed reconnect attempts in a row before escalating (a fresh login, an ERROR log, the hub reported down); attempts go on after it, `maxDelayMs` apart." }),
  /** Delay before attempt n+1 after n failures in a row; the last one repeats. */
  delays: withDefault(Schema.NonEmptyArray(Millis), () => [0, 2000, 10000, 30000, 60000] as const).annotations({ description: "Delay before reconnect attempt n+1 after n failures in a row, ms; the last one repeats." }),
  /** No delay is longer than this; after escalation every attempt waits this long. */
  maxDelayMs: withDefault(Millis, () => 60000).annotations({ description: "No reconnect delay is longer than this, ms; after escalation every attempt waits this long." })
})

/**
 * `signalr.health`: ping interval and the staleness and ping timeouts.
 *
 * @since 0.1.0
 */
export const Health = Schema.Struct({
  /** A ping is sent to the server this often while connected. */
  pingInterval: withDefault(PositiveMillis, () => 30000).annotations({ description: "A ping is sent to the hub this often while connected, ms." }),
  /** A ping that cannot be sent within this time counts as a dead connection. */
  pingTimeout: withDefault(PositiveMillis, () => 5000).annotations({ description: "A ping that cannot be sent within this long counts as a dead connection, ms." }),
  /** No message from the server for this long: the connection is stale and is replaced. */
  staleThreshold: withDefault(PositiveMillis, () => 120000).annotations({ description: "No message from the hub for this long: the connection is stale, it is replaced (a reconnect), ms." })
})

/**
 * `signalr.subscriptions`: replay of the declared subscriptions after a reconnect.
 *
 * @since 0.1.0
 */
export const Subscriptions = Schema.Struct({
  /** Replay the declared subscriptions after every reconnect. */
  autoResubscribe: withDefault(Schema.Boolean, () => true).annotations({ description: "Replay the subscriptions (accounts, orders, positions, trades, quotes) after every reconnect." }),
  /** How long after a reconnect the replay starts. */
  resubscribeDelay: withDefault(Millis, () => 1000).annotations({ description: "How long after a reconnect the replay starts, ms." })
})

/**
 * A hub URL: absolute `https://`, `wss://` (or plaintext `http://`, `ws://`; see `api.allowInsecure`).
 *
 * @since 0.1.0
 */
export const HubUrl = ResilienceConfig.absoluteUrl(["http:", "https:", "ws:", "wss:"], "https://rtc.topstepx.com/hubs/user")

/**
 * tradeguard addition: where the hubs are, and how long a connect attempt may take.
 *
 * @since 0.1.0
 */
export const Hubs = Schema.Struct({
  /** The user hub: an absolute http(s)/ws(s) URL. */
  userHubUrl: withDefault(HubUrl, () => "https://rtc.topstepx.com/hubs/user").annotations({ description: "The user hub (accounts, orders, positions, trades)." }),
  /** The market hub: an absolute http(s)/ws(s) URL. */
  marketHubUrl: withDefault(HubUrl, () => "https://rtc.topstepx.com/hubs/market").annotations({ description: "The market hub (quotes)." }),
  /** A connect (token + socket + handshake) that takes longer counts as a failed attempt. */
  connectTimeout: withDefault(PositiveMillis, () => 30000).annotations({ description: "A connect (token, socket, handshake) that takes longer counts as a failed attempt, ms." })
})

/**
 * The `signalr` section: reconnection, health, subscriptions.
 *
 * @since 0.1.0
 */
export const SignalR = Schema.Struct({
  reconnection: section(Reconnection).annotations({ description: "How a dropped hub connection is re-established." }),
  health: section(Health).annotations({ description: "How a silently dead hub connection is detected." }),
  subscriptions: section(Subscriptions).annotations({ description: "The subscriptions replayed after a reconnect." }),
  hubs: section(Hubs).annotations({ description: "tradeguard addition: where the hubs are and how long a connect may take." })
})
/**
 * The decoded `signalr` section.
 *
 * @since 0.1.0
 */
export type SignalR = typeof SignalR.Type

/**
 * The `stateReconciliation` section: the REST catch-up at start-up and after reconnects.
 *
 * @since 0.1.0
 */
export const StateReconciliation = Schema.Struct({
  enabled: withDefault(Schema.Boolean, () => true).annotations({ description: "Reconcile the local picture (positions, orders, balances) with the gateway's REST answers at start-up; `false` also turns off the reconciliations below." }),
  /** Reconcile after every reconnect (start-up reconciliation needs only `enabled`). */
  onReconnect: withDefault(Schema.Boolean, () => true).annotations({ description: "Reconcile after every hub reconnect (events sent while disconnected are caught up; each difference is reported)." }),
  /** At most one reconciliation per this many ms; a request inside it waits, it is not dropped. */
  minInterval: withDefault(Millis, () => 5000).annotations({ description: "At most one reconciliation of an account per this many ms; a request inside it waits, it is not dropped." }),
  comparePositions: withDefault(Schema.Boolean, () => true).annotations({ description: "Compare open positions (size, average price) with `Position/searchOpen`." }),
  compareOrders: withDefault(Schema.Boolean, () => true).annotations({ description: "Compare working orders with `Order/searchOpen`." }),
  compareAccount: withDefault(Schema.Boolean, () => true).annotations({ description: "Compare the account (balance, can-trade) with `Account/search`." }),
  /**
   * tradeguard addition, the safety net for an event lost on a live connection: every account is
   * reconciled about this often even without a reconnect, a few accounts at a time spread over
   * the interval (0 disables).
   */
  periodicIntervalMs: withDefault(Millis, () => 300000).annotations({ description: "tradeguard addition: every account is also reconciled about this often without a reconnect (a few accounts at a time, spread over the interval), a safety net for an event lost on a live connection, ms; 0 turns it off." })
})
/**
 * The decoded `stateReconciliation` section.
 *
 * @since 0.1.0
 */
export type StateReconciliation = typeof StateReconciliation.Type

/**
 * A local time of day, `HH:MM` (00:00 to 23:59).
 *
 * @since 0.1.0
 */
export const LocalTime = Schema.String.pipe(
  Schema.pattern(/^([01]\d|2[0-3]):[0-5]\d$/, { message: () => "expected HH:MM (00:00 to 23:59)" }),
  Schema.annotations({ description: "HH:MM" })
)

/**
 * An IANA time zone this runtime knows, e.g. `America/Chicago`.
 *
 * @since 0.1.0
 */
export const TimeZone = Schema.String.pipe(
  Schema.filter((z) => TradingDayFns.isTimeZone(z) || `unknown time zone "${z}" (an IANA name, e.g. America/Chicago)`)
)

/**
 * tradeguard addition: when a trading day starts (today's trades, the reconciler's catch-up, daily rules).
 *
 * @since 0.1.0
 */
export const TradingDay = Schema.Struct({
  /** IANA time zone of `startsAt`. */
  timeZone: withDefault(TimeZone, () => TradingDayFns.defaults.timeZone).annotations({ description: "The IANA time zone of `startsAt` (e.g. America/Chicago, Europe/London)." }),
  /** Local time at which a trading day starts (CME Globex / TopstepX: 17:00 Chicago). */
  startsAt: withDefault(LocalTime, () => TradingDayFns.defaults.startsAt).annotations({ description: "Local time at which a trading day starts (CME Globex / TopstepX: 17:00 Chicago): day PnL, trade counts and daily locks start over then." }),
  /**
   * The longest the day-roll watcher sleeps, ms: a host that slept through a boundary (timers do
   * not count suspended time) starts the new day within this long of waking. A test kit under
   * TestClock raises it (each nap costs real time there).
   */
  checkIntervalMs: withDefault(PositiveMillis, () => 60000).annotations({ description: "The longest the day-roll watcher sleeps, ms: a host that slept through the start of a day begins the new day within this long of waking." })
})
/**
 * The decoded type of {@link TradingDay}.
 *
 * @since 0.1.0
 */
export type TradingDay = typeof TradingDay.Type

/**
 * The realtime part of the config file (`signalr`, `stateReconciliation`, `tradingDay`), every key defaulted.
 *
 * @since 0.1.0
 */
export const RealtimeConfigSchema = Schema.Struct({
  signalr: section(SignalR).annotations({ description: "The realtime hubs (SignalR): reconnection, health checks, subscriptions, hub URLs." }),
  stateReconciliation: section(StateReconciliation).annotations({ description: "The REST catch-up that makes the local picture equal the gateway's: at start-up, after reconnects, periodically." }),
  tradingDay: section(TradingDay).annotations({ description: "tradeguard addition: when \"today\" starts, for daily rules and day PnL." })
})
/**
 * The decoded realtime config.
 *
 * @since 0.1.0
 */
export type RealtimeConfigShape = typeof RealtimeConfigSchema.Type
/**
 * The realtime config as written in the file (every key optional).
 *
 * @since 0.1.0
 */
export type RealtimeConfigInput = typeof RealtimeConfigSchema.Encoded

/**
 * The realtime config's tag; `RealtimeConfig.layer(input)` provides it.
 *
 * @since 0.1.0
 */
export class RealtimeConfig extends Context.Tag("@tradeguard/realtime/RealtimeConfig")<
  RealtimeConfig,
  RealtimeConfigShape
>() {
  /**
   * Decodes a partial config: every omitted key gets the seed's default. Throws on invalid input.
   *
   * @since 0.1.0
   */
  static make(input: ResilienceConfig.DeepPartial<RealtimeConfigInput> = {}): RealtimeConfigShape {
    return Schema.decodeUnknownSync(RealtimeConfigSchema)(input)
  }
  /**
   * The seed's defaults, overridden by `input`.
   *
   * @since 0.1.0
   */
  static layer(input: ResilienceConfig.DeepPartial<RealtimeConfigInput> = {}): Layer.Layer<RealtimeConfig> {
    return Layer.sync(RealtimeConfig, () => RealtimeConfig.make(input))
  }
}
