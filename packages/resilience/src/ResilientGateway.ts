/**
 * ResilientGateway: the same typed API as GatewayClient, composed as
 * token -> rate limiter -> circuit breaker -> HTTP -> classify -> retry what is
 * safe. Tokens are handled inside: callers pass only the request.
 *
 * Each call:
 * 1. a token from TokenManager (a 401 invalidates it, refreshes once and
 *    replays the call once; a second 401 is AuthenticationFailed);
 * 2. fails fast with CircuitOpen if the endpoint's circuit is open (before
 *    spending a rate-limit slot);
 * 3. a RateLimiter slot of the endpoint's class (`priority` from the options;
 *    cancel and close default to `enforcement`, which may also take the
 *    general window's enforcement reserve), held while the call is in
 *    flight and completed when it ends (reply, failure, interruption): the
 *    gateway counts a request on arrival, so the limiter counts it from when
 *    it had arrived at the latest;
 * 4. the circuit breaker admits it (a plain read when closed) and records the
 *    outcome;
 * 5. GatewayClient sends it;
 * 6. a failure is classified (ErrorPolicy): a 429 pauses the limiter's window
 *    until Retry-After, at most `errorHandling.rateLimit.maxRetryAfterMs`, and
 *    is retried after that pause (it was not applied, even a mutation);
 *    reads are retried on transient failures per `errorHandling.retries`; a
 *    mutation that failed ambiguously (5xx, timeout, lost reply) fails with
 *    OutcomeUnknown carrying the request and its customTag, never retried.
 *
 * When to use: everything in the daemon that talks REST to the gateway goes
 * through this service. Provide {@link layer} (config + HttpClient) or
 * {@link layerWithoutDependencies} when you choose the parts (tests, the
 * simulator, a shared limiter).
 *
 * Gotcha: the success path allocates no Schedule, no fiber, no queue: the
 * limiter decides synchronously (and its slot is completed synchronously when
 * the reply comes), the breaker is a field read, and the retry machinery is
 * built only after a failure.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import { Endpoints, GatewayClient } from "@tradeguard/gateway"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as CircuitBreaker from "./CircuitBreaker.js"
import { ResilienceConfig } from "./Config.js"
import type { AuthenticationFailed, ResilientError } from "./Errors.js"
import { makeCaller, type Plan } from "./internal/gatewayCall.js"
import * as TokenCache from "./internal/tokenCache.js"
import * as RateLimiter from "./RateLimiter.js"
import * as TokenManager from "./TokenManager.js"
import * as TokenStore from "./TokenStore.js"

/**
 * Enforcement calls (cancel, close) go ahead of reads when the rate-limit queue is long.
 *
 * @since 0.1.0
 */
export type Priority = "enforcement" | "normal"

/**
 * Per-call options: the rate-limit priority (`enforcement` goes first).
 *
 * @since 0.1.0
 */
export interface CallOptions {
  readonly priority?: Priority
}

/**
 * The endpoints a program calls through ResilientGateway (auth is the TokenManager's).
 *
 * @since 0.1.0
 */
export type EndpointName = Exclude<Endpoints.EndpointName, `auth${string}`>

type Call<E> = (
  request: Endpoints.RequestOf<E>,
  options?: CallOptions
) => Effect.Effect<Endpoints.ReplyOf<E>, ResilientError>

/**
 * One method per endpoint of the table, named as the endpoint, with the resilience layers applied.
 *
 * @since 0.1.0
 */
export type Methods = { readonly [K in EndpointName]: Call<Endpoints.Endpoints[K]> }

/**
 * The gateway client with tokens, rate limiting, circuit breaking and retry: a method per endpoint and `call` for any.
 *
 * @since 0.1.0
 */
export interface Service extends Methods {
  readonly call: <E extends Endpoints.AnyEndpoint>(
    endpoint: E,
    request: Endpoints.RequestOf<E>,
    options?: CallOptions
  ) => Effect.Effect<Endpoints.ReplyOf<E>, ResilientError>
}

/**
 * The resilient gateway's tag (its shape is {@link Service}).
 *
 * @since 0.1.0
 */
export class ResilientGateway extends Context.Tag("@tradeguard/resilience/ResilientGateway")<
  ResilientGateway,
  Service
>() {}

/**
 * The endpoints whose calls default to `enforcement` priority: risk enforcement cancels and flattens.
 *
 * @since 0.1.0
 */
export const enforcementEndpoints: ReadonlySet<Endpoints.EndpointName> = new Set([
  "orderCancel",
  "positionCloseContract",
  "positionPartialCloseContract"
])

/**
 * The parts ResilientGateway is composed of (and the config for retries).
 *
 * @since 0.1.0
 */
export type Parts =
  | GatewayClient.GatewayClient
  | TokenManager.TokenManager
  | RateLimiter.RateLimiter
  | CircuitBreaker.CircuitBreaker
  | ResilienceConfig

/**
 * Builds the service from its parts; a background fiber follows the token (hence the Scope).
 *
 * @since 0.1.0
 */
export const make: Effect.Effect<
  Service,
  never,
  Parts | Scope.Scope
> = Effect.gen(function*() {
  const client = yield* GatewayClient.GatewayClient
  const tokens = yield* TokenManager.TokenManager
  const limiter = yield* RateLimiter.RateLimiter
  const breaker = yield* CircuitBreaker.CircuitBreaker
  const config = yield* ResilienceConfig
  const { call: run } = makeCaller({
    client,
    tokens,
    cache: yield* TokenCache.make(tokens),
    limiter,
    clock: yield* Effect.clock,
    retries: config.errorHandling.retries,
    logRetries: config.logging.resilience.errorRetries
  })

  const plans = new Map<string, Plan>()
  const planOf = (endpoint: Endpoints.AnyEndpoint): Plan => {
    let plan = plans.get(endpoint.name)
    if (plan === undefined) {
      const permit = (priority: Priority) => limiter.acquireSlot(endpoint.rateLimit, { priority, endpoint: endpoint.name })
      plan = {
        endpoint,
        guard: breaker.guard(CircuitBreaker.groupOf(endpoint)),
        permits: { normal: permit("normal"), enforcement: permit("enforcement") },
        defaultPriority: enforcementEndpoints.has(endpoint.name as Endpoints.EndpointName) ? "enforcement" : "normal"
      }
      plans.set(endpoint.name, plan)
    }
    return plan
  }

  const call = <E extends Endpoints.AnyEndpoint>(
    endpoint: E,
    request: Endpoints.RequestOf<E>,
    options?: CallOptions
  ): Effect.Effect<Endpoints.ReplyOf<E>, ResilientError> => {
    const plan = planOf(endpoint)
    return run(plan, request, options?.priority ?? plan.defaultPriority) as Effect.Effect<
      Endpoints.ReplyOf<E>,
      ResilientError
    >
  }

  const methods = Object.fromEntries(
    (Object.values(Endpoints.all) as Array<Endpoints.AnyEndpoint>)
      .filter((e) => !e.name.startsWith("auth"))
      .map((e) => {
        const plan = planOf(e)
        return [e.name, (request: unknown, options?: CallOptions) => run(plan, request, options?.priority ?? plan.defaultPriority)]
      })
  ) as unknown as Methods

  return { ...methods, call } satisfies Service
})

/**
 * From its parts: GatewayClient, TokenManager, RateLimiter, CircuitBreaker (and the config for retries).
 *
 * @since 0.1.0
 */
export const layerWithoutDependencies: Layer.Layer<ResilientGateway, never, Parts> = Layer.scoped(ResilientGateway, make)

/**
 * GatewayClient from `api.baseUrl` / `api.timeout`.
 *
 * @since 0.1.0
 */
export const gatewayClientLayer: Layer.Layer<GatewayClient.GatewayClient, never, ResilienceConfig | HttpClient.HttpClient> =
  Layer.unwrapEffect(Effect.map(ResilienceConfig, (c) =>
    GatewayClient.layer({ baseUrl: c.api.baseUrl, timeout: Duration.millis(c.api.timeout) })))

/** What a credentials-from-somewhere TokenManager layer may fail with and needs. */
type TokenManagerLayer<E> = Layer.Layer<TokenManager.TokenManager, E, GatewayClient.GatewayClient | ResilienceConfig>

/** The composition shared by {@link layer} and {@link layerWithCredentials}: everything but the TokenManager's credentials. */
const layerWithTokenManager = <E>(tokenManager: TokenManagerLayer<E>): Layer.Layer<
  ResilientGateway | Exclude<Parts, ResilienceConfig>,
  E,
  ResilienceConfig | HttpClient.HttpClient
> =>
  layerWithoutDependencies.pipe(
    Layer.provideMerge(
      Layer.mergeAll(tokenManager, RateLimiter.layer, CircuitBreaker.layer).pipe(
        Layer.provideMerge(gatewayClientLayer)
      )
    )
  )

/**
 * Everything from the config and an HttpClient: GatewayClient (`api`),
 * TokenManager (store from `authentication.storage`, credentials from
 * `PROJECTX_USERNAME` / `PROJECTX_API_KEY`), RateLimiter, CircuitBreaker.
 * Building it logs in. The parts are outputs too: a program that also
 * connects to the hubs takes THIS TokenManager (one session; a second login
 * may end the first), and the limiter and breakers for its health view.
 * {@link layerWithCredentials} is the same with the credentials as a value.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<
  ResilientGateway | Exclude<Parts, ResilienceConfig>,
  AuthenticationFailed | TokenStore.TokenStoreConfigError | ConfigError.ConfigError,
  ResilienceConfig | HttpClient.HttpClient
> = layerWithTokenManager(TokenManager.layerFromEnv)

/**
 * The credentials {@link layerWithCredentials} logs in with; a plain string key is wrapped into `Redacted`.
 *
 * @since 0.2.0
 */
export interface CredentialsInput {
  readonly userName: string
  readonly apiKey: string | Redacted.Redacted<string>
}

/**
 * {@link layer} with the credentials given as a value instead of read from
 * `PROJECTX_USERNAME` / `PROJECTX_API_KEY` (no environment needed): the same
 * outputs (ResilientGateway, GatewayClient, TokenManager, RateLimiter,
 * CircuitBreaker), the token store from `authentication.storage`. Building it
 * logs in; wrong credentials fail it with `AuthenticationFailed`.
 *
 * @example
 * ```ts
 * import { ResilientGateway } from "@tradeguard/resilience"
 * import { Redacted } from "effect"
 *
 * const key = process.env["PROJECTX_API_KEY"] ?? "" // or from a secret store
 * const gateway = ResilientGateway.layerWithCredentials({ userName: "demo", apiKey: Redacted.make(key) })
 * ```
 *
 * @since 0.2.0
 */
export const layerWithCredentials = (credentials: CredentialsInput): Layer.Layer<
  ResilientGateway | Exclude<Parts, ResilienceConfig>,
  AuthenticationFailed | TokenStore.TokenStoreConfigError,
  ResilienceConfig | HttpClient.HttpClient
> =>
  layerWithTokenManager(
    TokenManager.layer.pipe(
      Layer.provide(Layer.merge(
        TokenStore.layer,
        TokenManager.Credentials.layer(credentials.userName, credentials.apiKey)
      ))
    )
  )
