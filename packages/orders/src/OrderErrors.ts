/**
 * The errors of the OrderManager besides the intent's own (`IdempotencyKeyReused`, `InvalidIdempotencyKey`,
 * in `OrderIntent`): the store could not be read or written, an unknown key, a retry that is not allowed.
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"

/**
 * The store could not be read or written. When it happens before sending (the write-ahead row), nothing was sent.
 *
 * @since 0.2.0
 */
export class StoreUnavailable extends Schema.TaggedError<StoreUnavailable>()("StoreUnavailable", {
  operation: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `order store: could not ${this.operation}: ${this.detail}`
  }
}

/**
 * No intent with this idempotency key is known.
 *
 * @since 0.2.0
 */
export class UnknownIntent extends Schema.TaggedError<UnknownIntent>()("UnknownIntent", { key: Schema.String }) {
  override get message() {
    return `no order intent with the idempotency key "${this.key}"`
  }
}

/**
 * `retry` was asked for an intent that is not Rejected or Failed (it is placed, or its outcome is not known yet).
 *
 * @since 0.2.0
 */
export class NotRetryable extends Schema.TaggedError<NotRetryable>()("NotRetryable", {
  key: Schema.String,
  outcome: Schema.String
}) {
  override get message() {
    return `order intent "${this.key}" cannot be retried: its outcome is ${this.outcome}`
  }
}
