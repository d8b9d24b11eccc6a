/**
 * The `database` section of the master configuration as a Schema whose
 * defaults are the seed's values (`schemaVersion: 4` (the seed's 2 + lock rules + leases), retention 7 / 30 / 90
 * days) plus the store's own keys: `path`, `synchronous`, `busyTimeoutMs`.
 *
 * - `path`: the SQLite file (its directory is created), `":memory:"` for a
 *   database that lives only as long as the layer (tests).
 * - `synchronous`: `normal` (default) survives a crash of the process: a
 *   committed transaction is in the write-ahead log before the commit
 *   returns, but the log is not fsynced on every commit, so a power loss or
 *   an OS crash may lose the last transactions (never corrupt the file).
 *   `full` fsyncs the log on every commit: it also survives a power loss, at
 *   the cost of one fsync per write (`packages/store/bench/writeAhead.ts`
 *   prints the ratio on your disk).
 * - `busyTimeoutMs`: how long a statement waits for a lock held by another
 *   connection (another process on the same file) before it fails with
 *   `DatabaseUnavailable` (reason `Locked`).
 *
 * @example
 * ```ts
 * import { StoreConfig } from "@tradeguard/store"
 *
 * const config = StoreConfig.make({ retention: { orderHistory: 30 } })
 * config.path // ".tradeguard/tradeguard.db"
 * config.retention.enforcementLogs // 30
 * config.synchronous // "normal"
 * ```
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { section, withDefault } from "./internal/schema.js"

const Days = Schema.Number.pipe(Schema.int(), Schema.positive(), Schema.annotations({ description: "days" }))

/**
 * The schema versions this build can migrate to (and open): 1 to 4.
 *
 * @since 0.2.0
 */
export const supportedVersion = 4

/**
 * `database.schemaVersion`: the version the database is migrated to, at most
 * {@link supportedVersion}.
 *
 * @since 0.2.0
 */
export const SchemaVersion = Schema.Number.pipe(Schema.int(), Schema.between(1, supportedVersion))

/**
 * `database.retention`: how many days each kind of history is kept.
 * `orderHistory` applies to terminal order intents (with their attempts and
 * fills) and to released locks; a non-terminal intent and an active lock are
 * never deleted.
 *
 * @since 0.2.0
 */
export const Retention = Schema.Struct({
  dailyUnrealizedPnl: withDefault(Days, () => 7).annotations({ description: "Days the PnL snapshots are kept." }),
  enforcementLogs: withDefault(Days, () => 30).annotations({ description: "Days the enforcement log (`tradeguard audit`) is kept." }),
  orderHistory: withDefault(Days, () => 90).annotations({ description: "Days terminal order intents (with their attempts and fills), released or expired locks and reconciliation reports are kept; an unfinished intent, an active lock and a pending enforcement action are never deleted." })
})

/**
 * `database.synchronous`: `normal` survives a process crash, `full` also a
 * power loss (one fsync per commit).
 *
 * @since 0.2.0
 */
export const Synchronous = Schema.Literal("normal", "full")

/**
 * The `database` section, every key with its default.
 *
 * @since 0.2.0
 */
export const StoreConfigSchema = Schema.Struct({
  schemaVersion: withDefault(SchemaVersion, () => supportedVersion).annotations({ description: "The database schema version to migrate to (this build: up to 3). An older file is migrated at start; a newer one is refused." }),
  path: withDefault(Schema.NonEmptyString, () => ".tradeguard/tradeguard.db").annotations({ description: "The SQLite file, relative to the working directory (its directory is created); `:memory:` for a database that lives only as long as the process (tests)." }),
  retention: section(Retention).annotations({ description: "How many days each kind of history is kept." }),
  synchronous: withDefault(Synchronous, () => "normal" as const).annotations({ description: "`normal`: a committed write survives a crash of the process; `full`: also a power loss or an OS crash, at the cost of one fsync per commit." }),
  busyTimeoutMs: withDefault(Schema.Number.pipe(Schema.int(), Schema.nonNegative()), () => 5000).annotations({ description: "How long a statement waits for a lock held by another connection (another process on the same file) before it fails with DatabaseUnavailable (`Locked`), ms." })
})

/**
 * The decoded `database` section.
 *
 * @since 0.2.0
 */
export type Settings = Schema.Schema.Type<typeof StoreConfigSchema>

/**
 * The `database` section as the config file gives it (every key optional).
 *
 * @since 0.2.0
 */
export type Input = Schema.Schema.Encoded<typeof StoreConfigSchema>

/**
 * Decodes a `database` section (unknown input), failing with a ParseError
 * that names the path of the bad key.
 *
 * @since 0.2.0
 */
export const decode = Schema.decodeUnknown(StoreConfigSchema)

/**
 * The settings from a partial section: the defaults fill the rest; throws on
 * a bad value.
 *
 * @since 0.2.0
 */
export const make = (input: Input = {}): Settings => Schema.decodeSync(StoreConfigSchema)(input)

/**
 * The store's settings as a service.
 *
 * @since 0.2.0
 */
export class StoreConfig extends Context.Tag("@tradeguard/store/StoreConfig")<StoreConfig, Settings>() {}

/**
 * Provides {@link StoreConfig} from a partial section.
 *
 * @since 0.2.0
 */
export const layer = (input: Input = {}): Layer.Layer<StoreConfig> => Layer.succeed(StoreConfig, make(input))
