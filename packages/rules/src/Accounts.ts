/**
 * The watched accounts: `risk.accounts` as a list, or with `all` every active
 * account (Account/search, onlyActiveAccounts: true) and every account that
 * appears while running (a GatewayUserAccount event, or the periodic
 * reconciliation). Each watched account is subscribed on the user hub
 * (orders, positions, trades).
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"

/**
 * The watched accounts.
 *
 * @since 0.1.0
 */
export interface Service {
  /** The account ids watched now, ascending. */
  readonly watched: Effect.Effect<ReadonlyArray<number>>
  /** The watched ids now, then each time an account is added. */
  readonly changes: Stream.Stream<ReadonlyArray<number>>
}

/**
 * The watched accounts' tag (its shape is {@link Service}).
 *
 * @since 0.1.0
 */
export class Accounts extends Context.Tag("@tradeguard/rules/Accounts")<Accounts, Service>() {}
