/**
 * The seed's `orderManagement` section as a Schema whose defaults are the
 * seed's values, plus one tradeguard addition (`partialFills.onTimeout`).
 *
 * ```yaml
 * orderManagement:
 *   verification: { enabled: true, timeout: 5000, maxRetries: 3 }        # ms
 *   partialFills: { trackingEnabled: true, completeTimeout: 60000,       # ms
 *                   onTimeout: keep }                                     # tradeguard addition
 *   idempotency: { enabled: true, cacheTTL: 3600 }                        # SECONDS, unlike its neighbours
 * ```
 *
 * Gotcha: `idempotency.cacheTTL` is in seconds (as in the seed) while every
 * other duration of the section is in milliseconds.
 *
 * @since 0.2.0
 */
import { Config as ResilienceConfig } from "@tradeguard/resilience"
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"

const { section, withDefault } = ResilienceConfig

const PositiveInt = Schema.Number.pipe(Schema.int(), Schema.positive())
const NonNegativeInt = Schema.Number.pipe(Schema.int(), Schema.nonNegative())
const PositiveMillis = PositiveInt.pipe(Schema.annotations({ description: "milliseconds" }))
const PositiveSeconds = PositiveInt.pipe(Schema.annotations({ description: "seconds" }))

/**
 * `orderManagement.verification`: what happens after an ambiguous failure (`OutcomeUnknown`).
 *
 * @since 0.2.0
 */
export const Verification = Schema.Struct({
  /** Verify an ambiguous outcome (default true); `false` hands `OutcomeUnknown` to the caller unverified. */
  enabled: withDefault(Schema.Boolean, () => true).annotations({ description: "Verify an order call whose outcome is unknown (a timeout, a dropped reply) against `Order/search` and the user hub before anything is resent; `false` hands the unknown outcome to the caller unverified." }),
  /** How long one verification round (Order/search + the user hub) may take, ms; also the re-check interval. */
  timeout: withDefault(PositiveMillis, () => 5000).annotations({ description: "How long one verification round may take, ms; also the interval of the re-checks." }),
  /** Rounds after the first that fail to answer before the intent is left Verifying (alert, re-check on a schedule). */
  maxRetries: withDefault(NonNegativeInt, () => 3).annotations({ description: "Rounds after the first that may fail to answer before the intent is left `Verifying` (an alert; re-checked on a schedule)." })
})
/**
 * The decoded type of {@link Verification}.
 *
 * @since 0.2.0
 */
export type Verification = typeof Verification.Type

/**
 * What to do with an order still incomplete `completeTimeout` ms after its first fill: `keep` it working
 * (reported only) or `cancelRest` (cancel the unfilled remainder).
 *
 * @since 0.2.0
 */
export const OnTimeout = Schema.Literal("keep", "cancelRest")
/**
 * The decoded type of {@link OnTimeout}.
 *
 * @since 0.2.0
 */
export type OnTimeout = typeof OnTimeout.Type

/**
 * `orderManagement.partialFills`: per-order volume and average price, and the incomplete-order timeout.
 *
 * @since 0.2.0
 */
export const PartialFills = Schema.Struct({
  /** Track fill volume and average price per order (default true). */
  trackingEnabled: withDefault(Schema.Boolean, () => true).annotations({ description: "Track each order's filled volume and average price." }),
  /** An order not complete this long after its FIRST fill is reported, ms. */
  completeTimeout: withDefault(PositiveMillis, () => 60000).annotations({ description: "An order still incomplete this long after its first fill is reported, ms." }),
  /** tradeguard addition: `keep` (default) or `cancelRest` after `completeTimeout`. */
  onTimeout: withDefault(OnTimeout, () => "keep" as const).annotations({ description: "tradeguard addition: after `completeTimeout`, `keep` the rest of the order working (reported only) or `cancelRest` (cancel the unfilled remainder)." })
})
/**
 * The decoded type of {@link PartialFills}.
 *
 * @since 0.2.0
 */
export type PartialFills = typeof PartialFills.Type

/**
 * `orderManagement.idempotency`: the duplicate check of `submit`.
 *
 * @since 0.2.0
 */
export const Idempotency = Schema.Struct({
  /** The duplicate check (default true). `false` is dangerous: a resubmitted intent is sent again. */
  enabled: withDefault(Schema.Boolean, () => true).annotations({ description: "The duplicate check of order submission: an intent resubmitted with the same key is answered with its first outcome. `false` is dangerous: a resubmitted intent is sent again." }),
  /** How long an intent's outcome answers a resubmission of the same key, in SECONDS (not ms), default 3600. */
  cacheTTL: withDefault(PositiveSeconds, () => 3600).annotations({ description: "How long an intent's outcome answers a resubmission of the same key, in SECONDS (unlike the other durations of this section)." })
})
/**
 * The decoded type of {@link Idempotency}.
 *
 * @since 0.2.0
 */
export type Idempotency = typeof Idempotency.Type

/**
 * The whole `orderManagement` section, every key defaulted.
 *
 * @since 0.2.0
 */
export const OrderManagement = Schema.Struct({
  verification: section(Verification).annotations({ description: "What happens after an order call whose outcome is unknown." }),
  partialFills: section(PartialFills).annotations({ description: "Partially filled orders: tracking and the incomplete-order timeout." }),
  idempotency: section(Idempotency).annotations({ description: "The duplicate check of order submission." })
})
/**
 * The decoded `orderManagement` section.
 *
 * @since 0.2.0
 */
export type OrderManagement = typeof OrderManagement.Type
/**
 * The `orderManagement` section as written in the file (every key optional).
 *
 * @since 0.2.0
 */
export type OrderManagementInput = typeof OrderManagement.Encoded

/**
 * Decodes a partial section: every omitted key gets the seed's default. Throws on invalid input.
 *
 * @example
 * import { OrderConfig } from "@tradeguard/orders"
 *
 * const config = OrderConfig.make({ idempotency: { cacheTTL: 600 } })
 * console.log(config.idempotency.cacheTTL, config.verification.timeout) // 600 5000
 *
 * @since 0.2.0
 */
export const make = (input: ResilienceConfig.DeepPartial<OrderManagementInput> = {}): OrderManagement =>
  Schema.decodeUnknownSync(OrderManagement)(input)

/**
 * The order config's tag; {@link layer} provides it.
 *
 * @since 0.2.0
 */
export class OrderConfig extends Context.Tag("@tradeguard/orders/OrderConfig")<OrderConfig, OrderManagement>() {}

/**
 * The seed's defaults, overridden by `input`.
 *
 * @since 0.2.0
 */
export const layer = (input: ResilienceConfig.DeepPartial<OrderManagementInput> = {}): Layer.Layer<OrderConfig> =>
  Layer.sync(OrderConfig, () => make(input))
