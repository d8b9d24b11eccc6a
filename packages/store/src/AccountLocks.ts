/**
 * Account locks: an account a rule locked (until a time, or until
 * unlocked). A lock survives a restart; an active lock is never deleted by
 * retention.
 *
 * @since 0.2.0
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { decodeRows, now } from "./internal/rows.js"

/**
 * A lock as stored: active while `releasedAt` is null and `lockedUntil` is
 * null or in the future.
 *
 * @since 0.2.0
 */
export const Lock = Schema.Struct({
  accountId: Schema.Number,
  reason: Schema.String,
  lockedAt: Schema.Number,
  lockedUntil: Schema.NullOr(Schema.Number),
  releasedAt: Schema.NullOr(Schema.Number)
})

/**
 * A lock (the type of {@link Lock}).
 *
 * @since 0.2.0
 */
export type Lock = typeof Lock.Type

/**
 * The repository of account locks (one row per account).
 *
 * @since 0.2.0
 */
export class AccountLocks extends Effect.Service<AccountLocks>()("@tradeguard/store/AccountLocks", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const lock = Effect.fn("AccountLocks.lock")(function*(accountId: number, reason: string, lockedUntil?: number) {
      const lockedAt = yield* now
      const row = { accountId, reason, lockedAt, lockedUntil: lockedUntil ?? null, releasedAt: null }
      yield* sql`INSERT INTO account_locks ${sql.insert(row)} ON CONFLICT (account_id) DO UPDATE SET
        reason = excluded.reason, locked_at = excluded.locked_at,
        locked_until = excluded.locked_until, released_at = NULL`
    })
    const unlock = Effect.fn("AccountLocks.unlock")(function*(accountId: number) {
      const releasedAt = yield* now
      yield* sql`UPDATE account_locks SET released_at = ${releasedAt}
        WHERE account_id = ${accountId} AND released_at IS NULL`
    })
    const active = Effect.gen(function*() {
      const at = yield* now
      return yield* decodeRows(Lock)(sql`SELECT * FROM account_locks
        WHERE released_at IS NULL AND (locked_until IS NULL OR locked_until > ${at}) ORDER BY account_id`)
    }).pipe(Effect.withSpan("AccountLocks.active"))
    return {
      /** Locks an account (until `lockedUntil`, epoch ms, or until unlocked); replaces its previous lock. */
      lock,
      /** Releases an account's lock. */
      unlock,
      /** The locks active at the Clock's time. */
      active
    } as const
  })
}) {}

/**
 * {@link AccountLocks} over the `SqlClient` of `Database.layer`.
 *
 * @since 0.2.0
 */
export const layer: Layer.Layer<AccountLocks, never, SqlClient.SqlClient> = AccountLocks.Default
