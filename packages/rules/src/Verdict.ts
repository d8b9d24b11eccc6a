/**
 * What a rule decides about one account at one moment: its figure against
 * its limit, whether it is breached, and the action that brings the account
 * back within the limit. Plain data, made by the pure rules and carried out
 * by the Enforcer.
 *
 * Actions:
 * - `Flatten`: cancel every working order (bracket legs included), close
 *   every position, verify flat; then lock per `lock` (none: no lock).
 * - `Reduce`: cancel the working orders on `contractId` that would add to the
 *   position, then cut the position to `maxSize` contracts with a tagged
 *   opposite-side market order; verify the size.
 * - `ClosePosition`: close that one position (closeContract), verified.
 * - `CancelEntries`: cancel the working orders that would open or add to a
 *   position (all contracts, or `contractIds`), verified.
 *
 * @since 0.1.0
 */
import type { RuleName } from "./RiskConfig.js"

/**
 * When a lock ends: at the next trading-day start (17:00 Chicago by default), at a time, or only by `unlock`.
 *
 * @since 0.1.0
 */
export type LockEnd =
  | { readonly _tag: "NextTradingDay" }
  | { readonly _tag: "Until"; readonly at: number }
  | { readonly _tag: "Manual" }

/**
 * What to do to bring an account back within its limits.
 *
 * @since 0.1.0
 */
export type Action =
  | { readonly _tag: "Flatten"; readonly lock: LockEnd | undefined }
  | { readonly _tag: "Reduce"; readonly contractId: string; readonly maxSize: number }
  | { readonly _tag: "ClosePosition"; readonly contractId: string }
  | { readonly _tag: "CancelEntries"; readonly contractIds: ReadonlyArray<string> | undefined }

/**
 * One rule's verdict on one account: the figure it watches and its limit (for status and metrics), whether it
 * is breached, why (one sentence naming the figures), the figures themselves (for the audit record), and the
 * actions to take (empty when not breached, or for a report-only rule).
 *
 * @since 0.1.0
 */
export interface Verdict {
  readonly rule: RuleName
  /** The watched figure, e.g. day PnL in dollars, contracts, opening fills today. */
  readonly figure: number | undefined
  /** The limit the figure is compared with. */
  readonly limit: number | undefined
  readonly breached: boolean
  /** e.g. `day PnL -1012.50 <= -1000 (equity 48987.50, day start 50000.00)`. */
  readonly reason: string
  /** The figures that triggered it, for the audit record: day PnL, floor, counts, the marks used... */
  readonly figures: Readonly<Record<string, unknown>>
  readonly actions: ReadonlyArray<Action>
}

/**
 * `Flatten` with its lock.
 *
 * @since 0.1.0
 */
export const flatten = (lock?: LockEnd): Action => ({ _tag: "Flatten", lock })

/**
 * `Reduce` a position to `maxSize` contracts.
 *
 * @since 0.1.0
 */
export const reduce = (contractId: string, maxSize: number): Action => ({ _tag: "Reduce", contractId, maxSize })

/**
 * `ClosePosition` of one contract.
 *
 * @since 0.1.0
 */
export const closePosition = (contractId: string): Action => ({ _tag: "ClosePosition", contractId })

/**
 * `CancelEntries`: the working orders that would open or add (all contracts, or those given).
 *
 * @since 0.1.0
 */
export const cancelEntries = (contractIds?: ReadonlyArray<string>): Action => ({ _tag: "CancelEntries", contractIds })
