/**
 * The pure core of MarketData's REST fallback price: the History/retrieveBars
 * request for the latest minute bars of a contract, and the close of the
 * newest bar in a reply (in whatever order the bars come).
 *
 * @internal
 */
import { Enums, type Endpoints, Models } from "@tradeguard/gateway"

/** How far back the request looks, in minutes (a quiet contract may have no bar in the last one). */
export const windowMinutes = 10

/** The request of the latest 1-minute bars of `contractId` up to `now` (partial bar included, sim data: `live: false`). */
export const latestBarsRequest = (
  contractId: string,
  now: number
): Endpoints.RequestOf<typeof Endpoints.historyRetrieveBars> => ({
  contractId,
  live: false,
  startTime: Models.timestampFromMillis(now - windowMinutes * 60_000),
  endTime: Models.timestampFromMillis(now),
  unit: Enums.AggregateBarUnit.Minute,
  unitNumber: 1,
  limit: windowMinutes + 1,
  includePartialBar: true
})

/** The close of the newest bar (by its time `t`); undefined when there is none. */
export const latestClose = (bars: ReadonlyArray<Models.Bar>): number | undefined => {
  let best: { readonly t: number; readonly c: number } | undefined
  for (const b of bars) {
    const t = Models.timestampToMillis(b.t)
    if (best === undefined || t > best.t) best = { t, c: b.c }
  }
  return best?.c
}
