/**
 * Failures the resilience layers add on top of the gateway's own
 * (`@tradeguard/gateway` Errors). A ResilientGateway call fails with
 * {@link ResilientError}.
 *
 * @since 0.1.0
 */
import type { Errors } from "@tradeguard/gateway"
import * as Schema from "effect/Schema"

/**
 * No usable token could be had: login failed, or a call was refused twice with 401.
 *
 * @since 0.1.0
 */
export class AuthenticationFailed extends Schema.TaggedError<AuthenticationFailed>()("AuthenticationFailed", {
  reason: Schema.String,
  /** The gateway's error name when the login/validate was rejected (e.g. `InvalidCredentials`). */
  errorName: Schema.optional(Schema.String)
}) {
  override get message() {
    return `authentication failed: ${this.reason}${this.errorName ? ` (${this.errorName})` : ""}`
  }
}

/**
 * The circuit of an endpoint group is open: the call was not sent.
 *
 * @since 0.1.0
 */
export class CircuitOpen extends Schema.TaggedError<CircuitOpen>()("CircuitOpen", {
  group: Schema.String,
  endpoint: Schema.String,
  /** Epoch millis at which the circuit half-opens. */
  halfOpensAt: Schema.Number
}) {
  override get message() {
    return `${this.endpoint}: circuit ${this.group} is open until ${new Date(this.halfOpensAt).toISOString()}`
  }
}

/**
 * The rate limiter's queue was full: this call was dropped without being sent.
 *
 * @since 0.1.0
 */
export class QueueOverflow extends Schema.TaggedError<QueueOverflow>()("QueueOverflow", {
  endpoint: Schema.String,
  queueSize: Schema.Number
}) {
  override get message() {
    return `${this.endpoint}: rate-limit queue full (${this.queueSize}); call dropped`
  }
}

/**
 * What a ResilientGateway call can fail with. A 401 never escapes: it becomes a refresh + replay, or AuthenticationFailed.
 *
 * @since 0.1.0
 */
export type ResilientError =
  | Exclude<Errors.GatewayError, Errors.Unauthorized>
  | AuthenticationFailed
  | CircuitOpen
  | QueueOverflow
