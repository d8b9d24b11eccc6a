/**
 * The whole realtime stack against the simulator, composed as apps/risk's
 * Runtime does (ONE TokenManager shared by REST and both hubs):
 * GatewayClient -> TokenManager (memory store, the demo user) + RateLimiter +
 * CircuitBreaker -> ResilientGateway; a HubTransport; UserHub + MarketHub ->
 * AccountState -> StateReconciler.
 *
 * - {@link inProcessStack}: the simulator in-process (HTTP without a socket,
 *   `sim.hubs` through InProcessTransport), everything on the test's Clock.
 *   Build it inside an `it.effect` so TestClock drives it.
 * - {@link socketStack}: the simulator on a loopback port, real HTTP
 *   (NodeHttpClient) and the real `@microsoft/signalr` client.
 *
 * Plus the pictures that the acceptance tests compare: the cached state and
 * the simulator's ground truth of an account, in the same plain shape.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import { GatewayClient } from "@tradeguard/gateway"
import {
  CircuitBreaker,
  Config as ResilienceConfig,
  RateLimiter,
  ResilientGateway,
  TokenManager,
  TokenStore
} from "@tradeguard/resilience"
import { type Options as SimOptions, Server, Simulator } from "@tradeguard/simulator"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { AccountPicture, AccountState, Config, HubConnection, HubTransport, StateReconciler } from "../../src/index.js"
import * as InProcessTransport from "../../src/InProcessTransport.js"
import * as SignalRTransport from "../../src/SignalRTransport.js"

export const USER = "demo"
export const API_KEY = "demo-api-key"

export interface StackOptions {
  readonly simulator?: SimOptions.Options
  readonly realtime?: ResilienceConfig.DeepPartial<Config.RealtimeConfigInput>
  readonly resilience?: ResilienceConfig.DeepPartial<ResilienceConfig.ResilienceConfigInput>
  readonly reconciler?: StateReconciler.Options
}

/** Info logs off (warnings still reach the test logger). */
const quiet: ResilienceConfig.DeepPartial<ResilienceConfig.ResilienceConfigInput> = {
  logging: { resilience: { tokenRefresh: false, errorRetries: false, circuitBreaker: false } }
}

/** REST: GatewayClient at `baseUrl`, TokenManager (memory store, demo credentials), limiter, breaker, ResilientGateway. */
const restLayer = (baseUrl: string, options: StackOptions) =>
  ResilientGateway.layerWithoutDependencies.pipe(
    Layer.provideMerge(Layer.mergeAll(TokenManager.layer, RateLimiter.layer, CircuitBreaker.layer)),
    Layer.provideMerge(Layer.mergeAll(TokenStore.layerMemory, TokenManager.Credentials.layer(USER, API_KEY))),
    Layer.provideMerge(GatewayClient.layer({ baseUrl, timeout: "30 seconds" })),
    Layer.provideMerge(ResilienceConfig.ResilienceConfig.layer({ ...quiet, ...options.resilience }))
  )

/** Hubs, AccountState fed by both, the reconciler (start-up and every reconnect): apps/risk's `realtimeLayer`. */
const realtimeLayer = (baseUrl: string, options: StackOptions) =>
  StateReconciler.layer(options.reconciler ?? {}).pipe(
    Layer.provideMerge(AccountState.layer),
    Layer.provideMerge(Layer.merge(HubConnection.layerUser, HubConnection.layerMarket)),
    Layer.provideMerge(Config.RealtimeConfig.layer({
      ...options.realtime,
      signalr: {
        ...options.realtime?.signalr,
        hubs: { userHubUrl: `${baseUrl}/hubs/user`, marketHubUrl: `${baseUrl}/hubs/market`, ...options.realtime?.signalr?.hubs }
      }
    }))
  )

/** Everything above the transports, for a gateway at `baseUrl`. */
const stackOn = (baseUrl: string, options: StackOptions) =>
  realtimeLayer(baseUrl, options).pipe(Layer.provideMerge(restLayer(baseUrl, options)))

/** The stack on the in-process simulator, on the caller's Clock. */
export const inProcessStack = (options: StackOptions = {}) =>
  stackOn(Simulator.baseUrl, options).pipe(
    Layer.provideMerge(InProcessTransport.layerEffect(Effect.map(Simulator.Simulator, (s) => s.hubs))),
    Layer.provideMerge(Simulator.layerInProcess(options.simulator))
  )

/** The base URL of the simulator served by `Server.layerSimulator` in context. */
export const socketBaseUrl = Effect.map(Server.port, (port) => `http://127.0.0.1:${port}`)

/** The stack on the simulator served on a loopback port: real HTTP, the real SignalR client. */
export const socketStack = (options: StackOptions = {}) =>
  Layer.unwrapEffect(Effect.map(socketBaseUrl, (baseUrl) => stackOn(baseUrl, options))).pipe(
    Layer.provideMerge(SignalRTransport.layer({ logLevel: "none" })),
    Layer.provideMerge(NodeHttpClient.layerUndici),
    Layer.provideMerge(Server.layerSimulator({ port: 0, ...options.simulator }))
  )

/** What the acceptance tests need from a stack. */
export type Services =
  | Simulator.Simulator
  | GatewayClient.GatewayClient
  | HttpClient.HttpClient
  | TokenManager.TokenManager
  | ResilientGateway.ResilientGateway
  | HubTransport.HubTransport
  | HubConnection.UserHub
  | HubConnection.MarketHub
  | AccountState.AccountState
  | StateReconciler.StateReconciler

// ------------------------------------------------------------------ pictures

/** One account as the acceptance tests compare it (the public AccountPicture). */
export type Picture = AccountPicture.Picture

/** AccountState's picture of `accountId`. */
export const cachedPicture = AccountPicture.ofSnapshot

/**
 * The simulator's ground truth of `accountId` (openOrders, positions, every trade, the account) as of
 * the exchange's last wake: the read does not bring the market to now, so it cannot create fills the
 * client has not been sent yet. Compare after the same wake (`sim.exchange.advance`, then settle).
 */
export const truePicture = (sim: Simulator.Service, accountId: number): Effect.Effect<Picture> =>
  Effect.map(
    Effect.orDie(sim.exchange.peek(accountId)),
    (t) => AccountPicture.of(t.account, t.openOrders, t.positions, t.trades)
  )
