/**
 * The pure core of AccountState: an immutable snapshot built from persistent
 * HashMaps (structural sharing: applying an event copies a path, not the
 * whole state), and the rules that apply a HubEvent to it.
 *
 * Rules:
 * - accounts: upsert by id.
 * - orders: a working status (1, 6, 7, 8) keeps the order in `orders`; any
 *   other status moves it to `completedOrders`. A terminal status (2..5) is
 *   final: a later non-terminal update of that order is stale and ignored,
 *   and so is an update whose `updateTimestamp` is older than the one held.
 * - positions: one per account and contract; type 0 or size 0 removes it.
 * - trades: by id; a trade id already held is ignored (applied exactly once).
 * - the trading day (`dayStartedAt`, once set): a trade from before it is not
 *   today's and is ignored; an order whose `updateTimestamp` is before it
 *   leaves the working set but is not one of today's ended orders (an end
 *   without `updateTimestamp` counts as today's). `startDay` moves it.
 * - quotes: deltas merged into the last quote of the contract; when the
 *   caller gives a receipt time, `quoteReceivedAt` keeps it per contract (the
 *   local time the latest quote event of that contract was applied).
 *
 * @internal
 */
import { Enums, HubEvents, Models } from "@tradeguard/gateway"
import * as HashMap from "effect/HashMap"
import type { HubEvent } from "../HubEvent.js"

export interface AccountData {
  readonly accounts: HashMap.HashMap<number, Models.Account>
  /** Working orders (Open, Pending, PendingCancellation, Suspended), by id. */
  readonly orders: HashMap.HashMap<number, Models.Order>
  /** Orders that ended today (filled, cancelled, expired, rejected), by id. */
  readonly completedOrders: HashMap.HashMap<number, Models.Order>
  /** Open positions, by {@link positionKey}. */
  readonly positions: HashMap.HashMap<string, Models.Position>
  /** Today's trades, by id. */
  readonly trades: HashMap.HashMap<number, Models.Trade>
  /** The latest merged quote of each contract. */
  readonly quotes: HashMap.HashMap<string, HubEvents.Quote>
  /** When the latest quote of each contract was received here (epoch millis, local clock). */
  readonly quoteReceivedAt: HashMap.HashMap<string, number>
  /** How many events changed something so far. */
  readonly version: number
  /** Epoch millis at which the trading day of `trades` and `completedOrders` started (unset: no day filter). */
  readonly dayStartedAt: number | undefined
}

export const empty: AccountData = {
  accounts: HashMap.empty(),
  orders: HashMap.empty(),
  completedOrders: HashMap.empty(),
  positions: HashMap.empty(),
  trades: HashMap.empty(),
  quotes: HashMap.empty(),
  quoteReceivedAt: HashMap.empty(),
  version: 0,
  dayStartedAt: undefined
}

/** One position per account and contract. */
export const positionKey = (accountId: number, contractId: string): string => `${accountId}:${contractId}`

/** The key under which a live event touches an entity (for the reconciler's conflict check). */
export const entityKey = (e: HubEvent): string | undefined => {
  switch (e._tag) {
    case "Account":
      return `a:${e.account.id}`
    case "Order":
      return `o:${e.order.id}`
    case "Position":
      return `p:${positionKey(e.position.accountId, e.position.contractId)}`
    default:
      return undefined
  }
}

const millis = (ts: string | undefined): number | undefined =>
  ts === undefined ? undefined : Models.timestampToMillis(ts)

/** True when `next` is older news than `prev` about the same order. */
export const isStaleOrder = (prev: Models.Order, next: Models.Order): boolean => {
  if (Enums.isTerminalStatus(prev.status) && !Enums.isTerminalStatus(next.status)) return true
  if (prev.updateTimestamp === undefined || next.updateTimestamp === undefined) return false
  if (prev.updateTimestamp === next.updateTimestamp) return false
  return millis(next.updateTimestamp)! < millis(prev.updateTimestamp)!
}

/** A position event that means "flat": type 0 (Undefined) or size 0. */
export const isClosedPosition = (p: Models.Position): boolean => p.type === 0 || p.size === 0

/** `timestamp` is before `dayStart` (false when there is no day start). */
export const isBefore = (timestamp: string, dayStart: number | undefined): boolean =>
  dayStart !== undefined && Models.timestampToMillis(timestamp) < dayStart

/** An order that ended (by its `updateTimestamp`) before `dayStart`; without one, it is not known to be. */
export const endedBefore = (o: Models.Order, dayStart: number | undefined): boolean =>
  o.updateTimestamp !== undefined && isBefore(o.updateTimestamp, dayStart)

/**
 * `HashMap.remove` on a map inside `beginMutation` corrupts it in effect 3.22
 * when the key sits in a collision node (numbers above 2^31, i.e. the
 * gateway's order and trade ids, collide often): the emptied node is kept, and
 * a later update throws. So a removal leaves the mutation, removes
 * immutably (path copy) and begins a new one. Setting in place is fine.
 */
const removeFrom = <K, V>(map: HashMap.HashMap<K, V>, key: K): HashMap.HashMap<K, V> =>
  HashMap.beginMutation(HashMap.remove(HashMap.endMutation(map), key))

/** Epoch millis of a trade's `creationTimestamp`, parsed once per trade object. */
const tradeMillis = new WeakMap<Models.Trade, number>()
const millisOfTrade = (t: Models.Trade): number => {
  let at = tradeMillis.get(t)
  if (at === undefined) tradeMillis.set(t, at = Models.timestampToMillis(t.creationTimestamp))
  return at
}

/** Oldest first, then by id (each timestamp parsed once). */
export const tradeOrder = (a: Models.Trade, b: Models.Trade): number => millisOfTrade(a) - millisOfTrade(b) || a.id - b.id

type TradesIndex = ReadonlyMap<number, ReadonlyArray<Models.Trade>>

/**
 * Each account's trades of one trades map, oldest first, kept per map. A batch that adds trades derives the index
 * of its new map from its base map's (a copy of the arrays of the accounts it touched, each new trade put in its
 * place: usually the end), so a day of trades costs one insertion per trade, not one sort of the day per trade.
 */
const tradeIndexes = new WeakMap<HashMap.HashMap<number, Models.Trade>, TradesIndex>()

export const tradesByAccountOf = (trades: HashMap.HashMap<number, Models.Trade>): TradesIndex => {
  const known = tradeIndexes.get(trades)
  if (known !== undefined) return known
  const groups = new Map<number, Array<Models.Trade>>()
  for (const t of HashMap.values(trades)) {
    let list = groups.get(t.accountId)
    if (list === undefined) groups.set(t.accountId, list = [])
    list.push(t)
  }
  for (const list of groups.values()) list.sort(tradeOrder)
  tradeIndexes.set(trades, groups)
  return groups
}

/** The index of `base` with `added` (trades not in it) put in their places. */
const extendIndex = (base: TradesIndex, added: ReadonlyArray<Models.Trade>): TradesIndex => {
  const next = new Map(base)
  const copied = new Set<number>()
  for (const t of added) {
    let list = next.get(t.accountId) as Array<Models.Trade> | undefined
    if (!copied.has(t.accountId)) {
      list = list === undefined ? [] : list.slice()
      next.set(t.accountId, list)
      copied.add(t.accountId)
    }
    let i = list!.length
    while (i > 0 && tradeOrder(list![i - 1]!, t) > 0) i--
    list!.splice(i, 0, t)
  }
  return next
}

/** A mutable working copy of AccountData for one batch; `done()` seals it. */
class Draft {
  private accounts: HashMap.HashMap<number, Models.Account> | undefined
  private orders: HashMap.HashMap<number, Models.Order> | undefined
  private completed: HashMap.HashMap<number, Models.Order> | undefined
  private positions: HashMap.HashMap<string, Models.Position> | undefined
  private trades: HashMap.HashMap<number, Models.Trade> | undefined
  private quotes: HashMap.HashMap<string, HubEvents.Quote> | undefined
  private receivedAt: HashMap.HashMap<string, number> | undefined
  private readonly addedTrades: Array<Models.Trade> = []
  private changes = 0
  constructor(private readonly base: AccountData, private readonly now: number | undefined) {}

  apply(e: HubEvent): boolean {
    switch (e._tag) {
      case "Account":
        this.accounts = HashMap.set(this.accounts ?? HashMap.beginMutation(this.base.accounts), e.account.id, e.account)
        break
      case "Order":
        if (!this.applyOrder(e.order)) return false
        break
      case "Position": {
        const p = e.position
        const key = positionKey(p.accountId, p.contractId)
        const map = this.positions ?? (this.positions = HashMap.beginMutation(this.base.positions))
        if (isClosedPosition(p)) {
          if (!HashMap.has(map, key)) return false
          this.positions = removeFrom(map, key)
        } else {
          HashMap.set(map, key, p)
        }
        break
      }
      case "Trade": {
        if (isBefore(e.trade.creationTimestamp, this.base.dayStartedAt)) return false
        const map = this.trades ?? (this.trades = HashMap.beginMutation(this.base.trades))
        if (HashMap.has(map, e.trade.id)) return false
        HashMap.set(map, e.trade.id, e.trade)
        this.addedTrades.push(e.trade)
        break
      }
      case "Quote": {
        const map = this.quotes ?? (this.quotes = HashMap.beginMutation(this.base.quotes))
        const prev = HashMap.get(map, e.contractId)
        HashMap.set(map, e.contractId, HubEvents.mergeQuote(prev._tag === "Some" ? prev.value : undefined, e.quote))
        if (this.now !== undefined) {
          HashMap.set(this.receivedAt ?? (this.receivedAt = HashMap.beginMutation(this.base.quoteReceivedAt)), e.contractId, this.now)
        }
        break
      }
      default:
        return false
    }
    this.changes++
    return true
  }

  private applyOrder(o: Models.Order): boolean {
    const orders = this.orders ?? (this.orders = HashMap.beginMutation(this.base.orders))
    const completed = this.completed ?? (this.completed = HashMap.beginMutation(this.base.completedOrders))
    const prev = HashMap.get(orders, o.id)
    const prevDone = prev._tag === "None" ? HashMap.get(completed, o.id) : prev
    if (prevDone._tag === "Some" && isStaleOrder(prevDone.value, o)) return false
    if (Enums.isWorkingStatus(o.status)) {
      HashMap.set(orders, o.id, o)
      if (prev._tag === "None" && prevDone._tag === "Some") this.completed = removeFrom(completed, o.id)
    } else if (endedBefore(o, this.base.dayStartedAt)) {
      // Ended on an earlier trading day: gone from the working set, not one of today's.
      if (prev._tag === "None") return false
      this.orders = removeFrom(orders, o.id)
    } else {
      if (prev._tag === "Some") this.orders = removeFrom(orders, o.id)
      HashMap.set(completed, o.id, o)
    }
    return true
  }

  done(): AccountData {
    if (this.changes === 0) return this.base
    const seal = <K, V>(m: HashMap.HashMap<K, V> | undefined, base: HashMap.HashMap<K, V>) =>
      m === undefined ? base : HashMap.endMutation(m)
    const trades = seal(this.trades, this.base.trades)
    const baseIndex = tradeIndexes.get(this.base.trades)
    if (trades !== this.base.trades && baseIndex !== undefined) tradeIndexes.set(trades, extendIndex(baseIndex, this.addedTrades))
    return {
      accounts: seal(this.accounts, this.base.accounts),
      orders: seal(this.orders, this.base.orders),
      completedOrders: seal(this.completed, this.base.completedOrders),
      positions: seal(this.positions, this.base.positions),
      trades,
      quotes: seal(this.quotes, this.base.quotes),
      quoteReceivedAt: seal(this.receivedAt, this.base.quoteReceivedAt),
      version: this.base.version + this.changes,
      dayStartedAt: this.base.dayStartedAt
    }
  }
}

/**
 * Applies events in order; `onApplied` sees each event that changed
 * something. `receivedAt` (epoch millis), when given, stamps the quotes
 * applied as received then. Returns `data` itself when nothing changed.
 */
export const applyAll = (
  data: AccountData,
  events: Iterable<HubEvent>,
  onApplied?: (e: HubEvent) => void,
  receivedAt?: number
): AccountData => {
  const draft = new Draft(data, receivedAt)
  for (const e of events) if (draft.apply(e) && onApplied !== undefined) onApplied(e)
  return draft.done()
}

export const apply = (data: AccountData, event: HubEvent, receivedAt?: number): AccountData =>
  applyAll(data, [event], undefined, receivedAt)

/** The latest quote of a contract and when it was received (0 when it was applied without a receipt time). */
export const quoteOf = (
  data: AccountData,
  contractId: string
): { readonly quote: HubEvents.Quote; readonly receivedAt: number } | undefined => {
  const quote = HashMap.get(data.quotes, contractId)
  if (quote._tag === "None") return undefined
  const at = HashMap.get(data.quoteReceivedAt, contractId)
  return { quote: quote.value, receivedAt: at._tag === "Some" ? at.value : 0 }
}

/**
 * Starts the trading day that began at `dayStart` (epoch millis): trades and
 * ended orders from before it are dropped, those from after it (already
 * applied, e.g. around the boundary) are kept.
 */
export const startDay = (data: AccountData, dayStart: number): AccountData => {
  // At the boundary every order held as ended ended before it, unless its time says otherwise.
  const endedToday = (o: Models.Order) => o.updateTimestamp !== undefined && !isBefore(o.updateTimestamp, dayStart)
  return {
    ...data,
    completedOrders: HashMap.filter(data.completedOrders, endedToday),
    trades: HashMap.filter(data.trades, (t) => !isBefore(t.creationTimestamp, dayStart)),
    version: data.version + 1,
    dayStartedAt: dayStart
  }
}

/** Drops today's trades and ended orders, whatever their time (a manual reset; keeps the day filter as it is). */
export const resetDay = (data: AccountData): AccountData => ({
  ...data,
  completedOrders: HashMap.empty(),
  trades: HashMap.empty(),
  version: data.version + 1
})
