/**
 * The pure core of MarketData's quote repair. The market hub often sends only
 * the fields of a quote that changed (a delta merged into the last quote), so
 * one lost delta leaves a field stale for as long as it does not change again:
 * under a quiet or pinned market, a best bid from before the move can stay for
 * minutes while the last price shows where the market is. Such a quote
 * contradicts itself: its book is crossed, or a new last price lies far
 * outside a touch that did not move. A trade prints at the touch, so a print
 * far from an unchanged touch says the touch is stale; a touch that moved
 * away from the last print is only a market that has not traded since, and
 * is not judged. A subscription made anew starts with the complete quote,
 * which repairs it.
 *
 * @internal
 */
import type { HubEvents } from "@tradeguard/gateway"

/** How far (in ticks) the last price may lie outside the touch before the quote counts as inconsistent. */
export const defaultToleranceTicks = 20

/** The least time between two repairs of one contract's quote, in millis. */
export const defaultRepairCooldownMillis = 30_000

const isNumber = (x: number | null | undefined): x is number => typeof x === "number" && Number.isFinite(x)

/**
 * Why a merged quote contradicts itself, or undefined when it does not: a crossed book (best bid above best ask);
 * or, when its last price moved since `previous` (the same contract's quote as last judged) while its touch did not,
 * a last price more than `toleranceTicks` ticks outside the touch (with the contract's tick size; without it, only a
 * crossed book is caught). A field that is missing is not judged; neither is a quote seen for the first time (a
 * complete quote) but for a crossed book.
 */
export const inconsistency = (
  previous: HubEvents.Quote | undefined,
  quote: HubEvents.Quote,
  tickSize: number | undefined,
  toleranceTicks: number = defaultToleranceTicks
): string | undefined => {
  const { bestAsk: ask, bestBid: bid, lastPrice: last } = quote
  if (isNumber(bid) && isNumber(ask) && bid > ask) return `crossed book (bid ${bid} above ask ${ask})`
  if (previous === undefined || previous.lastPrice === last) return undefined
  if (previous.bestBid !== bid || previous.bestAsk !== ask) return undefined
  if (!isNumber(last) || tickSize === undefined || !(tickSize > 0)) return undefined
  const tolerance = toleranceTicks * tickSize
  if (isNumber(bid) && last < bid - tolerance) return `new last price ${last} far below an unchanged bid ${bid}`
  if (isNumber(ask) && last > ask + tolerance) return `new last price ${last} far above an unchanged ask ${ask}`
  return undefined
}

/** Whether a contract's quote may be repaired at `now`, its last repair having been at `last` (undefined: never). */
export const isRepairDue = (last: number | undefined, now: number, cooldownMillis: number): boolean =>
  last === undefined || now - last >= cooldownMillis
