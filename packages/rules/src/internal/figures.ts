/**
 * The account's figures, as the issue defines them: each position marked at
 * its liquidation side, unrealized in dollars via the contract's tick size
 * and tick value minus the estimated closing fees, equity = balance + the
 * sum of unrealized. Pure; shared by the rules, the engine and status.
 *
 * @since 0.1.0
 */
import { Models } from "@tradeguard/gateway"
import type { AccountView } from "../AccountView.js"

/** How long a quote stays fresh when `staleData` is off (10 s). */
export const defaultMaxQuoteAgeMs = 10_000

/**
 * Where a mark comes from: the liquidation side (`bid` for a long, `ask` for a short), the `last` price when that
 * side is missing, the REST fallback's `bar` price when the quote is stale or missing, or a `stale` quote when
 * nothing fresher exists. Every source but `bid`/`ask` of a fresh quote is flagged.
 */
export type MarkSource = "bid" | "ask" | "last" | "bar" | "stale"

/** A position's mark. */
export interface Mark {
  readonly price: number
  readonly source: MarkSource
  readonly flagged: boolean
}

/** Where a closing-fee estimate comes from: today's opening fills, the latest fill of the contract, or none (0). */
export type FeeSource = "openingFills" | "latestFill" | "none"

/** One open position, priced. */
export interface PositionFigure {
  readonly contractId: string
  readonly symbolId: string
  readonly long: boolean
  readonly size: number
  readonly averagePrice: number
  /** Epoch millis at which the position was opened. */
  readonly openedAt: number
  readonly mark: Mark | undefined
  /** Estimated closing fees in dollars (fee per contract x size). */
  readonly closingFees: number
  readonly feeSource: FeeSource
  /** Dollars, net of the closing fees; undefined when the position cannot be priced. */
  readonly unrealized: number | undefined
  /** Whether the quote is older than the allowed age (or missing) and no fresh bar price exists. */
  readonly unpriced: boolean
}

/** The account's figures before the day start is known. */
export interface AccountFigures {
  readonly positions: ReadonlyArray<PositionFigure>
  readonly unrealized: number | undefined
  readonly equity: number | undefined
  /** Why figures are missing or rest on stale or fallback data (status shows DEGRADED while any). */
  readonly degraded: ReadonlyArray<string>
  /** Closing fees estimated without an opening fill of today (carried-over positions): approximate, not degraded. */
  readonly estimates: ReadonlyArray<string>
}

/** Rounds away float noise (to a millionth of a dollar). */
export const round = (x: number): number => Math.round(x * 1e6) / 1e6

/** Formats dollars for a reason: `-1012.50`. */
export const usd = (x: number | undefined): string => x === undefined ? "unknown" : x.toFixed(2)

/** Epoch millis of a gateway timestamp. */
export const millis = (timestamp: string): number => Models.timestampToMillis(timestamp)

const stamps = new WeakMap<object, number>()

/**
 * Epoch millis of an entity's `creationTimestamp`, kept per entity object (the snapshot's entities are immutable and
 * shared between snapshots, so each one is parsed once).
 */
export const createdAt = (entity: { readonly creationTimestamp: string }): number => {
  let at = stamps.get(entity)
  if (at === undefined) stamps.set(entity, at = millis(entity.creationTimestamp))
  return at
}

/** The symbol of a contract id when the contract is unknown: `CON.F.US.MNQ.Z26` -> `F.US.MNQ`. */
export const symbolFromContractId = (contractId: string): string => {
  const parts = contractId.split(".")
  return parts.length >= 3 && parts[0] === "CON" ? parts.slice(1, -1).join(".") : contractId
}

/** The symbol of a contract: the looked-up contract's `symbolId`, else parsed from the id. */
export const symbolOf = (view: AccountView, contractId: string): string =>
  view.contracts.get(contractId)?.symbolId ?? symbolFromContractId(contractId)

/** Whether a position is long (type 1); short is type 2. */
export const isLong = (position: Models.Position): boolean => position.type === 1

/** The trading day's trades of one trades array, and what the rules read of them. */
interface Day {
  /** The array this was computed from, and the day start it was computed for. */
  readonly trades: ReadonlyArray<Models.Trade>
  readonly dayStart: number
  readonly live: ReadonlyArray<Models.Trade>
  readonly opening: ReadonlyArray<Models.Trade>
  readonly closing: ReadonlyArray<Models.Trade>
  /** Sum of `profitAndLoss - fees` over `live`, unrounded (summed in `live`'s order). */
  readonly sum: number
  readonly fills: ReadonlyMap<string, Fills>
}

interface Fills {
  readonly openingSize: number
  readonly openingFees: number
  readonly latest: Models.Trade
}

const emptyDay = (trades: ReadonlyArray<Models.Trade>, dayStart: number): Day => ({
  trades, dayStart, live: [], opening: [], closing: [], sum: 0, fills: new Map()
})

/** `day` extended with `trades[from..]` (a new Day: the ones computed before stay as they were). */
const extend = (day: Day, trades: ReadonlyArray<Models.Trade>, from: number): Day => {
  const live: Array<Models.Trade> = []
  for (let i = from; i < trades.length; i++) {
    const t = trades[i]!
    if (!t.voided && createdAt(t) >= day.dayStart) live.push(t)
  }
  if (live.length === 0) return { ...day, trades }
  let sum = day.sum
  const fills = new Map(day.fills)
  const opening: Array<Models.Trade> = []
  const closing: Array<Models.Trade> = []
  for (const t of live) {
    sum = sum + (t.profitAndLoss ?? 0) - t.fees
    const f = fills.get(t.contractId)
    const open = isOpeningFill(t)
    fills.set(t.contractId, {
      openingSize: (f?.openingSize ?? 0) + (open ? t.size : 0),
      openingFees: (f?.openingFees ?? 0) + (open ? t.fees : 0),
      latest: t
    })
    ;(open ? opening : closing).push(t)
  }
  return {
    trades,
    dayStart: day.dayStart,
    live: day.live.concat(live),
    opening: opening.length === 0 ? day.opening : day.opening.concat(opening),
    closing: closing.length === 0 ? day.closing : day.closing.concat(closing),
    sum,
    fills
  }
}

/** Whether `trades` starts with every item of `prefix` (by reference): it only gained trades at its end. */
const extends_ = (trades: ReadonlyArray<Models.Trade>, prefix: ReadonlyArray<Models.Trade>): boolean => {
  if (trades.length < prefix.length) return false
  for (let i = prefix.length - 1; i >= 0; i--) if (trades[i] !== prefix[i]) return false
  return true
}

const days = new WeakMap<ReadonlyArray<Models.Trade>, Day>()
/** The latest Day of each account: a new trades array that only gained trades at its end extends it. */
const latestDay = new Map<number, Day>()

/**
 * The view's day: once per trades array and day start, not per view (the engine keeps the array while no trade
 * arrives, and builds a view at every quote). A trades array that only gained trades at its end since the account's
 * previous one (the usual case: a fill arrives) costs the new trades only, so a day of thousands of fills stays
 * linear; any other change (a late or voided trade, a new day) computes it again.
 */
const dayOf = (view: AccountView): Day => {
  const known = days.get(view.trades)
  if (known !== undefined && known.dayStart === view.dayStart) return known
  const previous = latestDay.get(view.accountId)
  const day = previous !== undefined && previous.dayStart === view.dayStart && extends_(view.trades, previous.trades)
    ? extend(previous, view.trades, previous.trades.length)
    : extend(emptyDay(view.trades, view.dayStart), view.trades, 0)
  days.set(view.trades, day)
  latestDay.set(view.accountId, day)
  return day
}

/**
 * The trading day's trades that count: not voided, stamped at or after the day start (a trade stamped exactly at
 * the boundary belongs to the new day), oldest first.
 */
export const liveTrades = (view: AccountView): ReadonlyArray<Models.Trade> => dayOf(view).live

/** Today's opening fills (see {@link isOpeningFill}), oldest first. */
export const openingFills = (view: AccountView): ReadonlyArray<Models.Trade> => dayOf(view).opening

/** Today's closing fills (the live trades with a `profitAndLoss`), oldest first. */
export const closingFills = (view: AccountView): ReadonlyArray<Models.Trade> => dayOf(view).closing

/** An opening fill: a non-voided trade with no `profitAndLoss`. */
export const isOpeningFill = (t: Models.Trade): boolean =>
  !t.voided && (t.profitAndLoss === undefined || t.profitAndLoss === null)

/** Today's realized result: sum of `profitAndLoss - fees` over non-voided trades (how the balance moved today). */
export const realizedToday = (view: AccountView): number => round(dayOf(view).sum)

/**
 * Flat: no open position and no order in status 1 Open, 6 Pending, 7 PendingCancellation or 8 Suspended.
 */
export const isFlat = (view: AccountView): boolean =>
  view.positions.every((p) => p.size === 0 || p.type === 0) &&
  view.workingOrders.every((o) => !(o.status === 1 || o.status === 6 || o.status === 7 || o.status === 8))

/** The open positions (size > 0, long or short). */
export const openPositions = (view: AccountView): ReadonlyArray<Models.Position> =>
  view.positions.filter((p) => p.size > 0 && (p.type === 1 || p.type === 2))

/**
 * Whether a fresh quote or a fresh bar price exists for a contract. A bar price fetched before `openedAt` (the
 * position's opening) is ignored: it is older than the position's own fill and says nothing of the market since.
 */
const freshness = (view: AccountView, contractId: string, maxAgeMs: number, openedAt: number) => {
  const seen = view.quotes.get(contractId)
  const fetched = view.barPrices.get(contractId)
  const bar = fetched !== undefined && fetched.fetchedAt >= openedAt ? fetched : undefined
  return {
    seen,
    bar,
    quoteFresh: seen !== undefined && view.now - seen.receivedAt <= maxAgeMs,
    barFresh: bar !== undefined && view.now - bar.fetchedAt <= maxAgeMs
  }
}

/**
 * The mark of a position: the liquidation side of a fresh quote (best bid for a long, best ask for a short), its last
 * price when that side is missing (flagged), the bar price when the quote is stale or missing (flagged), else the
 * stale quote (flagged); undefined when nothing prices it.
 */
export const markOf = (
  view: AccountView,
  contractId: string,
  long: boolean,
  maxAgeMs: number,
  openedAt: number = Number.NEGATIVE_INFINITY
): Mark | undefined => {
  const { bar, quoteFresh, seen } = freshness(view, contractId, maxAgeMs, openedAt)
  const fromQuote = (): Mark | undefined => {
    const side = long ? seen?.quote.bestBid : seen?.quote.bestAsk
    if (side !== undefined && side !== null) return { price: side, source: long ? "bid" : "ask", flagged: false }
    const last = seen?.quote.lastPrice
    return last !== undefined && last !== null ? { price: last, source: "last", flagged: true } : undefined
  }
  const quoted = fromQuote()
  if (quoteFresh && quoted !== undefined) return quoted
  if (bar !== undefined) return { price: bar.price, source: "bar", flagged: true }
  return quoted === undefined ? undefined : { price: quoted.price, source: "stale", flagged: true }
}

/**
 * The fee per contract to close a position: that of today's opening fills of the contract; for a position carried
 * over (no opening fill today), that of the latest fill of the contract; else 0.
 */
export const feePerContract = (view: AccountView, contractId: string): { fee: number; source: FeeSource } => {
  const fills = dayOf(view).fills.get(contractId)
  if (fills === undefined) return { fee: 0, source: "none" }
  if (fills.openingSize > 0) return { fee: fills.openingFees / fills.openingSize, source: "openingFills" }
  return { fee: fills.latest.fees / Math.max(1, fills.latest.size), source: "latestFill" }
}

/** Prices one position (see {@link PositionFigure}). */
export const positionFigure = (view: AccountView, position: Models.Position, maxAgeMs: number): PositionFigure => {
  const long = isLong(position)
  const contract = view.contracts.get(position.contractId)
  const openedAt = createdAt(position)
  const mark = markOf(view, position.contractId, long, maxAgeMs, openedAt)
  const { fee, source } = feePerContract(view, position.contractId)
  const closingFees = round(fee * position.size)
  const { barFresh, quoteFresh } = freshness(view, position.contractId, maxAgeMs, openedAt)
  const unrealized = contract === undefined || mark === undefined || contract.tickSize <= 0
    ? undefined
    : round(
      (mark.price - position.averagePrice) / contract.tickSize * contract.tickValue * position.size * (long ? 1 : -1) -
        closingFees
    )
  return {
    contractId: position.contractId,
    symbolId: symbolOf(view, position.contractId),
    long,
    size: position.size,
    averagePrice: position.averagePrice,
    openedAt,
    mark,
    closingFees,
    feeSource: source,
    unrealized,
    unpriced: contract === undefined || mark === undefined || !(quoteFresh || barFresh)
  }
}

const describeMark = (p: PositionFigure): string | undefined => {
  if (p.mark === undefined) return `no price for ${p.contractId}`
  switch (p.mark.source) {
    case "last":
      return `${p.contractId} marked at last price`
    case "bar":
      return `${p.contractId} marked at the latest bar (quote stale or missing)`
    case "stale":
      return `${p.contractId} marked at a stale quote`
    default:
      return undefined
  }
}

/**
 * The account's figures: every open position priced, unrealized summed, equity = balance + unrealized (undefined
 * when the balance is unknown or a position cannot be priced), and why figures are missing or approximate.
 */
export const accountFigures = (view: AccountView, maxAgeMs: number = defaultMaxQuoteAgeMs): AccountFigures => {
  const positions = openPositions(view).map((p) => positionFigure(view, p, maxAgeMs))
  const degraded: Array<string> = []
  const estimates: Array<string> = []
  if (view.balance === undefined) degraded.push("balance unknown")
  for (const p of positions) {
    if (!view.contracts.has(p.contractId)) degraded.push(`no contract for ${p.contractId}`)
    const mark = describeMark(p)
    if (mark !== undefined) degraded.push(mark)
    if (p.feeSource !== "openingFills") estimates.push(`closing fees of ${p.contractId} estimated from ${p.feeSource === "none" ? "nothing (0)" : "its latest fill"}`)
  }
  const priced = positions.every((p) => p.unrealized !== undefined)
  const unrealized = priced ? round(positions.reduce((s, p) => s + p.unrealized!, 0)) : undefined
  const equity = unrealized === undefined || view.balance === undefined ? undefined : round(view.balance + unrealized)
  return { positions, unrealized, equity, degraded, estimates }
}
