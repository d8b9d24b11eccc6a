/**
 * One account's slice of AccountState's snapshot: what its rules depend on
 * (the account and its balance, open positions, working orders, today's
 * trades and the quotes of its contracts). The engine re-evaluates the
 * account whenever its slice changes, whatever the event that changed it
 * (no event-type list: an unknown event can never mean "pass"), except a
 * quote of a contract the account holds no position in: no figure depends on
 * it (a mark is a position's), and with resting orders in several markets it
 * would be most of the evaluations. Such a quote is still in the view of the
 * next evaluation, which any other change or the timer starts.
 *
 * The snapshot is persistent (structural sharing): an entity that did not
 * change keeps its identity, so two slices are compared entity by entity by
 * reference, and a snapshot whose accounts, orders, positions and trades maps
 * are the very ones of the previous slice only needs its quotes looked at.
 *
 * @internal
 */
import type { HubEvents, Models } from "@tradeguard/gateway"
import { AccountState } from "@tradeguard/realtime"
import * as HashMap from "effect/HashMap"
import * as Option from "effect/Option"

/** One account's slice of a snapshot. */
export interface Slice {
  readonly account: Models.Account | undefined
  /** By contractId, ascending. */
  readonly positions: ReadonlyArray<Models.Position>
  /** By id, ascending. */
  readonly orders: ReadonlyArray<Models.Order>
  /** Oldest first. */
  readonly trades: ReadonlyArray<Models.Trade>
  /** The contracts of the positions and working orders, ascending. */
  readonly contracts: ReadonlyArray<string>
  /** The quote of each of `contracts` (same order), undefined when none. */
  readonly quotes: ReadonlyArray<HubEvents.Quote | undefined>
  /** The contracts of `positions` (same order). */
  readonly held: ReadonlyArray<string>
  /** The quote of each of `held` (same order): the quotes a figure depends on. */
  readonly marks: ReadonlyArray<HubEvents.Quote | undefined>
  /** The snapshot's maps the slice was taken from (to skip the scan when they did not change). */
  readonly from: {
    readonly accounts: unknown
    readonly orders: unknown
    readonly positions: unknown
    readonly trades: unknown
  }
}

/** The contracts of `positions` and `orders`, ascending, without duplicates. */
export const contractsOf = (
  positions: ReadonlyArray<{ readonly contractId: string }>,
  orders: ReadonlyArray<{ readonly contractId: string }>
): ReadonlyArray<string> => [...new Set([...positions, ...orders].map((x) => x.contractId))].sort()

const quotesOf = (snapshot: AccountState.Snapshot, contracts: ReadonlyArray<string>) =>
  contracts.map((c) => Option.getOrUndefined(HashMap.get(snapshot.quotes, c)))

/** The slice of `accountId` in `snapshot`; `previous` (the last slice) saves the scan when only quotes changed. */
export const sliceOf = (snapshot: AccountState.Snapshot, accountId: number, previous?: Slice): Slice => {
  const from = { accounts: snapshot.accounts, orders: snapshot.orders, positions: snapshot.positions, trades: snapshot.trades }
  if (
    previous !== undefined && previous.from.accounts === from.accounts && previous.from.orders === from.orders &&
    previous.from.positions === from.positions && previous.from.trades === from.trades
  ) {
    return { ...previous, quotes: quotesOf(snapshot, previous.contracts), marks: quotesOf(snapshot, previous.held) }
  }
  const positions = AccountState.openPositions(snapshot, accountId).sort((a, b) => a.contractId < b.contractId ? -1 : 1)
  const orders = AccountState.workingOrders(snapshot, accountId).sort((a, b) => a.id - b.id)
  const contracts = contractsOf(positions, orders)
  const held = positions.map((p) => p.contractId)
  return {
    account: Option.getOrUndefined(HashMap.get(snapshot.accounts, accountId)),
    positions,
    orders,
    // the same array while this account's trades do not change (another account's trade leaves it as it was)
    trades: AccountState.tradesView(snapshot, accountId),
    contracts,
    quotes: quotesOf(snapshot, contracts),
    held,
    marks: quotesOf(snapshot, held),
    from
  }
}

/** Whether two arrays hold the same items (by reference) in the same order. */
export const sameItems = <A>(a: ReadonlyArray<A>, b: ReadonlyArray<A>): boolean =>
  a === b || a.length === b.length && a.every((x, i) => x === b[i])

/**
 * Whether two slices hold the same entities (by reference) and the same quotes of the contracts held: false = the
 * account changed.
 */
export const sameSlice = (a: Slice, b: Slice): boolean =>
  a.account === b.account && sameItems(a.positions, b.positions) && sameItems(a.orders, b.orders) &&
  sameItems(a.trades, b.trades) && sameItems(a.contracts, b.contracts) && sameItems(a.marks, b.marks)
