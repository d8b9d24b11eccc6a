/**
 * Resilience layers for the ProjectX gateway: token management, error policy
 * and retry, rate limiting, circuit breaking, composed as ResilientGateway.
 *
 * @since 0.1.0
 */
/**
 * The resilience config sections (`api`, `authentication`, `errorHandling`, `logging.resilience`) with the seed's defaults.
 *
 * @since 0.1.0
 */
export * as Config from "./Config.js"
/**
 * The failures the resilience layers add to the gateway's own.
 *
 * @since 0.1.0
 */
export * as Errors from "./Errors.js"
/**
 * The gateway client with every resilience layer: token, rate limit, circuit breaker, retry.
 *
 * @since 0.1.0
 */
export * as ResilientGateway from "./ResilientGateway.js"
/**
 * Always a valid gateway token: proactive refresh, single-flight, recovery from a 401.
 *
 * @since 0.1.0
 */
export * as TokenManager from "./TokenManager.js"
/**
 * Keeps every call under the gateway's rate limits, enforcement calls first.
 *
 * @since 0.1.0
 */
export * as RateLimiter from "./RateLimiter.js"
/**
 * One circuit per endpoint group: stops calling a failing gateway, half-opens to probe.
 *
 * @since 0.1.0
 */
export * as CircuitBreaker from "./CircuitBreaker.js"
/**
 * The classification of every failure of a gateway call, and what is done with it.
 *
 * @since 0.1.0
 */
export * as ErrorPolicy from "./ErrorPolicy.js"
/**
 * Retry of gateway calls with backoff, only where it is safe.
 *
 * @since 0.1.0
 */
export * as Retry from "./Retry.js"
/**
 * Where the token survives a restart: memory or an encrypted file.
 *
 * @since 0.1.0
 */
export * as TokenStore from "./TokenStore.js"
/**
 * Session conflicts (a GatewayLogout: another client logged in as the same user): counted, logged, and the login gate.
 *
 * @since 0.3.0
 */
export * as SessionConflicts from "./SessionConflicts.js"
