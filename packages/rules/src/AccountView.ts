/**
 * What the rules see of one account at one moment: the picture AccountState
 * keeps (balance, working orders, open positions, today's trades), the
 * latest quotes with their local receipt time, the contracts (tick size and
 * value), the REST fallback prices, the hubs' health, the account's active
 * lock and the time. The engine assembles it; the rules are pure functions of
 * it and of their own {@link Memory}.
 *
 * @since 0.1.0
 */
import type { HubEvents, Models } from "@tradeguard/gateway"
import type { RuleName } from "./RiskConfig.js"
import type { LockEnd } from "./Verdict.js"

/**
 * The latest merged quote of a contract and when it was received here (epoch millis, local clock).
 *
 * @since 0.1.0
 */
export interface QuoteSeen {
  readonly quote: HubEvents.Quote
  readonly receivedAt: number
}

/**
 * A price from the REST fallback (the close of the latest bar of History/retrieveBars) and when it was fetched.
 *
 * @since 0.1.0
 */
export interface BarPrice {
  readonly price: number
  readonly fetchedAt: number
}

/**
 * An account's lock in force: the rule that set it, why, since when, and when it ends.
 *
 * @since 0.1.0
 */
export interface ActiveLock {
  readonly rule: RuleName | "manual"
  readonly reason: string
  readonly since: number
  readonly end: LockEnd
  /** Epoch millis at which it ends (undefined: `Manual`). */
  readonly until: number | undefined
}

/**
 * One account, as the rules see it.
 *
 * @since 0.1.0
 */
export interface AccountView {
  readonly accountId: number
  /** Now, epoch millis (Effect's Clock). */
  readonly now: number
  /** Start of the current trading day, epoch millis. */
  readonly dayStart: number
  /** Start of the next trading day, epoch millis (when `NextTradingDay` locks end). */
  readonly nextDayStart: number
  /** The account's balance; undefined before the account was seen. */
  readonly balance: number | undefined
  readonly positions: ReadonlyArray<Models.Position>
  readonly workingOrders: ReadonlyArray<Models.Order>
  /** The trading day's trades, oldest first (voided ones included: the rules ignore them). */
  readonly trades: ReadonlyArray<Models.Trade>
  /** By contractId. */
  readonly quotes: ReadonlyMap<string, QuoteSeen>
  /** By contractId: the REST fallback's prices. */
  readonly barPrices: ReadonlyMap<string, BarPrice>
  /** By contractId; a contract with a position missing here could not be looked up (the account is degraded). */
  readonly contracts: ReadonlyMap<string, Models.Contract>
  /**
   * The contracts whose last lookup FAILED. A contract missing from `contracts` and not in here is still being
   * looked up (a new position's first seconds): the account is degraded, but staleData does not flatten for it.
   * Absent: every missing contract counts as failed (fail closed).
   */
  readonly failedLookups?: ReadonlySet<string>
  /** Epoch millis since which the market hub is down (undefined: connected). */
  readonly marketHubDownSince: number | undefined
  /** Epoch millis since which the user hub is down (undefined: connected): the picture may be behind. */
  readonly userHubDownSince: number | undefined
  readonly lock: ActiveLock | undefined
}

/**
 * What the rules remember of an account across evaluations and restarts (JSON; persisted by the engine in the
 * store's rule state whenever it changes): the equity at the start of the trading day, the high-water mark, the
 * last end-of-day balance, the daily results... Opaque to the engine.
 *
 * @since 0.1.0
 */
export type Memory = Readonly<Record<string, unknown>>
