/**
 * Retention per `database.retention`, run by a daily Schedule: deletes PnL
 * snapshots older than `dailyUnrealizedPnl` days, enforcement log entries
 * older than `enforcementLogs` days, and, older than `orderHistory` days
 * (by their last change), TERMINAL order intents with their attempts and
 * fills, released or expired locks, and reconciliation reports. A
 * non-terminal intent (its attempts, its fills), an active lock, a pending
 * enforcement action and the rule state are never deleted.
 *
 * @example
 * ```ts
 * import { Database, Retention, StoreConfig } from "@tradeguard/store"
 * import * as Effect from "effect/Effect"
 * import * as Layer from "effect/Layer"
 *
 * const purged = Effect.flatMap(Retention.Retention, (r) => r.purge)
 * const layer = Retention.layer.pipe(
 *   Layer.provide(Database.layerMemory()),
 *   Layer.provide(StoreConfig.layer({ retention: { orderHistory: 30 } }))
 * )
 * Effect.runPromise(Effect.provide(purged, layer))
 * ```
 *
 * @since 0.2.0
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import { now } from "./internal/rows.js"
import { terminal } from "./OrderIntents.js"
import { StoreConfig } from "./StoreConfig.js"

/**
 * How many rows one {@link Retention.purge} deleted, per table.
 *
 * @since 0.2.0
 */
export interface Purged {
  readonly pnlSnapshots: number
  readonly enforcementLog: number
  readonly intents: number
  readonly attempts: number
  readonly fills: number
  readonly locks: number
  readonly reconciliationReports: number
}

/**
 * When retention runs: at start, then every 24 hours.
 *
 * @since 0.2.0
 */
export const daily: Schedule.Schedule<number> = Schedule.spaced(Duration.days(1))

const dayMs = 24 * 60 * 60 * 1000

/**
 * Deletes what the retention settings allow.
 *
 * @since 0.2.0
 */
export class Retention extends Effect.Service<Retention>()("@tradeguard/store/Retention", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const { retention } = yield* StoreConfig
    const count = Effect.map((rows: ReadonlyArray<unknown>) => rows.length)

    const purge = Effect.gen(function*() {
      const at = yield* now
      const cutoff = (days: number) => at - days * dayMs
      const pnl = cutoff(retention.dailyUnrealizedPnl)
      const logs = cutoff(retention.enforcementLogs)
      const history = cutoff(retention.orderHistory)
      const open = sql`SELECT idempotency_key FROM order_intents WHERE status NOT IN ${sql.in(terminal)}`
      const old = sql`SELECT idempotency_key FROM order_intents
        WHERE status IN ${sql.in(terminal)} AND updated_at < ${history}`
      return yield* sql.withTransaction(Effect.gen(function*() {
        const pnlSnapshots = yield* count(sql`DELETE FROM pnl_snapshots WHERE at < ${pnl} RETURNING at`)
        const enforcementLog = yield* count(sql`DELETE FROM enforcement_log WHERE at < ${logs} RETURNING id`)
        // fills first (they name the gateway order, not the intent): keep every fill of an open intent
        const fills = yield* count(sql`DELETE FROM fills WHERE at < ${history} AND gateway_order_id NOT IN (
          SELECT gateway_order_id FROM order_attempts
          WHERE gateway_order_id IS NOT NULL AND idempotency_key IN (${open})) RETURNING trade_id`)
        const attempts = yield* count(sql`DELETE FROM order_attempts WHERE idempotency_key IN (${old}) RETURNING custom_tag`)
        const intents = yield* count(sql`DELETE FROM order_intents
          WHERE status IN ${sql.in(terminal)} AND updated_at < ${history} RETURNING idempotency_key`)
        const locks = yield* count(sql`DELETE FROM account_locks
          WHERE (released_at IS NOT NULL AND released_at < ${history})
             OR (released_at IS NULL AND locked_until IS NOT NULL AND locked_until < ${history})
          RETURNING account_id`)
        const reconciliationReports = yield* count(sql`DELETE FROM reconciliation_reports WHERE at < ${history} RETURNING id`)
        return { pnlSnapshots, enforcementLog, intents, attempts, fills, locks, reconciliationReports } satisfies Purged
      }))
    }).pipe(Effect.withSpan("Retention.purge"))

    const runDaily = purge.pipe(
      Effect.tap((purged) => Effect.logDebug("retention", purged)),
      Effect.catchAllCause((cause) => Effect.logWarning("retention failed, next run in 24 h", cause)),
      Effect.repeat(daily),
      Effect.asVoid,
      Effect.annotateLogs({ module: "store/Retention" })
    )
    return {
      /** Deletes now; the counts of deleted rows. */
      purge,
      /** {@link purge} at once and then every day (a failure is logged and retried the next day); never returns. */
      runDaily
    } as const
  })
}) {}

/**
 * {@link Retention} over `SqlClient` and `StoreConfig`, without the schedule.
 *
 * @since 0.2.0
 */
export const layer: Layer.Layer<Retention, never, SqlClient.SqlClient | StoreConfig> = Retention.Default

/**
 * {@link layer} plus its daily run, forked for the layer's lifetime.
 *
 * @since 0.2.0
 */
export const layerDaily: Layer.Layer<Retention, never, SqlClient.SqlClient | StoreConfig> = Layer.scopedDiscard(
  Effect.flatMap(Retention, (r) => Effect.forkScoped(r.runDaily))
).pipe(Layer.provideMerge(layer))
