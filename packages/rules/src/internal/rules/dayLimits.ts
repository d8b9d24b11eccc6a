/**
 * The equity rules: `dailyLossLimit` (day PnL <= -amount: flatten, lock until
 * the next trading day), `dailyProfitTarget` (day PnL >= amount: the same)
 * and `maxLossLimit` (the trailing drawdown: equity <= floor: flatten, lock
 * manual). Pure.
 *
 * @since 0.1.0
 */
import type { DailyLossLimit, DailyProfitTarget, MaxLossLimit } from "../../RiskConfig.js"
import type { LockEnd } from "../../Verdict.js"
import { round, usd } from "../figures.js"
import { type Context, dayFigures, flattenAndLock, marks, type RuleResult, verdict } from "./context.js"

const nextDay: LockEnd = { _tag: "NextTradingDay" }
const manual: LockEnd = { _tag: "Manual" }

const dayStartText = (ctx: Context) =>
  `equity ${usd(ctx.figures.equity)}, day start ${usd(ctx.dayStartEquity)}${ctx.firstSight ? " at first sight" : ""}`

/** `dailyLossLimit`: day PnL <= -amount. */
export const dailyLossLimit = (ctx: Context, rule: typeof DailyLossLimit.Type): RuleResult => {
  const limit = -rule.amount
  const breached = ctx.dayPnl !== undefined && ctx.dayPnl <= limit
  return {
    verdict: verdict("dailyLossLimit", {
      figure: ctx.dayPnl,
      limit,
      breached,
      reason: ctx.dayPnl === undefined
        ? `day PnL unknown (${ctx.figures.degraded.join("; ")})`
        : `day PnL ${usd(ctx.dayPnl)} ${breached ? "<=" : ">"} ${usd(limit)} (${dayStartText(ctx)})`,
      figures: { ...dayFigures(ctx), limit },
      actions: breached ? flattenAndLock(ctx, nextDay) : []
    })
  }
}

/** `dailyProfitTarget`: day PnL >= amount. */
export const dailyProfitTarget = (ctx: Context, rule: typeof DailyProfitTarget.Type): RuleResult => {
  const limit = rule.amount
  const breached = ctx.dayPnl !== undefined && ctx.dayPnl >= limit
  return {
    verdict: verdict("dailyProfitTarget", {
      figure: ctx.dayPnl,
      limit,
      breached,
      reason: ctx.dayPnl === undefined
        ? `day PnL unknown (${ctx.figures.degraded.join("; ")})`
        : `day PnL ${usd(ctx.dayPnl)} ${breached ? ">=" : "<"} ${usd(limit)} (${dayStartText(ctx)})`,
      figures: { ...dayFigures(ctx), limit },
      actions: breached ? flattenAndLock(ctx, nextDay) : []
    })
  }
}

/**
 * The high-water mark of `maxLossLimit`: max(startingBalance, balance at first sight), raised at each trading-day
 * end by the closing balance (`endOfDay`) or by equity at any time (`intraday`).
 */
export const highWaterMark = (ctx: Context, rule: typeof MaxLossLimit.Type): number => {
  const raised = rule.trailing === "endOfDay" ? ctx.state.eodHigh : ctx.state.equityHigh
  return Math.max(rule.startingBalance, ctx.state.firstBalance ?? rule.startingBalance, raised ?? rule.startingBalance)
}

/** `maxLossLimit`: equity <= floor, floor = mark - amount, never above startingBalance. */
export const maxLossLimit = (ctx: Context, rule: typeof MaxLossLimit.Type): RuleResult => {
  const mark = highWaterMark(ctx, rule)
  const floor = round(Math.min(mark - rule.amount, rule.startingBalance))
  const equity = ctx.figures.equity
  const breached = equity !== undefined && equity <= floor
  return {
    verdict: verdict("maxLossLimit", {
      figure: equity,
      limit: floor,
      breached,
      reason: equity === undefined
        ? `equity unknown (${ctx.figures.degraded.join("; ")})`
        : `equity ${usd(equity)} ${breached ? "<=" : ">"} floor ${usd(floor)} (high-water mark ${usd(mark)} ${rule.trailing}, amount ${usd(rule.amount)})`,
      figures: {
        equity,
        floor,
        highWaterMark: mark,
        trailing: rule.trailing,
        startingBalance: rule.startingBalance,
        balance: ctx.view.balance,
        marks: marks(ctx)
      },
      actions: breached ? flattenAndLock(ctx, manual) : []
    })
  }
}
