/**
 * Orders that are never duplicated or lost: intents with idempotency keys, derived customTags, typed
 * outcomes, and the `orderManagement` config.
 *
 * @since 0.2.0
 */
/**
 * Order intents, attempts, outcomes, their errors, fingerprints and customTags.
 *
 * @since 0.2.0
 */
export * as OrderIntent from "./OrderIntent.js"
/**
 * The `orderManagement` section (verification, partial fills, idempotency) with the seed's defaults.
 *
 * @since 0.2.0
 */
export * as OrderConfig from "./OrderConfig.js"
/**
 * The OrderManager: write-ahead, customTags, verification, fills, start-up recovery.
 *
 * @since 0.2.0
 */
export * as OrderManager from "./OrderManager.js"
/**
 * The events of the OrderManager: outcomes, alerts, fills, incomplete and expired orders.
 *
 * @since 0.2.0
 */
export * as OrderEvent from "./OrderEvent.js"
/**
 * The OrderManager's errors: the store unavailable, an unknown intent, a retry not allowed.
 *
 * @since 0.2.0
 */
export * as OrderErrors from "./OrderErrors.js"
/**
 * The outcomes of the verified cancel, modify and closeContract.
 *
 * @since 0.2.0
 */
export * as Operation from "./Operation.js"
