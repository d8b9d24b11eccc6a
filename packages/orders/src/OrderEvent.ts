/**
 * What the OrderManager reports as it goes: outcomes, alerts (an outcome still unknown, a late landing),
 * fills (PartiallyFilled / Filled), incomplete orders past `completeTimeout`, expired orders.
 *
 * @since 0.2.0
 */
import type { RecordedOutcome } from "./OrderIntent.js"

/**
 * An intent reached an outcome (Placed, Rejected, Failed) or was left Verifying.
 *
 * @since 0.2.0
 */
export interface OutcomeReached {
  readonly _tag: "OutcomeReached"
  readonly key: string
  readonly outcome: RecordedOutcome
}

/**
 * Something a person should look at: an outcome still unknown after every verification round, an order that
 * appeared after its intent was closed, a store write that failed after sending.
 *
 * @since 0.2.0
 */
export interface Alert {
  readonly _tag: "Alert"
  readonly key?: string
  readonly message: string
}

/**
 * Part of an order of an intent is filled: `fillVolume` of `size` at the average price `avgPrice`.
 *
 * @since 0.2.0
 */
export interface PartiallyFilled {
  readonly _tag: "PartiallyFilled"
  readonly key: string
  readonly orderId: number
  readonly fillVolume: number
  readonly size: number
  readonly avgPrice: number
}

/**
 * The order of an intent is completely filled.
 *
 * @since 0.2.0
 */
export interface Filled {
  readonly _tag: "Filled"
  readonly key: string
  readonly orderId: number
  readonly fillVolume: number
  readonly avgPrice: number
}

/**
 * The order is not complete `partialFills.completeTimeout` after its first fill; `action` is the policy
 * applied (`keep`, or `cancelRest`: the rest was cancelled through the verified path).
 *
 * @since 0.2.0
 */
export interface Incomplete {
  readonly _tag: "Incomplete"
  readonly key: string
  readonly orderId: number
  readonly fillVolume: number
  readonly size: number
  readonly action: "keep" | "cancelRest"
}

/**
 * The order's time in force (`cancelAfter`) ran out and it was cancelled.
 *
 * @since 0.2.0
 */
export interface Expired {
  readonly _tag: "Expired"
  readonly key: string
  readonly orderId: number
}

/**
 * Every event of the OrderManager.
 *
 * @since 0.2.0
 */
export type OrderEvent = OutcomeReached | Alert | PartiallyFilled | Filled | Incomplete | Expired
