/**
 * The simulator: exchange, auth, rate limiter, fault injector and the two
 * SignalR hubs behind the REST app, as one scoped service. Run it in-process with
 * {@link layerInProcess} (an HttpClient that calls the app directly, no
 * socket: ideal under TestClock), or on a port with `Server.layer`.
 *
 * @example
 * ```ts
 * import { GatewayClient } from "@tradeguard/gateway"
 * import { Simulator } from "@tradeguard/simulator"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const client = yield* GatewayClient.GatewayClient
 *   const { token } = yield* client.authLoginKey({ userName: "demo", apiKey: "demo-api-key" })
 *   const { accounts } = yield* client.accountSearch({ onlyActiveAccounts: true }, token)
 * }).pipe(
 *   Effect.provide(GatewayClient.layer({ baseUrl: Simulator.baseUrl })),
 *   Effect.provide(Simulator.layerInProcess({ seed: 7 }))
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Auth from "./Auth.js"
import * as Exchange from "./Exchange.js"
import * as FaultInjector from "./FaultInjector.js"
import type { FaultPlan } from "./FaultPlan.js"
import * as Hubs from "./Hubs.js"
import { type Options, type Resolved, resolve } from "./Options.js"
import * as RateLimiter from "./RateLimiter.js"
import * as RestApi from "./RestApi.js"

/**
 * The base URL to give GatewayClient for the in-process simulator (any URL works).
 *
 * @since 0.1.0
 */
export const baseUrl = "http://simulator.local"

/**
 * The whole simulator: config, exchange, auth, rate limiter, fault injector, hubs and the REST app.
 *
 * @since 0.1.0
 */
export interface Service {
  readonly config: Resolved
  readonly exchange: Exchange.Service
  readonly auth: Auth.Service
  readonly rateLimiter: RateLimiter.Service
  readonly faults: FaultInjector.Service
  /** The two SignalR hubs: the in-process API (`hubs.connect`) and operator commands (drop, stall, refuse). */
  readonly hubs: Hubs.Service
  /** The REST app (fails with ReplyDropped when the fault plan drops a reply). */
  readonly app: HttpApp.Default<RestApi.ReplyDropped>
  /** Replaces the fault plan (shorthand for `faults.set`). */
  readonly setFaults: (plan: FaultPlan) => Effect.Effect<void>
}

/**
 * The simulator's tag (its shape is {@link Service}).
 *
 * @since 0.1.0
 */
export class Simulator extends Context.Tag("@tradeguard/simulator/Simulator")<Simulator, Service>() {}

/**
 * Starts a simulator; its price process runs as long as the scope.
 *
 * @since 0.1.0
 */
export const make = (options: Options = {}): Effect.Effect<Service, never, Scope.Scope> =>
  Effect.gen(function*() {
    const config = resolve(options)
    const exchange = yield* Exchange.make(config)
    const baseAuth = yield* Auth.make(config, exchange.publish)
    const rateLimiter = yield* RateLimiter.make(config.rateLimits)
    const faults = yield* FaultInjector.make(config.faults, config.seed)
    const hubs = yield* Hubs.make(config, { exchange, auth: baseAuth, faults })
    // Expiring tokens also closes the hub connections that use them.
    const auth: Auth.Service = {
      ...baseAuth,
      expireTokens: (userName) => Effect.tap(baseAuth.expireTokens(userName), () => hubs.checkTokens)
    }
    const app = RestApi.make({ exchange, auth, rateLimiter, faults, hubs })
    return { config, exchange, auth, rateLimiter, faults, hubs, app, setFaults: faults.set } satisfies Service
  })

/**
 * Everything a simulator provides, each service also under its own tag.
 *
 * @since 0.1.0
 */
export type Provided =
  | Simulator
  | Exchange.Exchange
  | Auth.Auth
  | RateLimiter.RateLimiter
  | FaultInjector.FaultInjector

/**
 * A simulator for `options`, its services under their own tags too.
 *
 * @since 0.1.0
 */
export const layer = (options: Options = {}): Layer.Layer<Provided> =>
  Layer.scopedContext(
    Effect.map(make(options), (sim) =>
      Context.make(Simulator, sim).pipe(
        Context.add(Exchange.Exchange, sim.exchange),
        Context.add(Auth.Auth, sim.auth),
        Context.add(RateLimiter.RateLimiter, sim.rateLimiter),
        Context.add(FaultInjector.FaultInjector, sim.faults)
      ))
  )

type WebBody = NonNullable<ConstructorParameters<typeof Request>[1]>["body"]

const webBody = (request: HttpClientRequest.HttpClientRequest): WebBody => {
  const body = request.body
  switch (body._tag) {
    case "Uint8Array":
      return body.body
    case "Raw":
      return body.body as WebBody
    case "FormData":
      return body.formData
    default:
      return undefined
  }
}

/**
 * An HttpClient whose requests call `app` directly, in the caller's fiber (so
 * the caller's Clock, e.g. TestClock, drives latency and token expiry). A
 * dropped reply fails as a transport error, like a reset connection.
 *
 * @since 0.1.0
 */
export const inProcessClient = (app: HttpApp.Default<RestApi.ReplyDropped>): HttpClient.HttpClient =>
  HttpClient.make((request, url) =>
    Effect.gen(function*() {
      if (request.body._tag === "Stream") {
        return yield* new HttpClientError.RequestError({
          request,
          reason: "Encode",
          description: "the in-process simulator client does not send streamed bodies"
        })
      }
      const withBody = request.method !== "GET" && request.method !== "HEAD"
      const body = withBody ? webBody(request) : undefined
      const web = new Request(url, {
        method: request.method,
        headers: new Headers(request.headers as Record<string, string>),
        ...(body === undefined ? {} : { body })
      })
      const response = yield* app.pipe(
        Effect.provideService(HttpServerRequest.HttpServerRequest, HttpServerRequest.fromWeb(web)),
        Effect.catchTag("ReplyDropped", (e) =>
          new HttpClientError.RequestError({
            request,
            reason: "Transport",
            description: `the simulator closed the connection before replying (fault plan: ${e.endpoint})`
          }))
      )
      return HttpClientResponse.fromWeb(request, HttpServerResponse.toWeb(response))
    })
  )

/**
 * The simulator in-process: its services plus an `HttpClient` that calls its
 * REST app without a socket. Pair with `GatewayClient.layer({ baseUrl })`.
 *
 * @since 0.1.0
 */
export const layerInProcess = (options: Options = {}): Layer.Layer<Provided | HttpClient.HttpClient> =>
  Layer.effect(HttpClient.HttpClient, Effect.map(Simulator, (sim) => inProcessClient(sim.app))).pipe(
    Layer.provideMerge(layer(options))
  )
