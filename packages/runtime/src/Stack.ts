/**
 * The whole client stack as one layer: REST (GatewayClient, TokenManager,
 * RateLimiter, CircuitBreaker, ResilientGateway), both hubs, AccountState fed
 * from them, and the StateReconciler, all sharing ONE TokenManager (two would
 * mean two sessions, and the gateway may end one of them).
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
}

/**
 * REST side: GatewayClient (`api`), TokenManager (store per
 * `authentication.storage`), RateLimiter, CircuitBreaker, ResilientGateway.
 *
 * @since 0.2.0
 */
export const restLayer: Layer.Layer<
  | ResilientGateway.ResilientGateway
  | GatewayClient.GatewayClient
  | TokenManager.TokenManager
  | RateLimiter.RateLimiter
  | CircuitBreaker.CircuitBreaker,
  StartError,
  ResilienceConfig.ResilienceConfig | HttpClient.HttpClient | TokenManager.Credentials
> = ResilientGateway.layerWithoutDependencies.pipe(
  Layer.provideMerge(
    Layer.mergeAll(
      TokenManager.layer.pipe(Layer.provide(TokenStore.layer)),
      RateLimiter.layer,
      CircuitBreaker.layer
    )
  ),
  Layer.provideMerge(ResilientGateway.gatewayClientLayer)
)

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
  realtimeLayer(options).pipe(
    Layer.provideMerge(restLayer),
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
