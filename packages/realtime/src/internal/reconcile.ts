/**
 * The pure core of the StateReconciler: compare the cached AccountState with
 * the REST ground truth and produce the events that were missed.
 *
 * An entity that a live event touched while the REST snapshot was being
 * fetched is a conflict: the snapshot may be older than the live news, so it
 * is left alone and the reconciler runs again later (`touched`).
 *
 * @internal
 */
import { Enums, Models } from "@tradeguard/gateway"
import * as HashMap from "effect/HashMap"
import * as HubEvent from "../HubEvent.js"
import { type AccountData, endedBefore, isBefore, isClosedPosition, isStaleOrder, positionKey } from "./accountData.js"

/** What REST says, for the accounts in scope. Undefined parts were not compared. */
export interface Truth {
  readonly accountIds: ReadonlyArray<number>
  readonly accounts: ReadonlyArray<Models.Account> | undefined
  readonly openOrders: ReadonlyArray<Models.Order> | undefined
  readonly positions: ReadonlyArray<Models.Position> | undefined
  readonly trades: ReadonlyArray<Models.Trade>
  /**
   * Order/search results, by id, for the orders that left the working set while we were away
   * and for the orders we never saw that a fetched trade names.
   */
  readonly finalOrders: ReadonlyMap<number, Models.Order>
}

export interface Counts {
  readonly accounts: number
  /** Working orders we did not know (placed while away). */
  readonly ordersNew: number
  /** Working orders that changed (modified, partly filled). */
  readonly ordersChanged: number
  readonly ordersFilled: number
  readonly ordersCancelled: number
  /** Ended otherwise: expired, rejected. */
  readonly ordersExpiredOrRejected: number
  /** Gone from the working set, and Order/search did not know them: removed with status None (0). */
  readonly ordersUnresolved: number
  readonly positionsOpened: number
  readonly positionsChanged: number
  readonly positionsClosed: number
  readonly trades: number
}

export const zeroCounts: Counts = {
  accounts: 0,
  ordersNew: 0,
  ordersChanged: 0,
  ordersFilled: 0,
  ordersCancelled: 0,
  ordersExpiredOrRejected: 0,
  ordersUnresolved: 0,
  positionsOpened: 0,
  positionsChanged: 0,
  positionsClosed: 0,
  trades: 0
}

export interface Diff {
  /** The missed events, `reconciled: true`: orders, trades, positions, accounts. */
  readonly events: ReadonlyArray<HubEvent.HubEvent>
  readonly counts: Counts
  /** Entity keys left alone because live events touched them during the fetch. */
  readonly conflicts: ReadonlyArray<string>
}

const sameFields = <A>(a: A, b: A, fields: ReadonlyArray<keyof A>): boolean => {
  for (const f of fields) if (a[f] !== b[f]) return false
  return true
}

const orderFields: ReadonlyArray<keyof Models.Order> = [
  "status",
  "type",
  "side",
  "size",
  "fillVolume",
  "filledPrice",
  "limitPrice",
  "stopPrice",
  "contractId",
  "customTag"
]
const positionFields: ReadonlyArray<keyof Models.Position> = ["type", "size", "averagePrice"]
const accountFields: ReadonlyArray<keyof Models.Account> = ["name", "balance", "canTrade", "isVisible"]

/**
 * Whether a cached order and its REST row agree. `trailPrice` counts only when both carry it: the
 * live hub sends it on a take-profit leg's events while REST leaves it out, which is no change.
 */
export const sameOrder = (a: Models.Order, b: Models.Order) =>
  sameFields(a, b, orderFields) && (a.trailPrice == null || b.trailPrice == null || a.trailPrice === b.trailPrice)
export const samePosition = (a: Models.Position, b: Models.Position) => sameFields(a, b, positionFields)
export const sameAccount = (a: Models.Account, b: Models.Account) => sameFields(a, b, accountFields)

const orderKey = (id: number) => `o:${id}`

/** Whether the cache holds the order, working or ended. */
export const isKnownOrder = (data: AccountData, id: number): boolean =>
  HashMap.has(data.orders, id) || HashMap.has(data.completedOrders, id)

const countEnded = (c: { -readonly [K in keyof Counts]: number }, status: number): void => {
  if (status === Enums.OrderStatus.Filled) c.ordersFilled++
  else if (status === Enums.OrderStatus.Cancelled) c.ordersCancelled++
  else c.ordersExpiredOrRejected++
}

/**
 * The cached working orders of the accounts in scope that REST no longer
 * lists as open: their final status must be looked up (Order/search).
 * Orders touched live meanwhile are left out.
 */
export const vanishedOrders = (
  data: AccountData,
  accountIds: ReadonlyArray<number>,
  openOrders: ReadonlyArray<Models.Order>,
  touched: ReadonlySet<string>
): Array<Models.Order> => {
  const scope = new Set(accountIds)
  const open = new Set(openOrders.map((o) => o.id))
  const out: Array<Models.Order> = []
  for (const o of HashMap.values(data.orders)) {
    if (scope.has(o.accountId) && !open.has(o.id) && !touched.has(orderKey(o.id))) out.push(o)
  }
  return out
}

/** Compares the cache with the truth: the events that were missed, counted. */
export const diff = (data: AccountData, truth: Truth, touched: ReadonlySet<string>): Diff => {
  const c: { -readonly [K in keyof Counts]: number } = { ...zeroCounts }
  const conflicts: Array<string> = []
  const orders: Array<HubEvent.HubEvent> = []
  const positions: Array<HubEvent.HubEvent> = []
  const accounts: Array<HubEvent.HubEvent> = []
  const scope = new Set(truth.accountIds)
  const conflict = (key: string): boolean => {
    if (!touched.has(key)) return false
    conflicts.push(key)
    return true
  }

  if (truth.openOrders !== undefined) {
    const open = new Map(truth.openOrders.filter((o) => scope.has(o.accountId)).map((o) => [o.id, o]))
    for (const o of open.values()) {
      const cached = HashMap.get(data.orders, o.id)
      if (cached._tag === "None") {
        if (HashMap.has(data.completedOrders, o.id)) continue // ended since the snapshot: the cache is ahead
        if (conflict(orderKey(o.id))) continue
        c.ordersNew++
        orders.push(HubEvent.order(o, true))
      } else if (!sameOrder(cached.value, o)) {
        if (conflict(orderKey(o.id)) || isStaleOrder(cached.value, o)) continue
        c.ordersChanged++
        orders.push(HubEvent.order(o, true))
      }
    }
    for (const cached of vanishedOrders(data, truth.accountIds, truth.openOrders, new Set())) {
      if (conflict(orderKey(cached.id))) continue
      const final = truth.finalOrders.get(cached.id)
      if (final === undefined) {
        c.ordersUnresolved++
        orders.push(HubEvent.order(new Models.Order({ ...cached, status: Enums.OrderStatus.None }), true))
      } else if (Enums.isWorkingStatus(final.status)) {
        if (sameOrder(cached, final)) continue
        c.ordersChanged++
        orders.push(HubEvent.order(final, true))
      } else {
        countEnded(c, final.status)
        orders.push(HubEvent.order(final, true))
      }
    }
    // Placed and ended while we were away: never seen, already over (today's only).
    for (const final of truth.finalOrders.values()) {
      if (!scope.has(final.accountId) || open.has(final.id) || isKnownOrder(data, final.id)) continue
      if (endedBefore(final, data.dayStartedAt)) continue
      if (!Enums.isTerminalStatus(final.status) || conflict(orderKey(final.id))) continue
      countEnded(c, final.status)
      orders.push(HubEvent.order(final, true))
    }
  }

  const trades = truth.trades
    .filter((t) => scope.has(t.accountId) && !HashMap.has(data.trades, t.id) && !isBefore(t.creationTimestamp, data.dayStartedAt))
    .sort((a, b) =>
      Models.timestampToMillis(a.creationTimestamp) - Models.timestampToMillis(b.creationTimestamp) || a.id - b.id
    )
  const seen = new Set<number>()
  const tradeEvents: Array<HubEvent.HubEvent> = []
  for (const t of trades) {
    if (seen.has(t.id)) continue
    seen.add(t.id)
    c.trades++
    tradeEvents.push(HubEvent.trade(t, true))
  }

  if (truth.positions !== undefined) {
    const real = new Map<string, Models.Position>()
    for (const p of truth.positions) {
      if (scope.has(p.accountId) && !isClosedPosition(p)) real.set(positionKey(p.accountId, p.contractId), p)
    }
    for (const [key, p] of real) {
      const cached = HashMap.get(data.positions, key)
      if (cached._tag === "Some" && samePosition(cached.value, p)) continue
      if (conflict(`p:${key}`)) continue
      if (cached._tag === "None") c.positionsOpened++
      else c.positionsChanged++
      positions.push(HubEvent.position(p, true))
    }
    for (const [key, cached] of HashMap.entries(data.positions)) {
      if (!scope.has(cached.accountId) || real.has(key) || conflict(`p:${key}`)) continue
      c.positionsClosed++
      positions.push(HubEvent.position(new Models.Position({ ...cached, type: 0, size: 0 }), true))
    }
  }

  if (truth.accounts !== undefined) {
    for (const a of truth.accounts) {
      if (!scope.has(a.id)) continue
      const cached = HashMap.get(data.accounts, a.id)
      if (cached._tag === "Some" && sameAccount(cached.value, a)) continue
      if (conflict(`a:${a.id}`)) continue
      c.accounts++
      accounts.push(HubEvent.account(a, true))
    }
  }

  return { events: [...orders, ...tradeEvents, ...positions, ...accounts], counts: c, conflicts }
}

/** Total missed events in a count. */
export const total = (c: Counts): number =>
  c.accounts + c.ordersNew + c.ordersChanged + c.ordersFilled + c.ordersCancelled + c.ordersExpiredOrRejected +
  c.ordersUnresolved + c.positionsOpened + c.positionsChanged + c.positionsClosed + c.trades
