/**
 * Risk rules and verified enforcement: the `risk:` config, pure rules over one account's view, and the services
 * that watch accounts, price positions, enforce and lock.
 *
 * @since 0.1.0
 */
/**
 * The `risk:` section: mode, accounts, contract weights, default rules and per-account replacements.
 *
 * @since 0.1.0
 */
export * as RiskConfig from "./RiskConfig.js"
/**
 * A rule's verdict and the actions that bring an account back within its limits.
 *
 * @since 0.1.0
 */
export * as Verdict from "./Verdict.js"
/**
 * What the rules see of one account: picture, quotes, contracts, hubs, lock, time.
 *
 * @since 0.1.0
 */
export * as AccountView from "./AccountView.js"
/**
 * The pure rules: `evaluate` an account's view.
 *
 * @since 0.1.0
 */
export * as Rules from "./Rules.js"
/**
 * Carries out the rules' actions: flatten, reduce, close, cancel entries; verified, persisted, audited.
 *
 * @since 0.1.0
 */
export * as Enforcer from "./Enforcer.js"
/**
 * Durable per-account locks.
 *
 * @since 0.1.0
 */
export * as Locks from "./Locks.js"
/**
 * Quotes with receipt time, contracts, REST fallback prices, hub downtime.
 *
 * @since 0.1.0
 */
export * as MarketData from "./MarketData.js"
/**
 * The watched accounts (`risk.accounts`, with `all` the ones that appear later too).
 *
 * @since 0.1.0
 */
export * as Accounts from "./Accounts.js"
/**
 * Evaluates every watched account's rules on every change and every second, and carries out their decisions.
 *
 * @since 0.1.0
 */
export * as RiskEngine from "./RiskEngine.js"
/**
 * The audit trail: a record per enforcement decision and action, in the store and the logs, listed by account and time.
 *
 * @since 0.1.0
 */
export * as Audit from "./Audit.js"
/**
 * The whole guard as one layer: engine, enforcer, locks, audit, market data, accounts and their store.
 *
 * @since 0.1.0
 */
export * as Guard from "./Guard.js"
