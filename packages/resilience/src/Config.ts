/**
 * The resilience sections of the seed's master configuration (`api`,
 * `authentication`, `errorHandling`, `logging.resilience`) as Schemas whose
 * defaults are the seed's values. apps/risk decodes the whole `config.yaml`
 * and provides this; a library user can provide it directly:
 *
 * ```ts
 * Layer.succeed(ResilienceConfig, ResilienceConfig.make({ api: { baseUrl: "http://127.0.0.1:5000" } }))
 * ```
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"

/**
 * A field with a default: absent in the file means the seed's value.
 *
 * @since 0.1.0
 */
export const withDefault = <S extends Schema.Schema.Any>(schema: S, value: () => Schema.Schema.Type<S>) =>
  Schema.optionalWith(schema, { default: value, exact: true })

/**
 * A nested section that may be omitted entirely (all its defaults apply).
 * Give every key of `schema` its own {@link withDefault}: then a partial
 * section keeps the defaults of the keys it leaves out. (A `withDefault` on a
 * whole Struct would replace it: `{ requests: 30 }` would lose `windowSeconds`.)
 *
 * @since 0.1.0
 */
export const section = <A, I>(schema: Schema.Schema<A, I>) =>
  Schema.optionalWith(schema, { default: () => Schema.decodeUnknownSync(schema)({}), exact: true })

const PositiveInt = Schema.Number.pipe(Schema.int(), Schema.positive())
const NonNegativeInt = Schema.Number.pipe(Schema.int(), Schema.nonNegative())
const Millis = NonNegativeInt.pipe(Schema.annotations({ description: "milliseconds" }))

/**
 * An absolute URL with a host whose scheme is one of `protocols` (`"https:"`,
 * `"wss:"`, ...); `example` goes into the message of a value that is not one.
 * Whether plaintext to a remote host is allowed is apps/risk's check
 * (`api.allowInsecure`), not this schema's.
 *
 * @since 0.1.0
 */
export const absoluteUrl = (protocols: ReadonlyArray<string>, example: string) => {
  const expected = `an absolute ${protocols.map((p) => p.replace(/:$/, "")).join("/")} URL (e.g. ${example})`
  return Schema.String.pipe(
    Schema.filter((text) => {
      let url: URL
      try {
        url = new URL(text)
      } catch {
        return `expected ${expected}, got "${text}"`
      }
      if (!protocols.includes(url.protocol)) return `expected ${expected}, got the scheme "${url.protocol}" in "${text}"`
      return url.hostname !== "" || `expected ${expected}, got no host in "${text}"`
    }),
    Schema.annotations({ description: expected })
  )
}

/**
 * An absolute `http://` or `https://` URL.
 *
 * @since 0.1.0
 */
export const HttpUrl = absoluteUrl(["http:", "https:"], "https://api.topstepx.com")

/**
 * The `api` section: base URL, per-call timeout, and whether plaintext URLs to a remote host are allowed.
 *
 * @since 0.1.0
 */
export const Api = Schema.Struct({
  /** The gateway's REST root: an absolute http(s) URL. */
  baseUrl: withDefault(HttpUrl, () => "https://api.topstepx.com").annotations({ description: "The gateway's REST root (TopstepX: https://api.topstepx.com; the demo gateway: https://gateway-api-demo.s2f.projectx.com). The hub URLs are derived from it unless `signalr.hubs` names them." }),
  /** Per-call timeout, ms. */
  timeout: withDefault(PositiveInt, () => 30000).annotations({ description: "How long one REST call may take, ms; a call that takes longer fails as a timeout (retried like a 5xx, counted by the circuit breaker)." }),
  /**
   * Allow plaintext `http://` / `ws://` gateway and hub URLs to a host that is
   * not loopback (127.0.0.0/8, ::1, localhost). Off: the token would travel in
   * clear, so apps/risk refuses such a file.
   */
  allowInsecure: withDefault(Schema.Boolean, () => false).annotations({ description: "Allow plaintext `http://` / `ws://` gateway and hub URLs to a host that is not loopback. Off: such a file is refused, as the token would travel in clear." })
})

/**
 * `authentication.sessionConflict`: what a `GatewayLogout` (another client
 * logged in as the same user, ending this session) leads to. `reclaim` logs in
 * again at once, which ends the other client's session in turn (guarding the
 * account comes first). `backoff` does too, until 3 conflicts fall within 10
 * minutes: then each next login waits (30 s, doubling, at most 5 min) and the
 * session is reported degraded meanwhile. Either way every conflict is counted
 * and logged at ERROR (see the SessionConflicts module).
 *
 * @since 0.3.0
 */
export const SessionConflictMode = Schema.Literal("reclaim", "backoff").pipe(
  Schema.annotations({ description: "what a GatewayLogout leads to: reclaim (log in again at once) | backoff" })
)

/**
 * The `authentication` section: token refresh, the token store, what a session conflict leads to.
 *
 * @since 0.1.0
 */
export const Authentication = Schema.Struct({
  /** What a GatewayLogout leads to (default `reclaim`): see {@link SessionConflictMode}. */
  sessionConflict: withDefault(SessionConflictMode, () => "reclaim" as const).annotations({ description: "What a GatewayLogout (another client logged in as this user and ended this session) leads to: `reclaim` logs in again at once, ending the other client's session; `backoff` does too until 3 conflicts fall within 10 minutes, then each next login waits 30 s, doubling per further conflict, at most 5 minutes (degraded meanwhile). Every conflict is counted and logged at ERROR either way." }),
  tokenRefresh: section(Schema.Struct({
    bufferSeconds: withDefault(NonNegativeInt, () => 7200).annotations({ description: "The token is renewed this many seconds before it expires, in the background." }),
    maxRetries: withDefault(NonNegativeInt, () => 3).annotations({ description: "Retries of a failed login or token validation (gateway unreachable, 5xx) before it fails; a refused credential is not retried." }),
    retryDelayMs: withDefault(Schema.Array(Millis), () => [1000, 5000, 15000]).annotations({ description: "Delay before each of those retries, ms; the last one repeats." })
  })).annotations({ description: "How the gateway token is renewed before it expires." }),
  storage: section(Schema.Struct({
    type: withDefault(Schema.Literal("encrypted", "memory"), () => "encrypted" as const).annotations({ description: "`encrypted`: the token is kept in an encrypted file (`path`), so a restart reuses it instead of logging in again; `memory`: never written to disk." }),
    encryption: withDefault(Schema.Literal("AES-256"), () => "AES-256" as const).annotations({ description: "The cipher of the token file (AES-256-GCM, the only one)." }),
    keySource: withDefault(Schema.Literal("environment", "keyring"), () => "environment" as const).annotations({ description: "Where the file's key comes from: `environment` (the variable `keyEnv` names); `keyring` is not implemented and refused." }),
    /** Where the encrypted token file lives. */
    path: withDefault(Schema.String, () => ".tradeguard/token.enc").annotations({ description: "The encrypted token file, relative to the working directory (its directory is created; the file is written 0600)." }),
    /** The environment variable that holds the key (32 bytes: 64 hex chars or base64). */
    keyEnv: withDefault(Schema.String, () => "TRADEGUARD_TOKEN_KEY").annotations({ description: "The environment variable that holds the token file's key: 32 bytes as 64 hex characters or base64 (`openssl rand -hex 32`)." })
  })).annotations({ description: "Where the session token is kept between runs." })
})

/**
 * A sliding window: at most `requests` calls in any `windowSeconds`.
 *
 * @since 0.1.0
 */
export const RateLimitWindow = Schema.Struct({
  requests: PositiveInt,
  windowSeconds: PositiveInt
})

/**
 * A {@link RateLimitWindow} section whose keys default one by one: a file that
 * gives only `requests` keeps the default `windowSeconds` (and vice versa).
 *
 * @since 0.1.0
 */
export const rateLimitWindow = (requests: number, windowSeconds: number) =>
  section(Schema.Struct({
    requests: withDefault(PositiveInt, () => requests).annotations({ description: "At most this many calls in any window." }),
    windowSeconds: withDefault(PositiveInt, () => windowSeconds).annotations({ description: "The length of the sliding window, seconds." })
  }))

/**
 * The `errorHandling` section: retries, rate limit, circuit breaker.
 *
 * @since 0.1.0
 */
export const ErrorHandling = Schema.Struct({
  retries: section(Schema.Struct({
    maxAttempts: withDefault(PositiveInt, () => 5).annotations({ description: "Attempts of one REST call in all (the first included) for a retryable failure; 1 turns retries off." }),
    backoffBase: withDefault(Millis, () => 1000).annotations({ description: "The delay before the first retry, ms; each further retry waits `backoffMultiplier` times longer (\u00b110 % jitter). At most `maxBackoffMs`." }),
    backoffMultiplier: withDefault(Schema.Number.pipe(Schema.greaterThanOrEqualTo(1)), () => 2).annotations({ description: "Growth of the delay from one retry to the next." }),
    maxBackoffMs: withDefault(Millis, () => 60000).annotations({ description: "The longest delay between two retries, ms (a 429's Retry-After is bounded by `rateLimit.maxRetryAfterMs` instead)." }),
    retryableErrors: withDefault(Schema.Array(Schema.Number.pipe(Schema.int())), () => [408, 429, 500, 502, 503, 504]).annotations({ description: "HTTP statuses that are retried (a call that may have reached the gateway, e.g. an order, is verified first, never blindly resent). docs/error-codes.md lists each decision." })
  })).annotations({ description: "Retries of failed REST calls, with exponential backoff." }),
  rateLimit: section(Schema.Struct({
    history: rateLimitWindow(50, 30).annotations({ description: "The window of `/api/History/retrieveBars` (the gateway's limit: 50 per 30 s); bars count against `general` too." }),
    general: rateLimitWindow(200, 60).annotations({ description: "The window of every other call (the gateway's limit: 200 per 60 s)." }),
    queueSize: withDefault(PositiveInt, () => 1000).annotations({ description: "Calls that may wait for a slot; beyond it a call fails with QueueOverflow (enforcement calls go first in the line)." }),
    dropOldest: withDefault(Schema.Boolean, () => true).annotations({ description: "When the line is full: `true` fails the oldest waiting normal call, `false` the newcomer." }),
    /** The longest pause a 429 causes, ms: a longer Retry-After is cut to this (default: the general window). */
    maxRetryAfterMs: withDefault(Millis, () => 60000).annotations({ description: "The longest pause a 429 causes, ms: a longer Retry-After is cut to this." }),
    /** General-window slots only enforcement calls (cancel, close, the reads that verify them) may take; < general.requests. */
    enforcementReserve: withDefault(NonNegativeInt, () => 20).annotations({ description: "Slots of the general window only enforcement calls (cancel, close, the reads that verify them) may take, so a flood of reads never delays a flatten; must be below `general.requests`." })
  }).pipe(Schema.filter((r) =>
    r.enforcementReserve < r.general.requests ||
    `errorHandling.rateLimit.enforcementReserve (${r.enforcementReserve}) must be below general.requests (${r.general.requests})`
  ))).annotations({ description: "The client-side rate limiter: calls wait for a slot instead of drawing a 429 from the gateway." }),
  circuitBreaker: section(Schema.Struct({
    failureThreshold: withDefault(PositiveInt, () => 5).annotations({ description: "Consecutive server-side failures (5xx, 408, timeouts, transport) of one endpoint group that open its circuit." }),
    timeout: withDefault(Millis, () => 60000).annotations({ description: "How long an open circuit fails calls fast before it lets probes through (half-open), ms." }),
    halfOpenRequests: withDefault(PositiveInt, () => 3).annotations({ description: "Probe calls of a half-open circuit: all succeed, it closes; one fails, it opens again." })
  })).annotations({ description: "One circuit per endpoint group (`auth`, `orders`, `history`, `reads`): stops calling a failing gateway and finds out by itself when it is back." })
})

/**
 * `logging.resilience`: which resilience events are logged.
 *
 * @since 0.1.0
 */
export const LoggingResilience = Schema.Struct({
  tokenRefresh: withDefault(Schema.Boolean, () => true).annotations({ description: "Log token logins, refreshes and their failures." }),
  reconnections: withDefault(Schema.Boolean, () => true).annotations({ description: "Log hub disconnects, reconnect attempts and resubscriptions." }),
  errorRetries: withDefault(Schema.Boolean, () => true).annotations({ description: "Log each retry of a failed REST call." }),
  rateLimit: withDefault(Schema.Boolean, () => true).annotations({ description: "Log waits for a rate-limit slot, 429s and queue overflows." }),
  circuitBreaker: withDefault(Schema.Boolean, () => true).annotations({ description: "Log every circuit state change (open, half-open, closed)." })
})

/**
 * The resilience part of the config file, every key defaulted to the seed's values.
 *
 * @since 0.1.0
 */
export const ResilienceConfigSchema = Schema.Struct({
  api: section(Api).annotations({ description: "The gateway's REST API: where it is, and how long a call may take." }),
  authentication: section(Authentication).annotations({ description: "The gateway session: token renewal and where the token is kept. The credentials themselves come from the environment only (`PROJECTX_USERNAME`, `PROJECTX_API_KEY`)." }),
  errorHandling: section(ErrorHandling).annotations({ description: "What a failing or busy gateway meets: retries, the rate limiter, the circuit breakers." }),
  logging: section(Schema.Struct({ resilience: section(LoggingResilience).annotations({ description: "Which resilience events are logged (each switch on by default)." }) })).annotations({ description: "What is logged." })
})
/**
 * The decoded resilience config.
 *
 * @since 0.1.0
 */
export type ResilienceConfigShape = typeof ResilienceConfigSchema.Type
/**
 * The resilience config as written in the file (every key optional).
 *
 * @since 0.1.0
 */
export type ResilienceConfigInput = typeof ResilienceConfigSchema.Encoded

/**
 * The resilience config's tag; `ResilienceConfig.layer(input)` provides it.
 *
 * @since 0.1.0
 */
export class ResilienceConfig extends Context.Tag("@tradeguard/resilience/ResilienceConfig")<
  ResilienceConfig,
  ResilienceConfigShape
>() {
  /**
   * Decodes a partial config: every omitted key gets the seed's default. Throws on invalid input.
   *
   * @since 0.1.0
   */
  static make(input: DeepPartial<ResilienceConfigInput> = {}): ResilienceConfigShape {
    return Schema.decodeUnknownSync(ResilienceConfigSchema)(input)
  }
  /**
   * The seed's defaults, overridden by `input`.
   *
   * @since 0.1.0
   */
  static layer(input: DeepPartial<ResilienceConfigInput> = {}): Layer.Layer<ResilienceConfig> {
    return Layer.sync(ResilienceConfig, () => ResilienceConfig.make(input))
  }
}

/**
 * `T` with every key optional, at every depth (arrays taken whole).
 *
 * @since 0.1.0
 */
export type DeepPartial<T> = T extends ReadonlyArray<unknown> ? T
  : T extends object ? { readonly [K in keyof T]?: DeepPartial<T[K]> }
  : T
