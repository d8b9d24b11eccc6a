/**
 * The REST half of a reconciliation: the ground truth for the accounts in
 * scope, through ResilientGateway (token, rate limit, breaker, retries).
 *
 * @internal
 */
import { Models } from "@tradeguard/gateway"
import type { Errors, ResilientGateway } from "@tradeguard/resilience"
import * as Effect from "effect/Effect"
import type { Service as AccountState } from "../AccountState.js"
import type { StateReconciliation } from "../Config.js"
import { type Truth, vanishedOrders } from "./reconcile.js"

export interface FetchOptions {
  readonly gateway: ResilientGateway.Service
  readonly state: AccountState
  readonly config: StateReconciliation
  readonly accountIds: ReadonlyArray<number> | undefined
  /** Epoch millis from which to search the trades of an account. */
  readonly since: (accountId: number, now: number) => number
  readonly now: number
  readonly touched: () => ReadonlySet<string>
}

export const fetchTruth = (o: FetchOptions): Effect.Effect<Truth, Errors.ResilientError> =>
  Effect.gen(function*() {
    const { compareAccount, compareOrders, comparePositions } = o.config
    const accounts = compareAccount || o.accountIds === undefined
      ? (yield* o.gateway.accountSearch({ onlyActiveAccounts: true })).accounts
      : undefined
    const accountIds = o.accountIds ?? (accounts ?? []).map((a) => a.id)
    const openOrders: Array<Models.Order> = []
    const positions: Array<Models.Position> = []
    const trades: Array<Models.Trade> = []
    for (const accountId of accountIds) {
      if (compareOrders) openOrders.push(...(yield* o.gateway.orderSearchOpen({ accountId })).orders)
      if (comparePositions) positions.push(...(yield* o.gateway.positionSearchOpen({ accountId })).positions)
      const startTimestamp = Models.timestampFromMillis(o.since(accountId, o.now))
      trades.push(...(yield* o.gateway.tradeSearch({ accountId, startTimestamp })).trades)
    }

    // Orders that left the working set while we were away: how did they end?
    const finalOrders = new Map<number, Models.Order>()
    if (compareOrders) {
      yield* o.state.settle
      const vanished = vanishedOrders(yield* o.state.get, accountIds, openOrders, o.touched())
      const earliest = new Map<number, number>()
      for (const v of vanished) {
        const t = Models.timestampToMillis(v.creationTimestamp)
        earliest.set(v.accountId, Math.min(earliest.get(v.accountId) ?? t, t))
      }
      const wanted = new Set(vanished.map((v) => v.id))
      for (const [accountId, from] of earliest) {
        const startTimestamp = Models.timestampFromMillis(from - 1000)
        for (const order of (yield* o.gateway.orderSearch({ accountId, startTimestamp })).orders) {
          if (wanted.has(order.id)) finalOrders.set(order.id, order)
        }
      }
    }

    const truth: Truth = {
      accountIds,
      accounts: compareAccount ? accounts : undefined,
      openOrders: compareOrders ? openOrders : undefined,
      positions: comparePositions ? positions : undefined,
      trades,
      finalOrders
    }
    return truth
  })
