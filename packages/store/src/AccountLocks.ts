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
 * How a lock ends (schema version 3): at the next trading-day start
 * (`lockedUntil` holds it), at a time (`Until`), or only when unlocked
 * (`Manual`).
 *
 * @since 0.3.0
 */
export const EndKind = Schema.Literal("NextTradingDay", "Until", "Manual")

/**
 * How a lock ends (the type of {@link EndKind}).
 *
 * @since 0.3.0
 */
export type EndKind = typeof EndKind.Type

/**
 * A lock as stored: active while `releasedAt` is null and `lockedUntil` is
 * null or in the future. `rule` (the rule that set it), `endKind` and
 * `releaseReason` (why it was unlocked) come with schema version 3.
 *
 * @since 0.2.0
 */
export const Lock = Schema.Struct({
  accountId: Schema.Number,
  reason: Schema.String,
  lockedAt: Schema.Number,
  lockedUntil: Schema.NullOr(Schema.Number),
  releasedAt: Schema.NullOr(Schema.Number),
  rule: Schema.String,
  endKind: EndKind,
  releaseReason: Schema.NullOr(Schema.String)
})

/**
 * What {@link AccountLocks} `lock` may also record: the rule that set the lock and how it ends (default
 * `manual`, and `Until` when there is a `lockedUntil`, else `Manual`).
 *
 * @since 0.3.0
 */
export interface LockOptions {
  readonly rule?: string
  readonly endKind?: EndKind
}

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
    const lock = Effect.fn("AccountLocks.lock")(
      function*(accountId: number, reason: string, lockedUntil?: number, options: LockOptions = {}) {
        const lockedAt = yield* now
        const row = {
          accountId,
          reason,
          lockedAt,
          lockedUntil: lockedUntil ?? null,
          releasedAt: null,
          rule: options.rule ?? "manual",
          endKind: options.endKind ?? (lockedUntil === undefined ? "Manual" : "Until"),
          releaseReason: null
        }
        yield* sql`INSERT INTO account_locks ${sql.insert(row)} ON CONFLICT (account_id) DO UPDATE SET
          reason = excluded.reason, locked_at = excluded.locked_at,
          locked_until = excluded.locked_until, released_at = NULL,
          rule = excluded.rule, end_kind = excluded.end_kind, release_reason = NULL`
      }
    )
    const unlock = Effect.fn("AccountLocks.unlock")(function*(accountId: number, reason?: string) {
      const releasedAt = yield* now
      yield* sql`UPDATE account_locks SET released_at = ${releasedAt}, release_reason = ${reason ?? null}
        WHERE account_id = ${accountId} AND released_at IS NULL`
    })
    const all = decodeRows(Lock)(sql`SELECT * FROM account_locks ORDER BY account_id`).pipe(
      Effect.withSpan("AccountLocks.all")
    )
    const active = Effect.gen(function*() {
      const at = yield* now
      return yield* decodeRows(Lock)(sql`SELECT * FROM account_locks
        WHERE released_at IS NULL AND (locked_until IS NULL OR locked_until > ${at}) ORDER BY account_id`)
    }).pipe(Effect.withSpan("AccountLocks.active"))
    return {
      /** Locks an account (until `lockedUntil`, epoch ms, or until unlocked; its rule and end kind); replaces its previous lock. */
      lock,
      /** Releases an account's lock (with why, since schema version 3). */
      unlock,
      /** Every stored lock, active, expired or released, by account. */
      all,
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
