/**
 * The enforcement log: every action a rule took on an account (flatten,
 * cancel, lock), appended with the time of the Clock; kept
 * `database.retention.enforcementLogs` days.
 *
 * @since 0.2.0
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { decodeRows, now } from "./internal/rows.js"

/**
 * One entry of the log.
 *
 * @since 0.2.0
 */
export const Entry = Schema.Struct({
  id: Schema.Number,
  accountId: Schema.Number,
  rule: Schema.String,
  action: Schema.String,
  detail: Schema.String,
  at: Schema.Number
})

/**
 * One log entry (the type of {@link Entry}).
 *
 * @since 0.2.0
 */
export type Entry = typeof Entry.Type

/**
 * Which entries {@link EnforcementLog} `query` lists: of one account, and stamped `since` <= at < `until`
 * (epoch millis), each optional.
 *
 * @since 0.3.0
 */
export interface Filter {
  readonly accountId?: number | undefined
  readonly since?: number | undefined
  readonly until?: number | undefined
}

/**
 * The repository of the enforcement log.
 *
 * @since 0.2.0
 */
export class EnforcementLog extends Effect.Service<EnforcementLog>()("@tradeguard/store/EnforcementLog", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const append = Effect.fn("EnforcementLog.append")(
      function*(entry: { readonly accountId: number; readonly rule: string; readonly action: string; readonly detail: string }) {
        const at = yield* now
        yield* sql`INSERT INTO enforcement_log ${sql.insert({ ...entry, at })}`
      }
    )
    const list = Effect.fn("EnforcementLog.list")(function*(accountId?: number) {
      return yield* decodeRows(Entry)(
        accountId === undefined
          ? sql`SELECT * FROM enforcement_log ORDER BY at, id`
          : sql`SELECT * FROM enforcement_log WHERE account_id = ${accountId} ORDER BY at, id`
      )
    })
    const query = Effect.fn("EnforcementLog.query")(function*(filter: Filter) {
      const conditions = [
        ...(filter.accountId === undefined ? [] : [sql`account_id = ${filter.accountId}`]),
        ...(filter.since === undefined ? [] : [sql`at >= ${filter.since}`]),
        ...(filter.until === undefined ? [] : [sql`at < ${filter.until}`])
      ]
      return yield* decodeRows(Entry)(sql`SELECT * FROM enforcement_log WHERE ${sql.and(conditions)} ORDER BY at, id`)
    })
    return {
      /** Appends an entry stamped with the Clock's time. */
      append,
      /** The entries (of one account), oldest first. */
      list,
      /** The entries matching `filter` (account, `since` <= at < `until`), oldest first. */
      query
    } as const
  })
}) {}

/**
 * {@link EnforcementLog} over the `SqlClient` of `Database.layer`.
 *
 * @since 0.2.0
 */
export const layer: Layer.Layer<EnforcementLog, never, SqlClient.SqlClient> = EnforcementLog.Default
