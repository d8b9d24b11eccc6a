/**
 * The size rules: `maxContracts` (total: sum of size x weight; perSymbol: a
 * symbol's contracts; over: cancel the working orders that would add, reduce
 * newest position first to the limit, no lock), `scalingPlan` (the tier of
 * the last end-of-day balance, enforced like `total`) and `positionMaxLoss`
 * (one position's unrealized <= -amount: close it). Pure.
 *
 * @since 0.1.0
 */
import type { MaxContracts, PositionMaxLoss, ScalingPlan } from "../../RiskConfig.js"
import type { Action } from "../../Verdict.js"
import { closePosition, reduce } from "../../Verdict.js"
import { round, symbolOf, usd } from "../figures.js"
import { cancelAdding, type Context, cutTo, marks, type RuleResult, verdict, weight, weightedTotal } from "./context.js"

const sizesOf = (ctx: Context): Map<string, number> => new Map(ctx.figures.positions.map((p) => [p.contractId, p.size]))

/** A Reduce per position whose size went down, then CancelEntries for the contracts given. */
const reductions = (ctx: Context, sizes: ReadonlyMap<string, number>, cancel: ReadonlyArray<Action>) => {
  const reduced = ctx.figures.positions.filter((p) => sizes.get(p.contractId)! < p.size)
  return [...reduced.map((p) => reduce(p.contractId, sizes.get(p.contractId)!)), ...cancel]
}

/** `maxContracts`: `total` over the weighted sum, `perSymbol` over a symbol's contracts, each at `> limit`. */
export const maxContracts = (ctx: Context, rule: typeof MaxContracts.Type): RuleResult => {
  let sizes = sizesOf(ctx)
  const total = weightedTotal(ctx, sizes)
  const bySymbol: Record<string, number> = {}
  for (const p of ctx.figures.positions) bySymbol[p.symbolId] = (bySymbol[p.symbolId] ?? 0) + p.size
  const overSymbols = Object.entries(rule.perSymbol).filter(([symbol, limit]) => (bySymbol[symbol] ?? 0) > limit)
  const overTotal = rule.total !== undefined && total > rule.total
  for (const [symbol, limit] of overSymbols) {
    sizes = cutTo(ctx.figures.positions.filter((p) => p.symbolId === symbol), sizes, () => 1, limit)
  }
  if (overTotal) sizes = cutTo(ctx.figures.positions, sizes, (p) => weight(ctx, p), rule.total!)
  const breached = overTotal || overSymbols.length > 0
  const symbols = new Set(overSymbols.map(([s]) => s))
  const reasons = [
    ...(rule.total === undefined ? [] : [`total ${round(total)} ${overTotal ? ">" : "<="} ${rule.total}`]),
    ...Object.entries(rule.perSymbol).map(([s, limit]) =>
      `${s} ${bySymbol[s] ?? 0} ${symbols.has(s) ? ">" : "<="} ${limit}`
    )
  ]
  const cancel = overTotal
    ? cancelAdding(ctx.view)
    : cancelAdding(ctx.view, (id) => symbols.has(symbolOf(ctx.view, id)))
  return {
    verdict: verdict("maxContracts", {
      figure: total,
      limit: rule.total,
      breached,
      reason: `contracts: ${reasons.join(", ") || "no limit"}`,
      figures: { total, limit: rule.total, bySymbol, perSymbolLimits: rule.perSymbol, targetSizes: Object.fromEntries(sizes) },
      actions: breached ? reductions(ctx, sizes, cancel) : []
    })
  }
}

/** The reference balance of `scalingPlan`: the last end-of-day balance, before the first one the balance at first sight. */
export const scalingBalance = (ctx: Context): number | undefined => ctx.state.eodBalance ?? ctx.state.firstBalance

/** The tier in force: the highest `balanceAbove` strictly below the balance (none: 0 contracts). */
export const tierOf = (plan: typeof ScalingPlan.Type, balance: number | undefined): number | undefined => {
  if (balance === undefined) return undefined
  const tiers = [...plan].sort((a, b) => a.balanceAbove - b.balanceAbove).filter((t) => balance > t.balanceAbove)
  return tiers.at(-1)?.maxContracts ?? 0
}

/** `scalingPlan`: the weighted total over the tier's maxContracts. */
export const scalingPlan = (ctx: Context, plan: typeof ScalingPlan.Type): RuleResult => {
  const balance = scalingBalance(ctx)
  const limit = tierOf(plan, balance)
  const sizes = sizesOf(ctx)
  const total = weightedTotal(ctx, sizes)
  const breached = limit !== undefined && total > limit
  const target = breached ? cutTo(ctx.figures.positions, sizes, (p) => weight(ctx, p), limit) : sizes
  return {
    verdict: verdict("scalingPlan", {
      figure: total,
      limit,
      breached,
      reason: limit === undefined
        ? "scaling tier unknown (no balance yet)"
        : `contracts ${total} ${breached ? ">" : "<="} ${limit} (tier of balance ${usd(balance)}${ctx.state.eodBalance === undefined ? " at first sight" : " at the last day end"})`,
      figures: { total, limit, balance, tierFrom: ctx.state.eodBalance === undefined ? "firstSight" : "endOfDay", targetSizes: Object.fromEntries(target) },
      actions: breached ? reductions(ctx, target, cancelAdding(ctx.view)) : []
    })
  }
}

/** `positionMaxLoss`: close every position whose unrealized <= -amount. */
export const positionMaxLoss = (ctx: Context, rule: typeof PositionMaxLoss.Type): RuleResult => {
  const limit = -rule.amount
  const priced = ctx.figures.positions.filter((p) => p.unrealized !== undefined)
  const losing = priced.filter((p) => p.unrealized! <= limit)
  const worst = priced.reduce<number | undefined>((w, p) => w === undefined || p.unrealized! < w ? p.unrealized : w, undefined)
  return {
    verdict: verdict("positionMaxLoss", {
      figure: worst,
      limit,
      breached: losing.length > 0,
      reason: losing.length > 0
        ? losing.map((p) => `${p.contractId} unrealized ${usd(p.unrealized)} <= ${usd(limit)}`).join(", ")
        : `worst position unrealized ${usd(worst)} > ${usd(limit)}`,
      figures: { worst, limit, marks: marks(ctx), closing: losing.map((p) => p.contractId) },
      actions: losing.map((p) => closePosition(p.contractId))
    })
  }
}
