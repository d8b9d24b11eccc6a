/**
 * The daemon's runtime: every resilience concern and the realtime picture,
 * composed once from the decoded `config.yaml`, sharing ONE TokenManager
 * between REST and both hubs (two would mean two sessions, and the gateway may
 * end one of them). A thin wrapper of `@tradeguard/runtime`'s
 * `Stack.layerWithoutTransports`.
 *
 * When to use: provide `Runtime.layer(config)` (plus an HttpClient, a
 * HubTransport and Credentials) to a program that needs the gateway.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import { OrderConfig, type OrderErrors, OrderManager } from "@tradeguard/orders"
import type { HubConnection, HubTransport } from "@tradeguard/realtime"
import type { Errors, ResilientGateway, TokenManager, TokenStore } from "@tradeguard/resilience"
import { Stack, StackConfig } from "@tradeguard/runtime"
import { Database, OrderIntents } from "@tradeguard/store"
import * as Layer from "effect/Layer"
import type { AppConfig } from "./AppConfig.js"

/**
 * What the runtime provides to programs.
 *
 * @since 0.1.0
 */
export type Services = Stack.Services

/**
 * The two config tags, from the one decoded file.
 *
 * @since 0.1.0
 */
export const configLayer = (config: AppConfig) => StackConfig.layerDecoded(config)

/**
 * REST side: GatewayClient, TokenManager (store per `authentication.storage`), RateLimiter, CircuitBreaker, ResilientGateway.
 *
 * @since 0.1.0
 */
export const restLayer = Stack.restLayer

/**
 * Event side: both hubs, AccountState fed from them, and the reconciler (start-up and every reconnect).
 *
 * @since 0.1.0
 */
export const realtimeLayer = Stack.realtimeLayer()

/**
 * Everything, from the config. Needs an HttpClient, a HubTransport and the
 * Credentials (`TokenManager.Credentials.fromEnv` in production). Building it logs in.
  *
  * @since 0.1.0
  */
export const layer = (
  config: AppConfig
): Layer.Layer<
  Services,
  Errors.AuthenticationFailed | TokenStore.TokenStoreConfigError,
  HttpClient.HttpClient | HubTransport.HubTransport | TokenManager.Credentials
> => Stack.layerWithoutTransports(config)

/**
 * The orders step of the start-up sequence: the store (`database` section: the file, WAL, migrations) and the
 * OrderManager (`orderManagement` section) over the stack's ResilientGateway and user hub. Building it verifies
 * every order intent a previous run left unfinished before anything new is sent (and before rules start):
 * a `Pending` intent is searched for and adopted or resent with its own tag, a `Working` one is tracked again.
 *
 * @since 0.2.0
 */
export const ordersLayer = (
  config: AppConfig
): Layer.Layer<
  OrderManager.OrderManager | OrderIntents.OrderIntents,
  OrderErrors.StoreUnavailable | Database.DatabaseError,
  ResilientGateway.ResilientGateway | HubConnection.UserHub
> =>
  OrderManager.layer.pipe(
    Layer.provideMerge(OrderIntents.layer),
    Layer.provide(Layer.succeed(OrderConfig.OrderConfig, config.orderManagement)),
    Layer.provide(Database.layer(config.database))
  )

/**
 * The runtime with its orders step: {@link layer}, then {@link ordersLayer} (start-up recovery of order intents).
 *
 * @since 0.2.0
 */
export const layerWithOrders = (
  config: AppConfig
): Layer.Layer<
  Services | OrderManager.OrderManager | OrderIntents.OrderIntents,
  Errors.AuthenticationFailed | TokenStore.TokenStoreConfigError | OrderErrors.StoreUnavailable | Database.DatabaseError,
  HttpClient.HttpClient | HubTransport.HubTransport | TokenManager.Credentials
> => ordersLayer(config).pipe(Layer.provideMerge(layer(config)))
