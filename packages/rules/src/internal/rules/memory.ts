/**
 * What the rules remember of an account (JSON, persisted by the engine when
 * it changes): the equity at the start of the trading day (taken at the
 * boundary, or at first sight that day), the balance at first sight, the
 * high-water marks of `maxLossLimit`, the last end-of-day balance, each
 * day's realized result, and what `lossCooldown`, `maxTradesPerDay` and
 * `newsBlackout` already acted on. Pure.
 *
 * @since 0.1.0
 */
import type { AccountView, Memory } from "../../AccountView.js"
import { realizedToday, round } from "../figures.js"

/** How close to the boundary the last equity of a day must be to become the next day's start equity (60 s). */
export const boundaryToleranceMs = 60_000

/** The rules' memory, decoded. Every field optional: an empty object is a fresh account. */
export interface State {
  /** Start (epoch millis) of the trading day the day fields belong to. */
  readonly day?: number
  readonly dayStartEquity?: number
  /** Whether `dayStartEquity` was taken at first sight that day rather than at the boundary. */
  readonly firstSight?: boolean
  /** The equity of the latest evaluation within the last minute of a trading day. */
  readonly lastEquity?: { readonly at: number; readonly equity: number }
  readonly firstBalance?: number
  /** Highest end-of-day balance seen (maxLossLimit `endOfDay`). */
  readonly eodHigh?: number
  /** Highest equity seen (maxLossLimit `intraday`). */
  readonly equityHigh?: number
  /** The last end-of-day balance (scalingPlan). */
  readonly eodBalance?: number
  /** Realized result by trading-day start (ISO), for `consistency`. */
  readonly days?: Readonly<Record<string, number>>
  /** The trigger keys already acted on (flat and locked as required): `lossCooldown:<tradeId>`, ... */
  readonly acted?: ReadonlyArray<string>
}

const isNumber = (u: unknown): u is number => typeof u === "number" && Number.isFinite(u)

/** Reads a memory (tolerant: unknown or malformed fields are dropped). */
export const decode = (memory: Memory | undefined): State => {
  const m = (memory ?? {}) as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const k of ["day", "dayStartEquity", "firstBalance", "eodHigh", "equityHigh", "eodBalance"]) {
    if (isNumber(m[k])) out[k] = m[k]
  }
  if (typeof m.firstSight === "boolean") out.firstSight = m.firstSight
  const last = m.lastEquity as { at?: unknown; equity?: unknown } | undefined
  if (typeof last === "object" && last !== null && isNumber(last.at) && isNumber(last.equity)) out.lastEquity = last
  if (typeof m.days === "object" && m.days !== null) out.days = m.days
  if (Array.isArray(m.acted)) out.acted = m.acted.filter((a) => typeof a === "string")
  return out as State
}

/**
 * The memory after this evaluation's bookkeeping: the day rolled over at the boundary (day start equity, end-of-day
 * balance and its high), first sight, the intraday high (when `equityHigh`: only `maxLossLimit` with `intraday`
 * trailing needs it, and it changes often), the last equity near the end of the day, today's result.
 */
export const advance = (
  state: State,
  view: AccountView,
  equity: number | undefined,
  options: { readonly equityHigh: boolean } = { equityHigh: true }
): State => {
  let s: Record<string, unknown> = { ...state }
  if (s.firstBalance === undefined && view.balance !== undefined) s.firstBalance = view.balance
  if (state.day === undefined || view.dayStart > state.day) {
    const last = state.lastEquity
    const atBoundary = state.day !== undefined && last !== undefined && last.at < view.dayStart &&
      view.dayStart - last.at <= boundaryToleranceMs
    s = { ...s, day: view.dayStart }
    delete s.lastEquity
    if (atBoundary) {
      s.dayStartEquity = last.equity
      s.firstSight = false
    } else {
      delete s.dayStartEquity
      delete s.firstSight
    }
    if (state.day !== undefined && view.balance !== undefined) {
      const closing = round(view.balance - realizedToday(view))
      s.eodBalance = closing
      s.eodHigh = Math.max(closing, state.eodHigh ?? closing)
    }
    const acted = state.acted?.filter((a) => !a.startsWith("maxTradesPerDay:"))
    if (acted !== undefined) s.acted = acted
  }
  if (s.dayStartEquity === undefined && equity !== undefined) {
    s.dayStartEquity = equity
    s.firstSight = true
  }
  if (options.equityHigh && equity !== undefined && (state.equityHigh === undefined || equity > state.equityHigh)) {
    s.equityHigh = equity
  }
  if (equity !== undefined && view.nextDayStart - view.now <= boundaryToleranceMs) {
    s.lastEquity = { at: view.now, equity }
  }
  if (view.balance !== undefined) {
    const key = new Date(view.dayStart).toISOString()
    const result = realizedToday(view)
    if (state.days?.[key] !== result) s.days = { ...state.days, [key]: result }
  }
  return s as State
}

/** Records that a trigger was acted on (idempotent). */
export const markActed = (state: State, key: string): State =>
  state.acted?.includes(key) ? state : { ...state, acted: [...(state.acted ?? []), key].slice(-maxActed) }

/** How many acted-on triggers are remembered (the oldest are forgotten first). */
export const maxActed = 100

const equal = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  if (ka.length !== kb.length) return false
  const rb = b as Record<string, unknown>
  return ka.every((k) => k in rb && equal((a as Record<string, unknown>)[k], rb[k]))
}

/** Whether two memories hold the same values (so the engine's object can be returned unchanged). */
export const same = (a: State, b: State): boolean => equal(a, b)
