/**
 * The typed failures of a gateway call. Each says what happened in terms that
 * retry, the circuit breaker and the rate limiter can act on (see the
 * resilience package's ErrorPolicy).
 *
 * @since 0.1.0
 */
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

/**
 * HTTP 401: the token is missing, unknown or expired. The gateway did not apply the call.
 *
 * @since 0.1.0
 */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", {
  endpoint: Schema.String
}) {
  override get message() {
    return `${this.endpoint}: 401 Unauthorized`
  }
}

/**
 * HTTP 429: over the gateway's rate limit. `retryAfter` is the server's Retry-After, when it sent one.
 *
 * @since 0.1.0
 */
export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  endpoint: Schema.String,
  retryAfter: Schema.optional(Schema.DurationFromMillis)
}) {
  override get message() {
    return `${this.endpoint}: 429 Too Many Requests`
  }
}

/**
 * HTTP 5xx.
 *
 * @since 0.1.0
 */
export class ServerError extends Schema.TaggedError<ServerError>()("ServerError", {
  endpoint: Schema.String,
  status: Schema.Number,
  body: Schema.optional(Schema.String)
}) {
  override get message() {
    return `${this.endpoint}: HTTP ${this.status}`
  }
}

/**
 * Any other non-2xx status (400, 403, 404, 408, ...).
 *
 * @since 0.1.0
 */
export class UnexpectedStatus extends Schema.TaggedError<UnexpectedStatus>()("UnexpectedStatus", {
  endpoint: Schema.String,
  status: Schema.Number,
  body: Schema.optional(Schema.String)
}) {
  override get message() {
    return `${this.endpoint}: HTTP ${this.status}${this.body ? `: ${this.body.slice(0, 200)}` : ""}`
  }
}

/**
 * No reply arrived (connection failed, reset, or timed out) on a call that does not change state.
 *
 * @since 0.1.0
 */
export class TransportError extends Schema.TaggedError<TransportError>()("TransportError", {
  endpoint: Schema.String,
  reason: Schema.Literal("Timeout", "Network"),
  detail: Schema.String
}) {
  override get message() {
    return `${this.endpoint}: ${this.reason}: ${this.detail}`
  }
}

/**
 * No reply arrived on a call that changes state (place, cancel, modify, close):
 * the gateway may or may not have applied it. Never retry blindly; look first.
 *
 * @since 0.1.0
 */
export class OutcomeUnknown extends Schema.TaggedError<OutcomeUnknown>()("OutcomeUnknown", {
  endpoint: Schema.String,
  reason: Schema.String,
  request: Schema.Unknown,
  customTag: Schema.optional(Schema.String)
}) {
  override get message() {
    return `${this.endpoint}: outcome unknown (${this.reason})${this.customTag ? ` customTag=${this.customTag}` : ""}`
  }
}

/**
 * The reply did not match the contract. `path` names the field that failed.
 *
 * @since 0.1.0
 */
export class DecodeError extends Schema.TaggedError<DecodeError>()("DecodeError", {
  endpoint: Schema.String,
  path: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `${this.endpoint}: could not decode reply at ${this.path || "<root>"}: ${this.detail}`
  }
}

/**
 * Our own request did not match the contract (a bug or bad input on our side); nothing was sent.
 *
 * @since 0.1.0
 */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()("InvalidRequest", {
  endpoint: Schema.String,
  path: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `${this.endpoint}: invalid request at ${this.path || "<root>"}: ${this.detail}`
  }
}

/**
 * HTTP 200 with `success: false`: a business rejection. Permanent; never retried.
 *
 * @since 0.1.0
 */
export class Rejected extends Schema.TaggedError<Rejected>()("Rejected", {
  endpoint: Schema.String,
  errorCode: Schema.Number,
  errorName: Schema.String,
  errorMessage: Schema.optional(Schema.String)
}) {
  override get message() {
    return `${this.endpoint}: rejected ${this.errorName} (${this.errorCode})${
      this.errorMessage ? `: ${this.errorMessage}` : ""
    }`
  }
}

/**
 * Every failure of a raw gateway call.
 *
 * @since 0.1.0
 */
export type GatewayError =
  | Unauthorized
  | RateLimited
  | ServerError
  | UnexpectedStatus
  | TransportError
  | OutcomeUnknown
  | DecodeError
  | InvalidRequest
  | Rejected

/**
 * The first issue of a ParseError as `path` (e.g. `accounts[2].balance`) and message.
 *
 * @since 0.1.0
 */
export const describeParseError = (error: ParseResult.ParseError): { path: string; detail: string } => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
  const first = issues[0]
  if (first === undefined) return { path: "", detail: error.message }
  const path = first.path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join("")
  return { path, detail: first.message }
}
