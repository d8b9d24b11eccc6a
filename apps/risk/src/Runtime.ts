/**
 * The daemon's runtime: every resilience concern and the realtime picture,
 * composed once from the decoded `config.yaml`, sharing ONE TokenManager
 * between REST and both hubs (two would mean two sessions, and the gateway may
 * end one of them).
 *
 * When to use: provide `Runtime.layer(config)` (plus an HttpClient, a
 * HubTransport and Credentials) to a program that needs the gateway.
 *
 * @since 0.1.0
 */
import {
  AccountState,
  Config as RealtimeConfig,
  HubConnection,
  StateReconciler
} from "@tradeguard/realtime"
import type { GatewayClient } from "@tradeguard/gateway"
import type { HubTransport } from "@tradeguard/realtime"
import {
  CircuitBreaker,
  Config as ResilienceConfig,
  type Errors,
  RateLimiter,
  ResilientGateway,
  TokenManager,
  TokenStore
} from "@tradeguard/resilience"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Layer from "effect/Layer"
import type { AppConfig } from "./AppConfig.js"

/** What the runtime provides to programs. */
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

/** The two config tags, from the one decoded file. */
export const configLayer = (config: AppConfig) =>
  Layer.merge(
    Layer.succeed(ResilienceConfig.ResilienceConfig, config),
    Layer.succeed(RealtimeConfig.RealtimeConfig, config)
  )

/** REST side: GatewayClient, TokenManager (store per `authentication.storage`), RateLimiter, CircuitBreaker, ResilientGateway. */
export const restLayer: Layer.Layer<
  | ResilientGateway.ResilientGateway
  | GatewayClient.GatewayClient
  | TokenManager.TokenManager
  | RateLimiter.RateLimiter
  | CircuitBreaker.CircuitBreaker,
  Errors.AuthenticationFailed | TokenStore.TokenStoreConfigError,
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

/** Event side: both hubs, AccountState fed from them, and the reconciler (start-up and every reconnect). */
export const realtimeLayer = StateReconciler.layer().pipe(
  Layer.provideMerge(AccountState.layer),
  Layer.provideMerge(Layer.merge(HubConnection.layerUser, HubConnection.layerMarket))
)

/**
 * Everything, from the config. Needs an HttpClient, a HubTransport and the
 * Credentials (`TokenManager.Credentials.fromEnv` in production). Building it logs in.
 */
export const layer = (
  config: AppConfig
): Layer.Layer<
  Services,
  Errors.AuthenticationFailed | TokenStore.TokenStoreConfigError,
  HttpClient.HttpClient | HubTransport.HubTransport | TokenManager.Credentials
> =>
  realtimeLayer.pipe(
    Layer.provideMerge(restLayer),
    Layer.provideMerge(configLayer(config))
  )
