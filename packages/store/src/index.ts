/**
 * Durable state of the tradeguard daemon in SQLite: the `database` config
 * section, the database layer (WAL, migrations, typed errors), the
 * repositories and the retention schedule.
 *
 * @since 0.2.0
 */
/**
 * The `database` section of the configuration, decoded by one Schema.
 *
 * @since 0.2.0
 */
export * as StoreConfig from "./StoreConfig.js"
/**
 * The SQLite database layer: version probe, WAL, migrations, typed errors.
 *
 * @since 0.2.0
 */
export * as Database from "./Database.js"
/**
 * Order intents, their attempts and fills.
 *
 * @since 0.2.0
 */
export * as OrderIntents from "./OrderIntents.js"
/**
 * The enforcement log: every action a rule took.
 *
 * @since 0.2.0
 */
export * as EnforcementLog from "./EnforcementLog.js"
/**
 * Pending enforcement actions, kept until done.
 *
 * @since 0.2.0
 */
export * as PendingActions from "./PendingActions.js"
/**
 * Account locks that survive a restart.
 *
 * @since 0.2.0
 */
export * as AccountLocks from "./AccountLocks.js"
/**
 * Per-account rule state (JSON per account and rule).
 *
 * @since 0.2.0
 */
export * as RuleState from "./RuleState.js"
/**
 * Daily unrealized PnL snapshots.
 *
 * @since 0.2.0
 */
export * as PnlSnapshots from "./PnlSnapshots.js"
/**
 * Reconciliation reports.
 *
 * @since 0.2.0
 */
export * as ReconciliationReports from "./ReconciliationReports.js"
/**
 * Retention per `database.retention`, run daily.
 *
 * @since 0.2.0
 */
export * as Retention from "./Retention.js"
/**
 * Leases with a heartbeat: one holder at a time per database or gateway user.
 *
 * @since 0.3.0
 */
export * as Leases from "./Leases.js"
