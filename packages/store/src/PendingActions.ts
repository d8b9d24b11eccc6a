/**
 * Pending enforcement actions: an action a rule decided (flatten, cancel)
 * that is not yet confirmed by the gateway, kept across a restart until it is
 * done. Never deleted by retention.
 *
 * @since 0.2.0
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { decodeRows, now } from "./internal/rows.js"

/**
 * One pending action; `payload` is its JSON document, `attempts` how often it
 * was tried.
 *
 * @since 0.2.0
 */
export const Action = Schema.Struct({
  id: Schema.String,
  accountId: Schema.Number,
  action: Schema.String,
  payload: Schema.parseJson(),
  attempts: Schema.Int,
  createdAt: Schema.Number
})

/**
 * A pending action (the type of {@link Action}).
 *
 * @since 0.2.0
 */
export type Action = typeof Action.Type

/**
 * The repository of pending enforcement actions.
 *
 * @since 0.2.0
 */
export class PendingActions extends Effect.Service<PendingActions>()("@tradeguard/store/PendingActions", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const enqueue = Effect.fn("PendingActions.enqueue")(
      function*(action: { readonly id: string; readonly accountId: number; readonly action: string; readonly payload: unknown }) {
        const createdAt = yield* now
        const row = { ...action, payload: JSON.stringify(action.payload), attempts: 0, createdAt }
        const inserted = yield* sql`INSERT INTO pending_enforcement_actions ${sql.insert(row)}
          ON CONFLICT (id) DO NOTHING RETURNING id`
        return inserted.length > 0
      }
    )
    const attempted = Effect.fn("PendingActions.attempted")(function*(id: string) {
      yield* sql`UPDATE pending_enforcement_actions SET attempts = attempts + 1 WHERE id = ${id}`
    })
    const update = Effect.fn("PendingActions.update")(function*(id: string, payload: unknown) {
      yield* sql`UPDATE pending_enforcement_actions SET payload = ${JSON.stringify(payload)} WHERE id = ${id}`
    })
    const done = Effect.fn("PendingActions.done")(function*(id: string) {
      yield* sql`DELETE FROM pending_enforcement_actions WHERE id = ${id}`
    })
    const list = decodeRows(Action)(sql`SELECT * FROM pending_enforcement_actions ORDER BY created_at, id`).pipe(
      Effect.withSpan("PendingActions.list")
    )
    return {
      /** Enqueues an action; `false` when one with this id is already pending (nothing changes). */
      enqueue,
      /** Counts one more try of an action. */
      attempted,
      /** Replaces an action's payload (its progress, as steps complete). */
      update,
      /** Removes an action that is done. */
      done,
      /** The pending actions, oldest first: what a restart resumes. */
      list
    } as const
  })
}) {}

/**
 * {@link PendingActions} over the `SqlClient` of `Database.layer`.
 *
 * @since 0.2.0
 */
export const layer: Layer.Layer<PendingActions, never, SqlClient.SqlClient> = PendingActions.Default
