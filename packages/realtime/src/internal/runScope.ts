/**
 * Which accounts a reconciliation covers: every account, or some. A
 * subscription names the accounts whose events it carries, so a subscription
 * that becomes active (or is replayed after a reconnect) tells which accounts
 * may have missed events.
 *
 * @internal
 */
import type { Subscription } from "./subscriptions.js"

/** Every account in scope (the configured ones, or every active account), or these. */
export type RunScope = "all" | ReadonlyArray<number>

/** The accounts of both scopes. */
export const union = (a: RunScope, b: RunScope): RunScope =>
  a === "all" || b === "all" ? "all" : [...new Set([...a, ...b])]

/** The user-hub methods whose first argument is an account id. */
const perAccount = new Set(["SubscribeOrders", "SubscribePositions", "SubscribeTrades"])

/**
 * The accounts whose events these subscriptions carry: `SubscribeOrders` / `SubscribePositions`
 * / `SubscribeTrades(accountId)` that account, `SubscribeAccounts` every account; other
 * methods none.
 */
export const affectedBy = (subscriptions: ReadonlyArray<Subscription>): RunScope => {
  let scope: RunScope = []
  for (const s of subscriptions) {
    if (s.method === "SubscribeAccounts") return "all"
    const id = s.args[0]
    if (perAccount.has(s.method) && typeof id === "number") scope = union(scope, [id])
  }
  return scope
}

/**
 * The account ids a run of `scope` fetches: `configured` for "all" (undefined: every active
 * account, from Account/search); otherwise the scope's accounts, kept to `configured` when set.
 */
export const resolve = (scope: RunScope, configured: ReadonlyArray<number> | undefined): ReadonlyArray<number> | undefined =>
  scope === "all" ? configured : configured === undefined ? scope : scope.filter((id) => configured.includes(id))
