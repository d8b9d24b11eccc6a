/**
 * ResilientGateway on the in-process simulator, under the test's Clock: the
 * real GatewayClient, TokenManager (memory store, the simulator's demo user),
 * RateLimiter and CircuitBreaker. Every HTTP exchange the simulator answers is
 * recorded in a {@link WireLog} (path, status, simulated time), so a test can
 * say "the gateway never answered 429".
 */
import * as HttpClient from "@effect/platform/HttpClient"
import { GatewayClient } from "@tradeguard/gateway"
import { type Options as SimOptions, Simulator } from "@tradeguard/simulator"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as CircuitBreaker from "../../src/CircuitBreaker.js"
import { type DeepPartial, ResilienceConfig, type ResilienceConfigInput } from "../../src/Config.js"
import * as RateLimiter from "../../src/RateLimiter.js"
import * as ResilientGateway from "../../src/ResilientGateway.js"
import * as TokenManager from "../../src/TokenManager.js"
import * as TokenStore from "../../src/TokenStore.js"

export interface Exchange {
  /** e.g. `/api/History/retrieveBars`. */
  readonly path: string
  /** The HTTP status, or 0 when no reply came (dropped). */
  readonly status: number
  readonly at: number
}

/** Every exchange with the simulator, in order. */
export class WireLog extends Context.Tag("test/WireLog")<WireLog, Array<Exchange>>() {
  static readonly statuses = (log: ReadonlyArray<Exchange>, path?: string) =>
    log.filter((e) => path === undefined || e.path.endsWith(path)).map((e) => e.status)
}

/** The simulator's in-process HttpClient, recording into a WireLog. */
export const recordingClient = (options: SimOptions.Options = {}) =>
  Layer.effect(
    HttpClient.HttpClient,
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const log = yield* WireLog
      const record = (path: string, status: number) =>
        Effect.flatMap(Clock.currentTimeMillis, (at) => Effect.sync(() => log.push({ path, status, at })))
      return HttpClient.transform(Simulator.inProcessClient(sim.app), (effect, request) => {
        const path = new URL(request.url).pathname
        return effect.pipe(
          Effect.tap((res) => record(path, res.status)),
          Effect.tapError(() => record(path, 0))
        )
      })
    })
  ).pipe(
    Layer.provideMerge(Simulator.layer({ tickInterval: "1 hour", ...options })),
    Layer.provideMerge(Layer.sync(WireLog, () => []))
  )

export interface SimGatewayOptions {
  readonly simulator?: SimOptions.Options
  readonly config?: DeepPartial<ResilienceConfigInput>
}

/** The quiet seed config: no info logs (warnings still go to the test logger). */
const quiet: DeepPartial<ResilienceConfigInput> = {
  logging: { resilience: { tokenRefresh: false, errorRetries: false, circuitBreaker: false } }
}

/**
 * ResilientGateway plus everything under it (its parts, the simulator's
 * services, the WireLog), for tests that inspect or steer them.
 */
export const simGateway = (options: SimGatewayOptions = {}) =>
  ResilientGateway.layerWithoutDependencies.pipe(
    Layer.provideMerge(Layer.mergeAll(TokenManager.layer, RateLimiter.layer, CircuitBreaker.layer)),
    Layer.provideMerge(
      Layer.mergeAll(TokenStore.layerMemory, TokenManager.Credentials.layer("demo", "demo-api-key"))
    ),
    Layer.provideMerge(GatewayClient.layer({ baseUrl: Simulator.baseUrl, timeout: "30 seconds" })),
    Layer.provideMerge(ResilienceConfig.layer({ ...quiet, ...options.config })),
    Layer.provideMerge(recordingClient(options.simulator))
  )

/** The demo user's first account id. */
export const firstAccount = Effect.flatMap(ResilientGateway.ResilientGateway, (gw) =>
  Effect.map(gw.accountSearch({ onlyActiveAccounts: true }), (r) => r.accounts[0]!.id))
