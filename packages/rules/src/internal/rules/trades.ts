/**
 * The fill rules: `maxTradesPerDay` (the (count+1)-th opening fill of the
 * day: flatten, lock until the next trading day), `lossCooldown` (N closing
 * fills in a row with profitAndLoss < 0: flatten, lock until the last losing
 * fill + M minutes) and `consistency` (best day's profit / total profit,
 * report only). Each trigger acts once: when the account is seen flat and
 * locked for it, it is remembered, so a manual unlock is not undone. Pure.
 *
 * @since 0.1.0
 */
import type { Consistency, LossCooldown, MaxTradesPerDay } from "../../RiskConfig.js"
import type { LockEnd } from "../../Verdict.js"
import { closingFills, millis, openingFills, round, usd } from "../figures.js"
import { type Context, flattenAndLock, type RuleResult, settled, verdict } from "./context.js"

/** `maxTradesPerDay`: opening fills today > count. */
export const maxTradesPerDay = (ctx: Context, rule: typeof MaxTradesPerDay.Type): RuleResult => {
  const opening = openingFills(ctx.view)
  const count = opening.length
  const breached = count > rule.count
  const key = `maxTradesPerDay:${ctx.view.dayStart}:${count}`
  const end: LockEnd = { _tag: "NextTradingDay" }
  const acted = breached && ctx.state.acted?.includes(key) === true
  return {
    verdict: verdict("maxTradesPerDay", {
      figure: count,
      limit: rule.count,
      breached,
      reason: `${count} opening fills today ${breached ? ">" : "<="} ${rule.count}` +
        (breached ? ` (opening fill #${rule.count + 1}: trade ${opening[rule.count]!.id})` : ""),
      figures: { openingFills: count, limit: rule.count, triggeringTrade: breached ? opening[rule.count]!.id : undefined },
      actions: breached && !acted ? flattenAndLock(ctx, end) : []
    }),
    acted: breached && !acted && settled(ctx, end) ? key : undefined
  }
}

/** `lossCooldown`: the closing fills of the day, the trailing run with profitAndLoss < 0. */
export const lossCooldown = (ctx: Context, rule: typeof LossCooldown.Type): RuleResult => {
  const closing = closingFills(ctx.view)
  let run = 0
  while (run < closing.length && closing[closing.length - 1 - run]!.profitAndLoss! < 0) run++
  const last = closing.at(-1)
  const until = last === undefined ? undefined : millis(last.creationTimestamp) + rule.minutes * 60_000
  const streak = run >= rule.consecutiveLosses
  const breached = streak && until! > ctx.view.now
  const key = `lossCooldown:${last?.id}`
  const end: LockEnd = { _tag: "Until", at: until ?? 0 }
  const acted = ctx.state.acted?.includes(key) === true
  return {
    verdict: verdict("lossCooldown", {
      figure: run,
      limit: rule.consecutiveLosses,
      breached,
      reason: `${run} losing closing fills in a row ${streak ? ">=" : "<"} ${rule.consecutiveLosses}` +
        (breached ? `: cooldown until ${new Date(until!).toISOString()}` : ""),
      figures: { consecutiveLosses: run, limit: rule.consecutiveLosses, lastLosingTrade: streak ? last?.id : undefined, until: breached ? until : undefined },
      actions: breached && !acted ? flattenAndLock(ctx, end) : []
    }),
    acted: breached && !acted && settled(ctx, end) ? key : undefined
  }
}

/** `consistency`: the best day's profit / the total profit over the remembered days; report only. */
export const consistency = (ctx: Context, rule: typeof Consistency.Type): RuleResult => {
  const results = Object.values(ctx.state.days ?? {})
  const total = round(results.reduce((s, r) => s + r, 0))
  const best = results.reduce((b, r) => Math.max(b, r), 0)
  const share = total > 0 ? round(best / total) : undefined
  const breached = share !== undefined && share > rule.maxBestDayShare
  return {
    verdict: verdict("consistency", {
      figure: share,
      limit: rule.maxBestDayShare,
      breached,
      reason: share === undefined
        ? `no total profit yet (total ${usd(total)})`
        : `best day ${usd(best)} is ${(share * 100).toFixed(1)}% of the total profit ${usd(total)} (${breached ? ">" : "<="} ${(rule.maxBestDayShare * 100).toFixed(1)}%)`,
      figures: { bestDay: best, totalProfit: total, share, days: ctx.state.days ?? {} }
    })
  }
}
