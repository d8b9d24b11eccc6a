/**
 * The calendar rules: `tradingHours` (outside a session: cancel the entry
 * orders and close the positions opened outside a session; from `flatBy`
 * until the close: flatten everything; no lock) and `newsBlackout` (from
 * event - before: flatten once per event; until event + after: cancel the
 * entry orders and close the positions opened in the window). Pure.
 *
 * @since 0.1.0
 */
import type { NewsBlackout, TradingHours } from "../../RiskConfig.js"
import { closePosition } from "../../Verdict.js"
import { inFlatBy, sessionAt } from "../sessions.js"
import { cancelAdding, type Context, flattenOnly, type RuleResult, verdict } from "./context.js"

const iso = (at: number | undefined) => at === undefined ? undefined : new Date(at).toISOString()

/** `tradingHours`. */
export const tradingHours = (ctx: Context, rule: typeof TradingHours.Type): RuleResult => {
  const now = ctx.view.now
  const session = sessionAt(now, rule)
  const sessionFigures = {
    inSession: session !== undefined,
    open: iso(session?.open),
    close: iso(session?.close),
    flatBy: iso(session?.flatBy),
    timeZone: rule.timeZone
  }
  if (session !== undefined) {
    const flatBy = inFlatBy(session, now)
    return {
      verdict: verdict("tradingHours", {
        figure: undefined,
        limit: undefined,
        breached: flatBy,
        reason: flatBy
          ? `flat-by time ${rule.flatBy} ${rule.timeZone} reached (session closes ${iso(session.close)})`
          : `in session until ${iso(session.close)}`,
        figures: sessionFigures,
        actions: flatBy ? flattenOnly(ctx) : []
      })
    }
  }
  const opened = ctx.figures.positions.filter((p) => sessionAt(p.openedAt, rule) === undefined)
  const actions = [...cancelAdding(ctx.view), ...opened.map((p) => closePosition(p.contractId))]
  return {
    verdict: verdict("tradingHours", {
      figure: undefined,
      limit: undefined,
      breached: actions.length > 0,
      reason: `outside the trading sessions (${rule.timeZone})` +
        (opened.length > 0 ? `: positions opened outside a session: ${opened.map((p) => p.contractId).join(", ")}` : ""),
      figures: { ...sessionFigures, openedOutside: opened.map((p) => p.contractId) },
      actions
    })
  }
}

/** The key under which the flatten at the start of an event's window is remembered. */
export const newsKey = (event: string) => `newsBlackout:${event}`

/** `newsBlackout`. */
export const newsBlackout = (ctx: Context, rule: typeof NewsBlackout.Type): RuleResult => {
  const now = ctx.view.now
  const windows = rule.events.map((event) => {
    const at = Date.parse(event)
    return { event, from: at - rule.minutesBefore * 60_000, to: at + rule.minutesAfter * 60_000 }
  })
  const current = windows.find((w) => w.from <= now && now < w.to)
  if (current === undefined) {
    const next = windows.filter((w) => w.from > now).sort((a, b) => a.from - b.from)[0]
    return {
      verdict: verdict("newsBlackout", {
        figure: undefined,
        limit: undefined,
        breached: false,
        reason: next === undefined ? "no news event ahead" : `next blackout from ${iso(next.from)} (${next.event})`,
        figures: { next: next?.event }
      })
    }
  }
  const key = newsKey(current.event)
  const acted = ctx.state.acted?.includes(key) === true
  const opened = ctx.figures.positions.filter((p) => p.openedAt >= current.from)
  const actions = acted
    ? [...cancelAdding(ctx.view), ...opened.map((p) => closePosition(p.contractId))]
    : flattenOnly(ctx)
  return {
    verdict: verdict("newsBlackout", {
      figure: undefined,
      limit: undefined,
      breached: true,
      reason: `news blackout ${iso(current.from)} to ${iso(current.to)} (${current.event})`,
      figures: { event: current.event, from: iso(current.from), to: iso(current.to), flattened: acted || ctx.flat },
      actions
    }),
    acted: !acted && ctx.flat ? key : undefined
  }
}
