/**
 * The rules: pure functions of one account's view, the rules in force for
 * it and the rules' memory. `evaluate` runs every configured rule and returns
 * their verdicts, the account's figures (equity, unrealized, day PnL, the
 * marks used), what an active lock demands now, and the new memory.
 *
 * Definitions (binding): **Equity** = balance + unrealized PnL of the open
 * positions; **Unrealized**: each position marked at its liquidation side
 * (best bid for a long, best ask for a short; last price only when that side
 * is missing, flagged), in dollars via tick size and tick value, minus the
 * estimated closing fees; **Day PnL** = equity now - equity at the start of
 * the trading day (taken at the boundary, or at first sight that day, marked
 * as such); **Flat**: no open position and no order in status 1 Open, 6
 * Pending, 7 PendingCancellation or 8 Suspended.
 *
 * When to use: the engine calls `evaluate` on every change of the account
 * and every second, persists `memory` when it is a new object, and enforces
 * whenever a verdict's `actions` (or `lock`) are non-empty: they are empty
 * once the account is as they ask.
 *
 * @example
 * ```ts
 * import { type AccountView, RiskConfig, Rules } from "@tradeguard/rules"
 *
 * const now = Date.parse("2026-12-02T15:00:00Z")
 * const view: AccountView.AccountView = {
 *   accountId: 100001, now, dayStart: Date.parse("2026-12-01T23:00:00Z"), nextDayStart: Date.parse("2026-12-02T23:00:00Z"),
 *   balance: 50000, positions: [], workingOrders: [], trades: [], quotes: new Map(), barPrices: new Map(),
 *   contracts: new Map(), marketHubDownSince: undefined, userHubDownSince: undefined, lock: undefined
 * }
 * const { verdicts } = Rules.evaluate(RiskConfig.defaults, { dailyLossLimit: { amount: 1000 } }, view, undefined)
 * console.log(verdicts[0]?.breached) // false: flat, day PnL 0
 * ```
 *
 * @since 0.1.0
 */
import type { AccountView, Memory } from "./AccountView.js"
import { isFlat as flat } from "./internal/figures.js"
import * as Figures_ from "./internal/figures.js"
import { type Context, type RuleResult } from "./internal/rules/context.js"
import { consistency, lossCooldown, maxTradesPerDay } from "./internal/rules/trades.js"
import { maxContracts, positionMaxLoss, scalingPlan } from "./internal/rules/contracts.js"
import { dailyLossLimit, dailyProfitTarget, maxLossLimit } from "./internal/rules/dayLimits.js"
import * as State from "./internal/rules/memory.js"
import { newsBlackout, tradingHours } from "./internal/rules/schedule.js"
import { staleData } from "./internal/rules/staleData.js"
import type { RiskConfig, Rules } from "./RiskConfig.js"
import { ruleNames } from "./RiskConfig.js"
import type { Action, Verdict } from "./Verdict.js"
import { flatten } from "./Verdict.js"

/**
 * One open position as priced: its mark (with its source: `bid`, `ask`, `last`, `bar`, `stale`), closing-fee
 * estimate and unrealized dollars.
 *
 * @since 0.1.0
 */
export type PositionFigure = Figures_.PositionFigure

/**
 * The figures of an account at one moment, as status and metrics show them.
 *
 * @since 0.1.0
 */
export interface Figures {
  readonly balance: number | undefined
  /** Balance + unrealized (undefined when a position cannot be priced). */
  readonly equity: number | undefined
  readonly unrealized: number | undefined
  /** Today's realized result: `profitAndLoss - fees` summed over the trading day's non-voided fills. */
  readonly realized: number
  /** Equity now - equity at the start of the trading day. */
  readonly dayPnl: number | undefined
  readonly dayStartEquity: number | undefined
  /** Whether the day start equity was taken at the first sight of the account that day (not at the boundary). */
  readonly dayStartFirstSight: boolean
  /** Each open position, priced. */
  readonly positions: ReadonlyArray<PositionFigure>
  /**
   * Why figures are missing or rest on stale or fallback data: `no contract for CON.F.US.MNQ.Z26`, `no price for ...`,
   * `... marked at last price`, `... marked at the latest bar`, `balance unknown`. Health is DEGRADED while any.
   */
  readonly degraded: ReadonlyArray<string>
  /**
   * Approximations that are not data problems: closing fees of a carried-over position estimated from its latest
   * fill, or 0 when none is known (`closing fees of CON.F.US.MNQ.Z26 estimated from its latest fill`).
   */
  readonly estimates: ReadonlyArray<string>
}

/**
 * The result of one evaluation.
 *
 * @since 0.1.0
 */
export interface Evaluation {
  readonly figures: Figures
  /** One per configured rule (breached or not), in the order of `RiskConfig.ruleNames`. */
  readonly verdicts: ReadonlyArray<Verdict>
  /**
   * What the account's active lock demands now: `[Flatten()]` (cancel every working order, close every position)
   * while locked and not flat; empty when not locked or already flat.
   */
  readonly lock: ReadonlyArray<Action>
  /** The memory to keep (the same object when nothing changed). */
  readonly memory: Memory
}

/**
 * Flat: no open position and no order in status 1 Open, 6 Pending, 7 PendingCancellation or 8 Suspended.
 *
 * @since 0.1.0
 */
export const isFlat = (view: AccountView): boolean => flat(view)

/**
 * Prices the account (the figures without the day start): positions, unrealized, equity, degraded reasons.
 * `maxQuoteAgeMs` is `staleData.maxQuoteAgeMs` (10 s when the rule is off).
 *
 * @since 0.1.0
 */
export const accountFigures = (view: AccountView, maxQuoteAgeMs?: number): Figures_.AccountFigures =>
  Figures_.accountFigures(view, maxQuoteAgeMs)

const run = (ctx: Context, rules: Rules): ReadonlyArray<RuleResult> => {
  const out: Array<RuleResult> = []
  for (const name of ruleNames) {
    switch (name) {
      case "dailyLossLimit":
        if (rules.dailyLossLimit) out.push(dailyLossLimit(ctx, rules.dailyLossLimit))
        break
      case "maxLossLimit":
        if (rules.maxLossLimit) out.push(maxLossLimit(ctx, rules.maxLossLimit))
        break
      case "maxContracts":
        if (rules.maxContracts) out.push(maxContracts(ctx, rules.maxContracts))
        break
      case "scalingPlan":
        if (rules.scalingPlan) out.push(scalingPlan(ctx, rules.scalingPlan))
        break
      case "positionMaxLoss":
        if (rules.positionMaxLoss) out.push(positionMaxLoss(ctx, rules.positionMaxLoss))
        break
      case "tradingHours":
        if (rules.tradingHours) out.push(tradingHours(ctx, rules.tradingHours))
        break
      case "maxTradesPerDay":
        if (rules.maxTradesPerDay) out.push(maxTradesPerDay(ctx, rules.maxTradesPerDay))
        break
      case "lossCooldown":
        if (rules.lossCooldown) out.push(lossCooldown(ctx, rules.lossCooldown))
        break
      case "dailyProfitTarget":
        if (rules.dailyProfitTarget) out.push(dailyProfitTarget(ctx, rules.dailyProfitTarget))
        break
      case "newsBlackout":
        if (rules.newsBlackout) out.push(newsBlackout(ctx, rules.newsBlackout))
        break
      case "staleData":
        if (rules.staleData) out.push(staleData(ctx, rules.staleData))
        break
      case "consistency":
        if (rules.consistency) out.push(consistency(ctx, rules.consistency))
        break
    }
  }
  return out
}

/**
 * Evaluates every rule of `rules` on `view`. Pure: the time is `view.now`.
 *
 * @since 0.1.0
 */
export const evaluate = (
  config: RiskConfig,
  rules: Rules,
  view: AccountView,
  memory: Memory | undefined
): Evaluation => {
  const before = State.decode(memory)
  const figures = Figures_.accountFigures(view, rules.staleData?.maxQuoteAgeMs)
  let state = State.advance(before, view, figures.equity, { equityHigh: rules.maxLossLimit?.trailing === "intraday" })
  const dayStartEquity = state.dayStartEquity
  const dayPnl = figures.equity === undefined || dayStartEquity === undefined
    ? undefined
    : Figures_.round(figures.equity - dayStartEquity)
  const isFlatNow = flat(view)
  const ctx: Context = {
    config,
    view,
    figures,
    dayStartEquity,
    firstSight: state.firstSight === true,
    dayPnl,
    flat: isFlatNow,
    state
  }
  const results = run(ctx, rules)
  for (const r of results) if (r.acted !== undefined) state = State.markActed(state, r.acted)
  const lockActive = view.lock !== undefined && (view.lock.until === undefined || view.lock.until > view.now)
  return {
    figures: {
      balance: view.balance,
      equity: figures.equity,
      unrealized: figures.unrealized,
      realized: Figures_.realizedToday(view),
      dayPnl,
      dayStartEquity,
      dayStartFirstSight: ctx.firstSight,
      positions: figures.positions,
      degraded: figures.degraded,
      estimates: figures.estimates
    },
    verdicts: results.map((r) => r.verdict),
    lock: lockActive && !isFlatNow ? [flatten()] : [],
    memory: memory !== undefined && State.same(before, state) ? memory : state as Memory
  }
}
