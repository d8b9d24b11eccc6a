/**
 * Resilience layers for the ProjectX gateway: token management, error policy
 * and retry, rate limiting, circuit breaking, composed as ResilientGateway.
 *
 * @since 0.1.0
 */
export * as Config from "./Config.js"
export * as Errors from "./Errors.js"
export * as ResilientGateway from "./ResilientGateway.js"
export * as TokenManager from "./TokenManager.js"
export * as RateLimiter from "./RateLimiter.js"
export * as CircuitBreaker from "./CircuitBreaker.js"
export * as ErrorPolicy from "./ErrorPolicy.js"
export * as Retry from "./Retry.js"
export * as TokenStore from "./TokenStore.js"
