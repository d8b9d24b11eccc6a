/**
 * The REST half of a reconciliation: the ground truth for the accounts in
 * scope, through ResilientGateway (token, rate limit, breaker, retries).
 *
 * @internal
 */
import { Enums, Models } from "@tradeguard/gateway"
import type { Errors, ResilientGateway } from "@tradeguard/resilience"
import * as Effect from "effect/Effect"
import type { Service as AccountState } from "../AccountState.js"
import type { StateReconciliation } from "../Config.js"
import { isKnownOrder, type Truth, vanishedOrders } from "./reconcile.js"

export interface FetchOptions {
  readonly gateway: ResilientGateway.Service
  readonly state: AccountState
  readonly config: StateReconciliation
  readonly accountIds: ReadonlyArray<number> | undefined
  /** Epoch millis from which to search the trades of an account. */
  readonly since: (accountId: number, now: number) => number
  /** Epoch millis from which orders may have been placed and ended unseen (the previous run's start). */
  readonly ordersSince: (accountId: number, now: number) => number
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
    // And orders we never saw that a fetched trade names (placed and filled while away).
    const finalOrders = new Map<number, Models.Order>()
    if (compareOrders) {
      yield* o.state.settle
      const data = yield* o.state.get
      const vanished = vanishedOrders(data, accountIds, openOrders, o.touched())
      const earliest = new Map<number, number>()
      const searchFrom = (accountId: number, t: number) =>
        earliest.set(accountId, Math.min(earliest.get(accountId) ?? t, t))
      for (const v of vanished) searchFrom(v.accountId, Models.timestampToMillis(v.creationTimestamp) - 1000)
      // Orders placed and ended while we were away, with a trade or without (cancelled, rejected,
      // expired): all were created since the previous run, which this search covers.
      for (const accountId of accountIds) searchFrom(accountId, o.ordersSince(accountId, o.now))
      const vanishedIds = new Set(vanished.map((v) => v.id))
      for (const [accountId, from] of earliest) {
        const startTimestamp = Models.timestampFromMillis(from)
        for (const order of (yield* o.gateway.orderSearch({ accountId, startTimestamp })).orders) {
          const unknownEnded = Enums.isTerminalStatus(order.status) && !isKnownOrder(data, order.id)
          if (vanishedIds.has(order.id) || unknownEnded) finalOrders.set(order.id, order)
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
