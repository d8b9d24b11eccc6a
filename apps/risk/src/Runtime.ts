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
import { Stack, StackConfig } from "@tradeguard/runtime"
import { Guard } from "@tradeguard/rules"
import type { Errors, ResilientGateway, TokenManager, TokenStore } from "@tradeguard/resilience"
import { Database, OrderIntents } from "@tradeguard/store"
import type * as SqlClient from "@effect/sql/SqlClient"
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
 * The store's one SQLite connection (`database` section: the file, WAL, migrations). The orders step and the
 * guard share it: one file, one writer.
 *
 * @since 0.2.0
 */
export const databaseLayer = (config: AppConfig): Layer.Layer<SqlClient.SqlClient, Database.DatabaseError> =>
  Database.layer(config.database)

/**
 * The orders step over a SQL client the caller provides: the OrderIntents repository and the OrderManager
 * (`orderManagement` section). Building it verifies every order intent a previous run left unfinished.
 *
 * @since 0.2.0
 */
export const ordersOverDatabase = (
  config: AppConfig
): Layer.Layer<
  OrderManager.OrderManager | OrderIntents.OrderIntents,
  OrderErrors.StoreUnavailable,
  ResilientGateway.ResilientGateway | HubConnection.UserHub | SqlClient.SqlClient
> =>
  OrderManager.layer.pipe(
    Layer.provideMerge(OrderIntents.layer),
    Layer.provide(Layer.succeed(OrderConfig.OrderConfig, config.orderManagement))
  )

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
> => ordersOverDatabase(config).pipe(Layer.provide(databaseLayer(config)))

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

/**
 * The rules step: `@tradeguard/rules`' Guard for the `risk:` section (RiskEngine, Enforcer, Locks, Audit,
 * MarketData, Accounts and their store repositories). Needs the stack, the OrderManager and a SQL client.
 * Building it resumes the enforcements a previous run left unfinished, loads the locks and starts evaluating.
 *
 * @since 0.2.0
 */
export const rulesLayer = (
  config: AppConfig,
  options: Guard.Options = {}
): Layer.Layer<Guard.Services, never, Guard.Requirements> => Guard.layer(config.risk, options)

/**
 * The Guard options of `tradeguard run`: evaluations woken by changes at most every 20 ms per account
 * (`RiskEngine.Options.coalesce`), so a stream of thousands of quotes a second is evaluated on its newest price
 * instead of once per quote (a breach is seen at most 20 ms later; the memory benchmark's garbage per quote).
 *
 * @since 0.3.0
 */
export const daemonGuardOptions: Guard.Options = { engine: { coalesce: "20 millis" } }

/**
 * What the runtime with its rules provides.
 *
 * @since 0.2.0
 */
export type ServicesWithRules =
  | Services
  | OrderManager.OrderManager
  | OrderIntents.OrderIntents
  | SqlClient.SqlClient
  | Guard.Services

/**
 * The whole daemon, in the start-up order: {@link layer} (token, hubs, reconciliation), then ONE SQLite
 * connection ({@link databaseLayer}) shared by the orders step ({@link ordersOverDatabase}: order
 * verification) and the rules step ({@link rulesLayer}), which starts last.
 *
 * @example
 * ```ts
 * import { NodeHttpClient } from "@effect/platform-node"
 * import { SignalRTransport } from "@tradeguard/realtime"
 * import { TokenManager } from "@tradeguard/resilience"
 * import { type AppConfig, Runtime } from "@tradeguard/risk"
 * import * as Layer from "effect/Layer"
 *
 * const daemon = (config: AppConfig.AppConfig) =>
 *   Runtime.layerWithRules(config).pipe(
 *     Layer.provide(SignalRTransport.layerConfig({}).pipe(Layer.provide(Runtime.configLayer(config)))),
 *     Layer.provide(NodeHttpClient.layerUndici),
 *     Layer.provide(TokenManager.Credentials.fromEnv)
 *   )
 * ```
 *
 * @since 0.2.0
 */
export const layerWithRules = (
  config: AppConfig,
  options: Guard.Options = {}
): Layer.Layer<
  ServicesWithRules,
  Errors.AuthenticationFailed | TokenStore.TokenStoreConfigError | OrderErrors.StoreUnavailable | Database.DatabaseError,
  HttpClient.HttpClient | HubTransport.HubTransport | TokenManager.Credentials
> =>
  rulesLayer(config, options).pipe(
    Layer.provideMerge(ordersOverDatabase(config)),
    Layer.provideMerge(databaseLayer(config)),
    Layer.provideMerge(layer(config))
  )

/**
 * The AppLayer: the whole daemon ({@link layerWithRules}: token, hubs, reconciliation, one SQLite connection,
 * order verification, then the rules) over the production transports (the Node HTTP client and the SignalR
 * transport, as `tradeguard run` uses them) with the daemon's Guard options ({@link daemonGuardOptions}). Only the gateway user is left to provide
 * (`Stack.credentialsFromEnv` reads `PROJECTX_USERNAME` / `PROJECTX_API_KEY`; `Stack.credentials` takes them as
 * values), so another Effect program can run with the daemon's services: the account picture, the order manager,
 * the risk engine's status, the locks and the audit log. Building it runs the start-up sequence; closing its
 * scope closes the rules, the database and the hubs in reverse order.
 *
 * It does not start the ops endpoint, the leases or the alerts: those are the `tradeguard run` process's
 * (see Daemon). Run one daemon per database and per gateway user: two would double every enforcement.
 *
 * @example
 * ```ts
 * import { NodeContext } from "@effect/platform-node"
 * import { RiskEngine } from "@tradeguard/rules"
 * import { Stack } from "@tradeguard/runtime"
 * import { AppConfig, Runtime } from "@tradeguard/risk"
 * import * as Console from "effect/Console"
 * import * as Effect from "effect/Effect"
 * import * as Layer from "effect/Layer"
 *
 * // a program of your own, run with the daemon's services
 * const program = Effect.gen(function*() {
 *   const engine = yield* RiskEngine.RiskEngine
 *   for (const account of yield* engine.status) {
 *     yield* Console.log(`${account.accountId}: day PnL ${account.figures?.dayPnl}, lock ${account.lock?.rule ?? "none"}`)
 *   }
 * })
 *
 * // run it with NodeRuntime.runMain(main) in your service
 * export const main = Effect.gen(function*() {
 *   const config = yield* AppConfig.load("config.yaml")
 *   yield* program.pipe(Effect.provide(Runtime.appLayer(config).pipe(Layer.provide(Stack.credentialsFromEnv))))
 * }).pipe(Effect.provide(NodeContext.layer))
 * ```
 *
 * @since 0.3.0
 */
export const appLayer = (
  config: AppConfig,
  options: Guard.Options = daemonGuardOptions
): Layer.Layer<
  ServicesWithRules,
  Errors.AuthenticationFailed | TokenStore.TokenStoreConfigError | OrderErrors.StoreUnavailable | Database.DatabaseError,
  TokenManager.Credentials
> => layerWithRules(config, options).pipe(Layer.provide(Stack.transportsLayer(config)))
