/**
 * ErrorPolicy: one classification of every failure of a gateway call, and
 * what the runtime does with it.
 *
 * | classification | meaning | who acts |
 * |---|---|---|
 * | `transient` | retrying may succeed and is safe | retry (Retry.ts) |
 * | `permanent` | retrying cannot help | nobody: the caller gets the error |
 * | `auth` | the token was refused | TokenManager: invalidate, refresh once, replay once |
 * | `rateLimited` | over the gateway's limit (429) | RateLimiter pauses the window; retry after Retry-After |
 * | `outcomeUnknown` | a mutation may or may not have been applied | the order layer looks before acting again |
 *
 * When to use: ResilientGateway classifies every failed call with
 * {@link classify}; the circuit breaker counts only {@link isCircuitFailure}.
 * Both are pure and cheap, and only run on the failure path.
 *
 * Gotcha: a *mutation* is never `transient` on an ambiguous failure (5xx, 408,
 * timeout, transport, an unreadable success reply). Only failures that prove
 * the call was not applied (429, a definite `success: false` reply that means
 * "later", a call the limiter dropped) may be retried for a mutation.
 *
 * @since 0.1.0
 */
import { Endpoints, ErrorCodes, Errors } from "@tradeguard/gateway"
import type { ResilientError } from "./Errors.js"
import { type ErrorCodeRow, errorCodesMarkdown } from "./internal/errorCodesMarkdown.js"
import { type Classification, decisionOf, type Decision } from "./internal/rejections.js"

export type {
  /**
   * What a failure is: transient, permanent, auth, rate-limited, or outcome unknown.
   *
   * @since 0.1.0
   */
  Classification
} from "./internal/rejections.js"
export {
  /**
   * Re-export of {@link Retry.isRetryable}.
   *
   * @since 0.1.0
   */
  isRetryable,
  /**
   * Re-export of {@link Retry.retryDelay}.
   *
   * @since 0.1.0
   */
  retryDelay,
  /**
   * Re-export of {@link Retry.retrySchedule}.
   *
   * @since 0.1.0
   */
  retrySchedule,
  /**
   * Re-export of {@link Retry.withRetry}.
   *
   * @since 0.1.0
   */
  withRetry
} from "./Retry.js"

/**
 * Any failure a call through the resilience layers can see.
 *
 * @since 0.1.0
 */
export type Failure = ResilientError | Errors.GatewayError

/**
 * The seed's `errorHandling.retries.retryableErrors`.
 *
 * @since 0.1.0
 */
export const defaultRetryableStatuses: ReadonlyArray<number> = [408, 429, 500, 502, 503, 504]

/**
 * The classification of a failure of a call to `endpoint`.
 *
 * `retryableStatuses` are the HTTP statuses that are transient for a read
 * (`errorHandling.retries.retryableErrors`). For a mutating endpoint, any 5xx,
 * a 408 and any other status in that list is `outcomeUnknown`: the gateway may
 * have applied the call before failing (503 included — a proxy can answer 503
 * after the upstream started; we stay conservative).
 *
 * @since 0.1.0
 */
export const classify = (
  error: Failure,
  endpoint: Endpoints.AnyEndpoint,
  retryableStatuses: ReadonlyArray<number> = defaultRetryableStatuses
): Classification => {
  switch (error._tag) {
    case "Unauthorized":
    case "AuthenticationFailed":
      return "auth"
    case "RateLimited":
      return "rateLimited"
    case "ServerError":
    case "UnexpectedStatus":
      return classifyStatus(error.status, endpoint.mutating, retryableStatuses)
    case "TransportError":
      return endpoint.mutating ? "outcomeUnknown" : "transient"
    case "OutcomeUnknown":
      return "outcomeUnknown"
    case "DecodeError":
      return endpoint.mutating ? "outcomeUnknown" : "permanent"
    case "InvalidRequest":
      return "permanent"
    case "Rejected":
      return rejectionDecision(error, endpoint).classification
    case "CircuitOpen":
    case "QueueOverflow":
      return "transient"
  }
}

/**
 * The classification of an HTTP status (not 2xx) for a read or a mutation.
 *
 * @since 0.1.0
 */
export const classifyStatus = (
  status: number,
  mutating: boolean,
  retryableStatuses: ReadonlyArray<number> = defaultRetryableStatuses
): Classification => {
  if (status === 401) return "auth"
  if (status === 429) return "rateLimited"
  const retryable = retryableStatuses.includes(status)
  if (mutating && (status >= 500 || status === 408 || retryable)) return "outcomeUnknown"
  return retryable ? "transient" : "permanent"
}

/**
 * The documented decision (classification, action, reason) for a business rejection.
 *
 * @since 0.1.0
 */
export const rejectionDecision = (error: Errors.Rejected, endpoint: Endpoints.AnyEndpoint): Decision =>
  decisionOf(endpoint.errors, error.errorCode, endpoint.mutating)

/**
 * Whether a failure counts toward opening the circuit breaker: only server-side
 * trouble (5xx, 408 Request Timeout — the server gave up waiting —, timeouts,
 * transport failures, and an OutcomeUnknown caused by one). Business
 * rejections, 401, 429, other 4xx, our own invalid requests and undecodable
 * replies say nothing about the gateway's health.
 *
 * @since 0.1.0
 */
export const isCircuitFailure = (error: Failure): boolean => {
  switch (error._tag) {
    case "ServerError":
      return error.status >= 500
    case "UnexpectedStatus":
      return error.status === 408
    case "TransportError":
      return true
    case "OutcomeUnknown":
      return /^(?:Timeout|Network|HTTP (?:5\d\d|408)\b)/.test(error.reason)
    default:
      return false
  }
}

/**
 * The failure a caller of a mutation should see: when `error` classifies as
 * `outcomeUnknown` but is not yet an OutcomeUnknown (a 5xx, a 408, an
 * unreadable reply, a Rejected UnknownError...), an OutcomeUnknown carrying
 * the request, its customTag and the cause as `reason` (`HTTP 503`,
 * `DecodeError: ...`, `Rejected OrderPending (6)`). Anything else unchanged.
 *
 * @since 0.1.0
 */
export const toOutcomeUnknown = <E extends Failure>(
  error: E,
  endpoint: Endpoints.AnyEndpoint,
  request: unknown,
  retryableStatuses?: ReadonlyArray<number>
): E | Errors.OutcomeUnknown => {
  if (error._tag === "OutcomeUnknown" || classify(error, endpoint, retryableStatuses) !== "outcomeUnknown") return error
  const reason = error._tag === "ServerError" || error._tag === "UnexpectedStatus"
    ? `HTTP ${error.status}`
    : error._tag === "Rejected"
    ? `Rejected ${error.errorName} (${error.errorCode})`
    : `${error._tag}: ${error.message}`
  const customTag = typeof request === "object" && request !== null && "customTag" in request &&
      typeof request.customTag === "string"
    ? request.customTag
    : undefined
  return new Errors.OutcomeUnknown({
    endpoint: endpoint.name,
    reason,
    request,
    ...(customTag !== undefined ? { customTag } : {})
  })
}

// ---------------------------------------------------------------- the table

export type {
  /**
   * One row of the error-code table (docs/error-codes.md).
   *
   * @since 0.1.0
   */
  ErrorCodeRow
}

const actions: Record<Classification, string> = {
  transient: "retried with backoff (errorHandling.retries: base × multiplier^n, capped, jittered, maxAttempts)",
  permanent: "fail the call; never retried",
  auth: "TokenManager invalidates the token, refreshes once and replays the call once; a second 401 is AuthenticationFailed",
  rateLimited:
    "the rate limiter pauses the window for calls of its priority (a read's 429 never holds enforcement) until Retry-After, capped at errorHandling.rateLimit.maxRetryAfterMs (60 s); the call is retried after that pause (a mutation too: a 429 was not applied)",
  outcomeUnknown: "OutcomeUnknown: never retried; the order layer verifies (customTag, open orders, positions)"
}

const statusInfo: ReadonlyArray<readonly [number, string, string]> = [
  [400, "Bad Request", "the gateway refused the request as malformed: a bug on our side"],
  [401, "Unauthorized", "the token is missing, expired or revoked; the gateway did not apply the call"],
  [403, "Forbidden", "not allowed for this user; retrying cannot change that"],
  [404, "Not Found", "wrong path or base URL: a configuration error"],
  [408, "Request Timeout", "the server gave up waiting; safe to repeat a read, a mutation may have been applied"],
  [429, "Too Many Requests", "over the gateway's rate limit; the call was not applied"],
  [500, "Internal Server Error", "server fault; a read is safe to repeat, a mutation may have been applied"],
  [502, "Bad Gateway", "a proxy lost the upstream; a mutation may have reached it"],
  [
    503,
    "Service Unavailable",
    "overloaded or down; a proxy may answer 503 after the upstream started, so a mutation is ambiguous"
  ],
  [504, "Gateway Timeout", "the upstream did not answer in time; a mutation may have been applied"]
]

const read = Endpoints.accountSearch as Endpoints.AnyEndpoint
const mutation = Endpoints.orderPlace as Endpoints.AnyEndpoint

const row = (
  kind: "reads" | "mutations" | "any",
  errorEnum: string,
  code: number | string,
  name: string,
  error: Failure,
  reason: string,
  action?: string
): ErrorCodeRow => {
  const classification = classify(error, kind === "mutations" ? mutation : read)
  return {
    endpoint: kind,
    path: "*",
    errorEnum,
    code,
    name,
    classification,
    action: action ?? actions[classification],
    reason,
    circuitFailure: isCircuitFailure(error)
  }
}

const genericRows = (): Array<ErrorCodeRow> => {
  const rows: Array<ErrorCodeRow> = []
  for (const [status, name, reason] of statusInfo) {
    rows.push(row("reads", "HTTP", status, name, statusError(status, read.name), reason))
    rows.push(row("mutations", "HTTP", status, name, statusError(status, mutation.name), reason))
  }
  for (const reason of ["Network", "Timeout"] as const) {
    const code = reason === "Network" ? "network" : "timeout"
    const name = reason === "Network" ? "transport failure" : "timeout"
    const lost = { _tag: "TransportError", endpoint: read.name, reason, detail: "" } as Errors.TransportError
    rows.push(row("reads", "transport", code, name, lost, "no reply to a read: safe to repeat"))
    const unknown = { _tag: "OutcomeUnknown", endpoint: mutation.name, reason: `${reason}: no reply`, request: {} }
    rows.push(
      row("mutations", "transport", code, name, unknown as Failure, "no reply to a mutation: it may have been applied")
    )
  }
  const decode = (endpoint: string) => ({ _tag: "DecodeError", endpoint, path: "", detail: "" }) as Failure
  rows.push(
    row("reads", "runtime", "decode", "DecodeError", decode(read.name), "the reply breaks the contract; repeating returns the same"),
    row(
      "mutations",
      "runtime",
      "decode",
      "DecodeError",
      decode(mutation.name),
      "a success reply we could not read: the mutation was probably applied"
    )
  )
  const runtime = (code: string, error: Failure, reason: string, action?: string) =>
    rows.push(row("any", "runtime", code, error._tag, error, reason, action))
  runtime("invalid-request", { _tag: "InvalidRequest" } as Failure, "our request breaks the contract; nothing was sent")
  runtime(
    "circuit-open",
    { _tag: "CircuitOpen" } as Failure,
    "the endpoint group's circuit is open; nothing was sent",
    "fail fast; not retried by the retry schedule (the circuit stays open for its timeout): the caller decides, e.g. a stale fallback"
  )
  runtime(
    "queue-overflow",
    { _tag: "QueueOverflow" } as Failure,
    "the rate limiter's queue was full; nothing was sent",
    "retried with backoff (a mutation too: it was never sent)"
  )
  runtime(
    "authentication-failed",
    { _tag: "AuthenticationFailed" } as Failure,
    "no token could be had (login refused or failing, or 401 twice)",
    "fail the call; the next call asks TokenManager again (fix credentials if the login was refused)"
  )
  return rows
}

const statusError = (status: number, endpoint: string): Failure =>
  status === 401
    ? ({ _tag: "Unauthorized", endpoint } as Errors.Unauthorized)
    : status === 429
    ? ({ _tag: "RateLimited", endpoint } as Errors.RateLimited)
    : status >= 500
    ? ({ _tag: "ServerError", endpoint, status } as Errors.ServerError)
    : ({ _tag: "UnexpectedStatus", endpoint, status } as Errors.UnexpectedStatus)

const codeRows = (): Array<ErrorCodeRow> =>
  Object.values(Endpoints.all).flatMap((e) => {
    const ep = e as Endpoints.AnyEndpoint
    return Object.entries(ErrorCodes.all[ep.errors] as ErrorCodes.ErrorEnum).map(([name, code]) => {
      const decision = decisionOf(ep.errors, code, ep.mutating)
      return { endpoint: ep.name, path: ep.path, errorEnum: ep.errors, code, name, ...decision, circuitFailure: false }
    })
  })

/**
 * Every endpoint × every code of its error enum, then every HTTP status of the
 * seed, transport failures, timeouts and undecodable replies, for reads and
 * mutations. `pnpm error-codes` prints it as docs/error-codes.md.
 *
 * @since 0.1.0
 */
export const errorCodeTable: ReadonlyArray<ErrorCodeRow> = [...codeRows(), ...genericRows()]

/**
 * docs/error-codes.md, rendered from {@link errorCodeTable}.
 *
 * @since 0.1.0
 */
export const renderErrorCodesMarkdown = (rows: ReadonlyArray<ErrorCodeRow> = errorCodeTable): string =>
  errorCodesMarkdown(rows, actions)
