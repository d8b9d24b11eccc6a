/**
 * `staleData`: fail closed when the account cannot be priced. Breached when
 * the market hub is down longer than `hubDownGraceMs`, or a position's quote
 * is older than `maxQuoteAgeMs` (from its local receipt) or missing AND no
 * fresh bar price (fetched within `maxQuoteAgeMs`) prices it, or its
 * contract could not be looked up. `flatten`: flatten (no lock); `alert`:
 * report only. A quiet market with the hub up and a bar price is not stale.
 * Pure.
 *
 * @since 0.1.0
 */
import type { StaleData } from "../../RiskConfig.js"
import { type Context, flattenOnly, marks, type RuleResult, verdict } from "./context.js"

/** `staleData`. */
export const staleData = (ctx: Context, rule: typeof StaleData.Type): RuleResult => {
  const { view } = ctx
  const downFor = view.marketHubDownSince === undefined ? undefined : view.now - view.marketHubDownSince
  const hubDown = downFor !== undefined && downFor > rule.hubDownGraceMs
  const unpriced = ctx.figures.positions.filter((p) => p.unpriced).map((p) => p.contractId)
  const breached = hubDown || unpriced.length > 0
  const reasons = [
    ...(hubDown ? [`market hub down for ${downFor} ms > ${rule.hubDownGraceMs} ms`] : []),
    ...(unpriced.length > 0 ? [`no fresh quote or bar price for ${unpriced.join(", ")}`] : [])
  ]
  return {
    verdict: verdict("staleData", {
      figure: downFor,
      limit: rule.hubDownGraceMs,
      breached,
      reason: breached ? `stale data: ${reasons.join("; ")} (action ${rule.action})` : "market data fresh",
      figures: {
        marketHubDownMs: downFor,
        userHubDownMs: view.userHubDownSince === undefined ? undefined : view.now - view.userHubDownSince,
        unpriced,
        maxQuoteAgeMs: rule.maxQuoteAgeMs,
        action: rule.action,
        marks: marks(ctx)
      },
      actions: breached && rule.action === "flatten" ? flattenOnly(ctx) : []
    })
  }
}
