/**
 * Daily unrealized PnL snapshots per account, stamped with the Clock's time
 * and the trading day; kept `database.retention.dailyUnrealizedPnl` days.
 *
 * @since 0.2.0
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { decodeRows, now } from "./internal/rows.js"

/**
 * One snapshot.
 *
 * @since 0.2.0
 */
export const Snapshot = Schema.Struct({
  accountId: Schema.Number,
  tradingDay: Schema.String,
  unrealized: Schema.Number,
  at: Schema.Number
})

/**
 * One snapshot (the type of {@link Snapshot}).
 *
 * @since 0.2.0
 */
export type Snapshot = typeof Snapshot.Type

/**
 * The repository of PnL snapshots.
 *
 * @since 0.2.0
 */
export class PnlSnapshots extends Effect.Service<PnlSnapshots>()("@tradeguard/store/PnlSnapshots", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const record = Effect.fn("PnlSnapshots.record")(
      function*(snapshot: { readonly accountId: number; readonly tradingDay: string; readonly unrealized: number }) {
        const at = yield* now
        yield* sql`INSERT INTO pnl_snapshots ${sql.insert({ ...snapshot, at })}
          ON CONFLICT (account_id, at) DO UPDATE SET unrealized = excluded.unrealized, trading_day = excluded.trading_day`
      }
    )
    const list = Effect.fn("PnlSnapshots.list")(function*(accountId: number) {
      return yield* decodeRows(Snapshot)(sql`SELECT * FROM pnl_snapshots WHERE account_id = ${accountId} ORDER BY at`)
    })
    return {
      /** Records a snapshot at the Clock's time (a second one at the same instant replaces it). */
      record,
      /** The snapshots of an account, oldest first. */
      list
    } as const
  })
}) {}

/**
 * {@link PnlSnapshots} over the `SqlClient` of `Database.layer`.
 *
 * @since 0.2.0
 */
export const layer: Layer.Layer<PnlSnapshots, never, SqlClient.SqlClient> = PnlSnapshots.Default
