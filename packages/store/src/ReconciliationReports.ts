/**
 * Reconciliation reports: what each reconciliation of the local picture with
 * the gateway found (a JSON document), appended with the Clock's time; kept
 * `database.retention.orderHistory` days.
 *
 * @since 0.2.0
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { decodeRows, now } from "./internal/rows.js"

/**
 * One report as stored.
 *
 * @since 0.2.0
 */
export const Report = Schema.Struct({
  id: Schema.Number,
  accountId: Schema.NullOr(Schema.Number),
  report: Schema.parseJson(),
  at: Schema.Number
})

/**
 * One report (the type of {@link Report}).
 *
 * @since 0.2.0
 */
export type Report = typeof Report.Type

/**
 * The repository of reconciliation reports.
 *
 * @since 0.2.0
 */
export class ReconciliationReports extends Effect.Service<ReconciliationReports>()(
  "@tradeguard/store/ReconciliationReports",
  {
    effect: Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const append = Effect.fn("ReconciliationReports.append")(function*(accountId: number | null, report: unknown) {
        const at = yield* now
        yield* sql`INSERT INTO reconciliation_reports ${sql.insert({ accountId, report: JSON.stringify(report), at })}`
      })
      const list = Effect.fn("ReconciliationReports.list")(function*(limit = 100) {
        return yield* decodeRows(Report)(sql`SELECT * FROM reconciliation_reports ORDER BY at DESC, id DESC LIMIT ${limit}`)
      })
      return {
        /** Appends a report (of one account, or `null` for all) at the Clock's time. */
        append,
        /** The latest `limit` reports (100 by default), newest first. */
        list
      } as const
    })
  }
) {}

/**
 * {@link ReconciliationReports} over the `SqlClient` of `Database.layer`.
 *
 * @since 0.2.0
 */
export const layer: Layer.Layer<ReconciliationReports, never, SqlClient.SqlClient> = ReconciliationReports.Default
