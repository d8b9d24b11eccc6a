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
