/**
 * The whole client stack as one layer: REST (GatewayClient, TokenManager,
 * RateLimiter, CircuitBreaker, ResilientGateway), both hubs, AccountState fed
 * from them, and the StateReconciler, all sharing ONE TokenManager (two would
 * mean two sessions, and the gateway may end one of them).
 *
 * Session conflicts (on by default, `Options.sessionConflicts`): a
 * `GatewayLogout` on the user hub (another client logged in as the same user)
 * is reported to `SessionConflicts` (counted, logged at ERROR), and the
 * TokenManager shared by REST and both hubs is the gated one: under
 * `authentication.sessionConflict: backoff` its logins wait after repeated
 * conflicts (see `@tradeguard/resilience`'s SessionConflicts).
 *
 * - {@link layer}: batteries included. Decodes the config (library defaults,
 *   {@link StackConfig.decode}), brings the Node HTTP client and the SignalR
 *   transport; needs only the Credentials: {@link credentialsFromEnv} or
 *   {@link credentials}.
 * - {@link layerWithoutTransports}: the same from a decoded config, the
 *   HttpClient and the HubTransport left to the caller (the in-process
 *   simulator, a test transport, another HTTP client).
 *
 * Building either logs in (one login), connects both hubs and reconciles the
 * account picture at start-up; wrong credentials fail it with
 * `AuthenticationFailed`.
 *
 * @example
 * ```ts
 * import { Stack } from "@tradeguard/runtime"
 * import * as Layer from "effect/Layer"
 *
 * const Live = Stack.layer({ api: { baseUrl: "https://api.topstepx.com" } }).pipe(Layer.provide(Stack.credentialsFromEnv))
 * ```
 *
 * @since 0.2.0
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import type { GatewayClient } from "@tradeguard/gateway"
import {
  AccountState,
  type Config as RealtimeConfig,
  HubConnection,
  type HubEvent,
  type HubTransport,
  SignalRTransport,
  StateReconciler
} from "@tradeguard/realtime"
import {
  CircuitBreaker,
  type Config as ResilienceConfig,
  type Errors,
  RateLimiter,
  ResilientGateway,
  SessionConflicts,
  TokenManager,
  TokenStore
} from "@tradeguard/resilience"
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import * as StackConfig from "./StackConfig.js"

/**
 * What the stack provides to programs.
 *
 * @since 0.2.0
 */
export type Services =
  | ResilienceConfig.ResilienceConfig
  | RealtimeConfig.RealtimeConfig
  | GatewayClient.GatewayClient
  | TokenManager.TokenManager
  | SessionConflicts.SessionConflicts
  | RateLimiter.RateLimiter
  | CircuitBreaker.CircuitBreaker
  | ResilientGateway.ResilientGateway
  | HubConnection.UserHub
  | HubConnection.MarketHub
  | AccountState.AccountState
  | StateReconciler.StateReconciler

/**
 * What building the stack may fail with: the login, or a token store the config cannot have.
 *
 * @since 0.2.0
 */
export type StartError = Errors.AuthenticationFailed | TokenStore.TokenStoreConfigError

/**
 * Options of {@link layerWithoutTransports} and {@link layer}.
 *
 * @since 0.2.0
 */
export interface Options {
  /** The reconciler's options (its triggers follow `stateReconciliation`). */
  readonly reconciler?: StateReconciler.Options
  /**
   * Session conflicts (default true): the user hub's GatewayLogouts are
   * reported to SessionConflicts, and the TokenManager is gated by it. With
   * false, SessionConflicts is still provided (nothing reports to it) and the
   * TokenManager is not gated.
   */
  readonly sessionConflicts?: boolean
}

/** What the REST side provides. */
type RestServices =
  | ResilientGateway.ResilientGateway
  | GatewayClient.GatewayClient
  | TokenManager.TokenManager
  | SessionConflicts.SessionConflicts
  | RateLimiter.RateLimiter
  | CircuitBreaker.CircuitBreaker

/**
 * The TokenManager (store per `authentication.storage`) and SessionConflicts
 * (`authentication.sessionConflict`); the TokenManager gated unless `gated` is false.
 *
 * @since 0.3.0
 */
export const tokenLayer = (gated = true): Layer.Layer<
  TokenManager.TokenManager | SessionConflicts.SessionConflicts,
  StartError,
  GatewayClient.GatewayClient | ResilienceConfig.ResilienceConfig | TokenManager.Credentials
> => {
  const tokens = TokenManager.layer.pipe(Layer.provide(TokenStore.layer))
  return gated
    ? SessionConflicts.gated.pipe(Layer.provide(tokens), Layer.provideMerge(SessionConflicts.layer))
    : Layer.merge(tokens, SessionConflicts.layer)
}

/**
 * {@link restLayer} with options: `sessionConflicts: false` leaves the TokenManager ungated.
 *
 * @since 0.3.0
 */
export const restLayerWith = (options: Options = {}): Layer.Layer<
  RestServices,
  StartError,
  ResilienceConfig.ResilienceConfig | HttpClient.HttpClient | TokenManager.Credentials
> =>
  ResilientGateway.layerWithoutDependencies.pipe(
    Layer.provideMerge(
      Layer.mergeAll(tokenLayer(options.sessionConflicts ?? true), RateLimiter.layer, CircuitBreaker.layer)
    ),
    Layer.provideMerge(ResilientGateway.gatewayClientLayer)
  )

/**
 * REST side: GatewayClient (`api`), TokenManager (store per
 * `authentication.storage`, gated by SessionConflicts), SessionConflicts,
 * RateLimiter, CircuitBreaker, ResilientGateway.
 *
 * @since 0.2.0
 */
export const restLayer: Layer.Layer<
  RestServices,
  StartError,
  ResilienceConfig.ResilienceConfig | HttpClient.HttpClient | TokenManager.Credentials
> = restLayerWith()

/**
 * What a `GatewayLogout`'s arguments say, for the log line: `GatewayLogout (replaced)`.
 *
 * @since 0.3.0
 */
export const describeLogout = (event: HubEvent.Logout): string =>
  event.arguments.length === 0 ? "GatewayLogout" : `GatewayLogout (${event.arguments.map(String).join(", ")})`

/**
 * Reports every `GatewayLogout` of the user hub to SessionConflicts, before
 * the hub reconnects (an `attach` consumer), so the login that follows is gated.
 *
 * @since 0.3.0
 */
export const reportLogouts: Layer.Layer<never, never, HubConnection.UserHub | SessionConflicts.SessionConflicts> =
  Layer.scopedDiscard(Effect.gen(function*() {
    const hub = yield* HubConnection.UserHub
    const conflicts = yield* SessionConflicts.SessionConflicts
    yield* hub.attach((events) => {
      for (const e of events) if (e._tag === "Logout") conflicts.unsafeReport(describeLogout(e))
    })
  }))

/**
 * Event side: both hubs, AccountState fed from them, and the reconciler (start-up and every reconnect).
 *
 * @since 0.2.0
 */
export const realtimeLayer = (options: Options = {}): Layer.Layer<
  HubConnection.UserHub | HubConnection.MarketHub | AccountState.AccountState | StateReconciler.StateReconciler,
  never,
  | RealtimeConfig.RealtimeConfig
  | HubTransport.HubTransport
  | TokenManager.TokenManager
  | ResilientGateway.ResilientGateway
> =>
  StateReconciler.layer(options.reconciler ?? {}).pipe(
    Layer.provideMerge(AccountState.layer),
    Layer.provideMerge(Layer.merge(HubConnection.layerUser, HubConnection.layerMarket))
  )

/**
 * Everything from a decoded config, one TokenManager for REST and both hubs.
 * Needs an HttpClient, a HubTransport and the Credentials.
 *
 * @since 0.2.0
 */
export const layerWithoutTransports = (
  config: StackConfig.StackConfig,
  options: Options = {}
): Layer.Layer<Services, StartError, HttpClient.HttpClient | HubTransport.HubTransport | TokenManager.Credentials> =>
  (options.sessionConflicts === false ? Layer.empty : reportLogouts).pipe(
    Layer.provideMerge(realtimeLayer(options)),
    Layer.provideMerge(restLayerWith(options)),
    Layer.provideMerge(StackConfig.layerDecoded(config))
  )

/**
 * The production transports for `config`: Node's HTTP client (undici) and
 * the SignalR transport timed from `signalr.health`.
 *
 * @since 0.2.0
 */
export const transportsLayer = (
  config: StackConfig.StackConfig
): Layer.Layer<HttpClient.HttpClient | HubTransport.HubTransport> =>
  Layer.merge(
    NodeHttpClient.layerUndici,
    SignalRTransport.layerConfig({ logLevel: "warning" }).pipe(Layer.provide(StackConfig.layerDecoded(config)))
  )

/**
 * Batteries included: decodes `input` (library defaults; an invalid one fails
 * the layer with `ConfigError`), the Node HTTP client and the SignalR
 * transport. Needs only the Credentials ({@link credentialsFromEnv},
 * {@link credentials}).
 *
 * @since 0.2.0
 */
export const layer = (
  input: StackConfig.StackConfigInput | StackConfig.StackConfig = {},
  options: Options = {}
): Layer.Layer<Services, StackConfig.ConfigError | StartError, TokenManager.Credentials> =>
  Layer.unwrapEffect(Effect.map(StackConfig.decode(input), (config) =>
    layerWithoutTransports(config, options).pipe(Layer.provide(transportsLayer(config)))))

/**
 * The gateway user from `PROJECTX_USERNAME` and `PROJECTX_API_KEY`.
 *
 * @since 0.2.0
 */
export const credentialsFromEnv: Layer.Layer<TokenManager.Credentials, ConfigError.ConfigError> =
  TokenManager.Credentials.fromEnv

/**
 * The gateway user as a value; a plain string key is wrapped into `Redacted`.
 *
 * @since 0.2.0
 */
export const credentials = (input: {
  readonly userName: string
  readonly apiKey: string | Redacted.Redacted<string>
}): Layer.Layer<TokenManager.Credentials> => TokenManager.Credentials.layer(input.userName, input.apiKey)
