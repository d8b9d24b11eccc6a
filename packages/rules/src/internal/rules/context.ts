/**
 * What every rule sees of one evaluation (the view, the figures, the day
 * PnL, the memory after its bookkeeping) and the helpers they share: when a
 * flatten-and-lock is still needed, which orders would add, how to cut
 * positions newest first. Pure.
 *
 * @since 0.1.0
 */
import type { Models } from "@tradeguard/gateway"
import type { AccountView } from "../../AccountView.js"
import type { RiskConfig, RuleName } from "../../RiskConfig.js"
import { weightOf } from "../../RiskConfig.js"
import type { Action, LockEnd, Verdict } from "../../Verdict.js"
import { cancelEntries, flatten } from "../../Verdict.js"
import type { AccountFigures, PositionFigure } from "../figures.js"
import { round } from "../figures.js"
import type { State } from "./memory.js"

/** One evaluation's inputs, shared by every rule. */
export interface Context {
  readonly config: RiskConfig
  readonly view: AccountView
  readonly figures: AccountFigures
  readonly dayStartEquity: number | undefined
  readonly firstSight: boolean
  readonly dayPnl: number | undefined
  readonly flat: boolean
  /** The memory after this evaluation's bookkeeping. */
  readonly state: State
}

/** A rule's result: its verdict, and the trigger it has now seen fully acted on (to remember). */
export interface RuleResult {
  readonly verdict: Verdict
  readonly acted?: string | undefined
}

/** Builds a verdict. */
export const verdict = (
  rule: RuleName,
  v: Omit<Verdict, "rule" | "actions" | "figures"> & {
    readonly figures?: Readonly<Record<string, unknown>>
    readonly actions?: ReadonlyArray<Action>
  }
): Verdict => ({ rule, ...v, figures: v.figures ?? {}, actions: v.actions ?? [] })

/** Epoch millis at which a lock of `end` ends (Infinity: manual). */
export const endAt = (view: AccountView, end: LockEnd): number =>
  end._tag === "NextTradingDay" ? view.nextDayStart : end._tag === "Until" ? end.at : Number.POSITIVE_INFINITY

/** Whether the account's lock is in force now and ends no earlier than `end` would. */
export const lockCovers = (view: AccountView, end: LockEnd): boolean => {
  if (view.lock === undefined) return false
  const until = view.lock.until ?? Number.POSITIVE_INFINITY
  return until > view.now && until >= endAt(view, end)
}

/** Whether a flatten-and-lock is done: flat and locked by a lock that ends no earlier. */
export const settled = (ctx: Context, end: LockEnd): boolean => ctx.flat && lockCovers(ctx.view, end)

/** `[Flatten(end)]` unless already flat and locked long enough. */
export const flattenAndLock = (ctx: Context, end: LockEnd): ReadonlyArray<Action> =>
  settled(ctx, end) ? [] : [flatten(end)]

/** `[Flatten()]` (no lock) unless already flat. */
export const flattenOnly = (ctx: Context): ReadonlyArray<Action> => ctx.flat ? [] : [flatten()]

/** The marks used, for the audit record. */
export const marks = (ctx: Context): ReadonlyArray<Record<string, unknown>> =>
  ctx.figures.positions.map((p) => ({
    contractId: p.contractId,
    long: p.long,
    size: p.size,
    averagePrice: p.averagePrice,
    mark: p.mark?.price,
    source: p.mark?.source,
    closingFees: p.closingFees,
    unrealized: p.unrealized
  }))

/** The day figures, for the audit record. */
export const dayFigures = (ctx: Context): Record<string, unknown> => ({
  dayPnl: ctx.dayPnl,
  equity: ctx.figures.equity,
  dayStartEquity: ctx.dayStartEquity,
  dayStartFirstSight: ctx.firstSight,
  balance: ctx.view.balance,
  marks: marks(ctx)
})

/** A working order not already being cancelled (status 1 Open, 6 Pending, 8 Suspended). */
const isLive = (o: Models.Order): boolean => o.status === 1 || o.status === 6 || o.status === 8

/** Whether a working order would open or add to a position (an order against the position reduces it). */
export const wouldAdd = (view: AccountView, order: Models.Order): boolean => {
  if (!isLive(order)) return false
  const position = view.positions.find((p) => p.contractId === order.contractId && p.size > 0)
  if (position === undefined || (position.type !== 1 && position.type !== 2)) return true
  return position.type === 1 ? order.side === 0 : order.side === 1
}

/** The contracts with working orders that would add (among `only`, if given). */
export const addingContracts = (view: AccountView, only?: (contractId: string) => boolean): ReadonlyArray<string> => [
  ...new Set(
    view.workingOrders.filter((o) => wouldAdd(view, o) && (only === undefined || only(o.contractId))).map((o) =>
      o.contractId
    )
  )
].sort()

/** `[CancelEntries(contracts)]` when some working orders there would add, else nothing. */
export const cancelAdding = (view: AccountView, only?: (contractId: string) => boolean): ReadonlyArray<Action> => {
  const ids = addingContracts(view, only)
  return ids.length === 0 ? [] : [cancelEntries(ids)]
}

/** The weight of a position's contracts in `total` limits. */
export const weight = (ctx: Context, p: PositionFigure): number => weightOf(ctx.config, p.symbolId)

/** Sum of size x weight over the given sizes. */
export const weightedTotal = (ctx: Context, sizes: ReadonlyMap<string, number>): number =>
  round(ctx.figures.positions.reduce((s, p) => s + sizes.get(p.contractId)! * weight(ctx, p), 0))

/** Newest position first (then by contract id), the order in which positions are cut. */
export const newestFirst = (positions: ReadonlyArray<PositionFigure>): ReadonlyArray<PositionFigure> =>
  [...positions].sort((a, b) => b.openedAt - a.openedAt || a.contractId.localeCompare(b.contractId))

/**
 * Cuts `sizes` (by contract id) newest position first until the sum of size x weight of `positions` is at most
 * `limit`; returns the new sizes.
 */
export const cutTo = (
  positions: ReadonlyArray<PositionFigure>,
  sizes: ReadonlyMap<string, number>,
  weightOfPosition: (p: PositionFigure) => number,
  limit: number
): Map<string, number> => {
  const out = new Map(sizes)
  let excess = round(positions.reduce((s, p) => s + out.get(p.contractId)! * weightOfPosition(p), 0) - limit)
  for (const p of newestFirst(positions)) {
    if (excess <= 0) break
    const size = out.get(p.contractId)!
    const w = weightOfPosition(p)
    const cut = Math.min(size, Math.ceil(round(excess / w)))
    out.set(p.contractId, size - cut)
    excess = round(excess - cut * w)
  }
  return out
}
