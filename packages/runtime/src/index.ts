/**
 * One config and one layer for the whole ProjectX client stack: REST, both
 * hubs, the account picture and its reconciliation.
 *
 * @since 0.2.0
 */
/**
 * One config for the whole stack, decoded by one Schema.
 *
 * @since 0.2.0
 */
export * as StackConfig from "./StackConfig.js"
/**
 * One layer: REST + both hubs + AccountState + the reconciler, one TokenManager.
 *
 * @since 0.2.0
 */
export * as Stack from "./Stack.js"
