/**
 * The SQLite database of the store: opens the file (its directory created),
 * reads its schema version READ-ONLY first (a database of a newer or unknown
 * version is refused and left byte-identical), then switches on WAL,
 * `synchronous` and the busy timeout and runs the migrations up to
 * `database.schemaVersion`. Provides `SqlClient` (what the repositories
 * use) and the SQLite client. Column names are snake_case in SQL and
 * camelCase in rows and in `sql.insert` / `sql.update` values.
 *
 * A corrupt, locked or read-only file fails the layer with
 * {@link DatabaseUnavailable} naming the path and the cause: there is no
 * silent fallback to an in-memory database.
 *
 * @example
 * ```ts
 * import { Database, StoreConfig } from "@tradeguard/store"
 * import * as SqlClient from "@effect/sql/SqlClient"
 * import * as Effect from "effect/Effect"
 *
 * const tables = Effect.gen(function*() {
 *   const sql = yield* SqlClient.SqlClient
 *   return yield* sql<{ name: string }>`SELECT name FROM sqlite_master WHERE name = 'order_intents'`
 * })
 * Effect.runPromise(Effect.provide(tables, Database.layerMemory(StoreConfig.make())))
 * ```
 *
 * @since 0.2.0
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import * as Migrator from "@effect/sql/Migrator"
import * as SqlClient from "@effect/sql/SqlClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Str from "effect/String"
import * as fs from "node:fs"
import * as nodePath from "node:path"
import * as Classify from "./internal/classify.js"
import * as Migrations from "./internal/migrations.js"
import { StoreConfig, type Settings, supportedVersion } from "./StoreConfig.js"

/**
 * The file holds a schema this build cannot open: a newer version than
 * `supported`, or tables that are not ours (`found: "unknown"`). The file was
 * not modified.
 *
 * @since 0.2.0
 */
export class DatabaseVersionUnsupported extends Schema.TaggedError<DatabaseVersionUnsupported>()(
  "DatabaseVersionUnsupported",
  {
    path: Schema.String,
    found: Schema.Union(Schema.Number, Schema.Literal("unknown")),
    supported: Schema.Number
  }
) {
  /**
   * Names the file and both versions.
   *
   * @since 0.2.0
   */
  override get message(): string {
    return this.found === "unknown"
      ? `${this.path}: not a tradeguard database (tables without a schema version); this build supports schema version ${this.supported}, the file was not modified`
      : `${this.path}: schema version ${this.found} is newer than the supported version ${this.supported} (a newer tradeguard wrote it); the file was not modified`
  }
}

/**
 * Why a database file cannot be used: `Corrupt` (not a database, damaged
 * pages), `Locked` (another connection held a lock longer than
 * `busyTimeoutMs`), `ReadOnly` (the file or its directory is not writable),
 * `Io` (any other failure to open, read or write it).
 *
 * @since 0.2.0
 */
export const UnavailableReason = Schema.Literal("Corrupt", "Locked", "ReadOnly", "Io")

/**
 * The database file cannot be opened, read or migrated; `detail` is the
 * cause (the SQLite error code and message).
 *
 * @since 0.2.0
 */
export class DatabaseUnavailable extends Schema.TaggedError<DatabaseUnavailable>()("DatabaseUnavailable", {
  path: Schema.String,
  reason: UnavailableReason,
  detail: Schema.String
}) {
  /**
   * Names the file, the reason and the cause.
   *
   * @since 0.2.0
   */
  override get message(): string {
    return `${this.path}: database unavailable (${this.reason}): ${this.detail}`
  }
}

/**
 * Every way the database layer fails.
 *
 * @since 0.2.0
 */
export type DatabaseError = DatabaseVersionUnsupported | DatabaseUnavailable

const unavailable = (path: string) => (error: unknown) => new DatabaseUnavailable({ path, ...Classify.classify(error) })

/** Runs `effect`, turning its failures AND defects into `DatabaseUnavailable`. */
const guarded = <A, E, R>(path: string, effect: Effect.Effect<A, E, R>): Effect.Effect<A, DatabaseUnavailable, R> =>
  effect.pipe(
    Effect.catchAllDefect((defect) => Effect.fail(defect)),
    Effect.mapError(unavailable(path))
  )

/** Columns are snake_case in SQL, camelCase in the rows and in `sql.insert` / `sql.update` values. */
const open = (filename: string, readonly: boolean) =>
  SqliteClient.make({
    filename,
    readonly,
    disableWAL: true,
    transformQueryNames: Str.camelToSnake,
    transformResultNames: Str.snakeToCamel
  }).pipe(Effect.provide(Reactivity.layer))

const appliedVersion = (sql: SqlClient.SqlClient) =>
  Effect.map(
    sql<{ version: number | null }>`SELECT MAX(migration_id) AS version FROM ${sql(Migrations.table)}`,
    (rows) => rows[0]?.version ?? 0
  )

/**
 * The schema version of the file at `path`, read without writing anything: 0
 * for a missing or empty file, the last applied migration, or `"unknown"`
 * for tables without the migrations table.
 *
 * @since 0.2.0
 */
export const probeVersion = (path: string, busyTimeoutMs: number): Effect.Effect<number | "unknown", DatabaseUnavailable> =>
  Effect.gen(function*() {
    if (!fs.existsSync(path)) return 0
    const sql = yield* open(path, true)
    yield* sql.unsafe(`PRAGMA busy_timeout = ${busyTimeoutMs}`)
    const tables = yield* sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table'`
    if (tables.length === 0) return 0
    if (!tables.some((t) => t.name === Migrations.table)) return "unknown" as const
    return yield* appliedVersion(sql)
  }).pipe(Effect.scoped, (effect) => guarded(path, effect))

const makeClient = (settings: Settings) =>
  Effect.gen(function*() {
    const path = settings.path
    const memory = path === ":memory:"
    if (!memory) {
      yield* guarded(path, Effect.try(() => fs.mkdirSync(nodePath.dirname(nodePath.resolve(path)), { recursive: true })))
      const found = yield* probeVersion(path, settings.busyTimeoutMs)
      if (found === "unknown" || found > settings.schemaVersion) {
        return yield* new DatabaseVersionUnsupported({ path, found, supported: settings.schemaVersion })
      }
    }
    const client = yield* guarded(path, open(path, false))
    yield* guarded(
      path,
      Effect.gen(function*() {
        yield* client.unsafe(`PRAGMA busy_timeout = ${settings.busyTimeoutMs}`)
        if (!memory) yield* client.unsafe("PRAGMA journal_mode = WAL")
        yield* client.unsafe(`PRAGMA synchronous = ${settings.synchronous === "full" ? "FULL" : "NORMAL"}`)
        yield* client.unsafe("PRAGMA foreign_keys = ON")
        yield* Migrator.make({})({ loader: Migrator.fromRecord(Migrations.upTo(settings.schemaVersion)) }).pipe(
          Effect.provideService(SqlClient.SqlClient, client)
        )
      })
    )
    // The Migrator reports a write lock it could not take ("Migrations already running") as success.
    const applied = yield* guarded(path, appliedVersion(client))
    if (applied < settings.schemaVersion) {
      return yield* new DatabaseUnavailable({
        path,
        reason: "Locked",
        detail: `SQLITE_BUSY: another connection held the write lock for more than ${settings.busyTimeoutMs} ms: the migrations from version ${applied} to ${settings.schemaVersion} were not applied`
      })
    }
    return client
  }).pipe(Effect.annotateLogs({ module: "store/Database" }))

/**
 * The database at `settings.path`, migrated to `settings.schemaVersion`
 * (`":memory:"`: a private in-memory database, closed with the layer).
 *
 * @since 0.2.0
 */
export const layer = (
  settings: Settings
): Layer.Layer<SqlClient.SqlClient | SqliteClient.SqliteClient, DatabaseError> =>
  Layer.scopedContext(
    Effect.map(makeClient(settings), (client) =>
      Context.make(SqliteClient.SqliteClient, client).pipe(Context.add(SqlClient.SqlClient, client)))
  )

/**
 * A private in-memory database (`settings.path` ignored): for tests and
 * examples.
 *
 * @since 0.2.0
 */
export const layerMemory = (settings: Settings = defaults): Layer.Layer<SqlClient.SqlClient | SqliteClient.SqliteClient, DatabaseError> =>
  layer({ ...settings, path: ":memory:" })

/**
 * {@link layer} with the settings of the {@link StoreConfig} service.
 *
 * @since 0.2.0
 */
export const layerFromConfig: Layer.Layer<SqlClient.SqlClient | SqliteClient.SqliteClient, DatabaseError, StoreConfig> =
  Layer.unwrapEffect(Effect.map(StoreConfig, layer))

const defaults: Settings = {
  schemaVersion: supportedVersion,
  path: ":memory:",
  retention: { dailyUnrealizedPnl: 7, enforcementLogs: 30, orderHistory: 90 },
  synchronous: "normal",
  busyTimeoutMs: 5000
}
