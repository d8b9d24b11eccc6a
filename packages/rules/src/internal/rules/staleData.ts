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
  // A contract still being looked up the first time (a new position) is degraded, not stale: no flatten for it.
  const pending = (id: string) => !view.contracts.has(id) && view.failedLookups !== undefined && !view.failedLookups.has(id)
  const lookingUp = ctx.figures.positions.filter((p) => p.unpriced && pending(p.contractId)).map((p) => p.contractId)
  const unpriced = ctx.figures.positions.filter((p) => p.unpriced && !pending(p.contractId)).map((p) => p.contractId)
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
        lookingUp,
        maxQuoteAgeMs: rule.maxQuoteAgeMs,
        action: rule.action,
        marks: marks(ctx)
      },
      actions: breached && rule.action === "flatten" ? flattenOnly(ctx) : []
    })
  }
}
