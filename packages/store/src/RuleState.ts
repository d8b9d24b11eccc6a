/**
 * Per-account rule state, one JSON value per account and rule (e.g. the
 * end-of-day balance high of a trailing drawdown): what a rule must remember
 * across a restart.
 *
 * @since 0.2.0
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { decodeFirst, now } from "./internal/rows.js"

const Row = Schema.Struct({ state: Schema.parseJson() })

/**
 * The repository of rule state.
 *
 * @since 0.2.0
 */
export class RuleState extends Effect.Service<RuleState>()("@tradeguard/store/RuleState", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const get = Effect.fn("RuleState.get")(function*(accountId: number, rule: string) {
      const row = yield* decodeFirst(Row)(sql`SELECT state FROM rule_state
        WHERE account_id = ${accountId} AND rule = ${rule}`)
      return Option.map(row, (r) => r.state)
    })
    const put = Effect.fn("RuleState.put")(function*(accountId: number, rule: string, state: unknown) {
      const updatedAt = yield* now
      const row = { accountId, rule, state: JSON.stringify(state), updatedAt }
      yield* sql`INSERT INTO rule_state ${sql.insert(row)} ON CONFLICT (account_id, rule) DO UPDATE SET
        state = excluded.state, updated_at = excluded.updated_at`
    })
    return {
      /** The state of `rule` for `accountId`, parsed from JSON. */
      get,
      /** Replaces the state of `rule` for `accountId` (any JSON value). */
      put
    } as const
  })
}) {}

/**
 * {@link RuleState} over the `SqlClient` of `Database.layer`.
 *
 * @since 0.2.0
 */
export const layer: Layer.Layer<RuleState, never, SqlClient.SqlClient> = RuleState.Default
