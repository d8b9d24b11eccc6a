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
