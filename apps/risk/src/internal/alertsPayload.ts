/**
 * Pure parts of the alerts: the level of each event, the one-line text and the webhook's JSON body, and which
 * rule breaches are new in an engine status.
 */

/** The events, as in `AppConfig.AlertEvent`. */
export type Event = "breach" | "enforcement" | "escalation" | "session_conflict" | "degraded" | "recovered"

/** A log level an alert is logged at. */
export type Level = "error" | "warn" | "info"

/** What an alert carries. */
export interface Alert {
  readonly event: Event
  readonly message: string
  readonly level?: Level
  readonly account?: number
  readonly rule?: string
  readonly detail?: Readonly<Record<string, unknown>>
}

/** The level of an event when the alert does not give one. */
export const levelOf = (alert: Alert): Level => {
  if (alert.level !== undefined) return alert.level
  switch (alert.event) {
    case "breach":
    case "escalation":
    case "session_conflict":
      return "error"
    case "enforcement":
    case "degraded":
      return "warn"
    case "recovered":
      return "info"
  }
}

/** Discord refuses a `content` over 2000 characters. */
const maxText = 1900

/** `tradeguard ERROR breach · account 100001 · dailyLossLimit: day PnL -1001.85 <= -200.00`. */
export const textOf = (alert: Alert): string => {
  const where = [
    ...(alert.account === undefined ? [] : [`account ${alert.account}`]),
    ...(alert.rule === undefined ? [] : [alert.rule])
  ]
  const text = `tradeguard ${levelOf(alert).toUpperCase()} ${alert.event}${where.length > 0 ? ` · ${where.join(" · ")}` : ""}: ${alert.message}`
  return text.length > maxText ? `${text.slice(0, maxText - 1)}…` : text
}

/** The webhook's JSON body: `text` (Slack), `content` (Discord), the event, account, rule, time (ISO) and detail. */
export const bodyOf = (alert: Alert, at: string): Record<string, unknown> => {
  const text = textOf(alert)
  return {
    text,
    content: text,
    event: alert.event,
    level: levelOf(alert),
    ...(alert.account === undefined ? {} : { account: alert.account }),
    ...(alert.rule === undefined ? {} : { rule: alert.rule }),
    at,
    detail: alert.detail ?? {}
  }
}

/** A rule's verdict as the engine's status shows it (the part the alerts read). */
export interface RuleVerdict {
  readonly rule: string
  readonly figure: number | undefined
  readonly limit: number | undefined
  readonly breached: boolean
  readonly reason: string
}

/**
 * The breaches of `rules` not in `known` (the account's rules breached at the last status), and the new set:
 * a rule alerts once when it becomes breached, and again only after it was clear in between.
 */
export const newBreaches = (
  known: ReadonlySet<string>,
  rules: ReadonlyArray<RuleVerdict>
): readonly [ReadonlySet<string>, ReadonlyArray<RuleVerdict>] => {
  const now = new Set(rules.filter((r) => r.breached).map((r) => r.rule))
  return [now, rules.filter((r) => r.breached && !known.has(r.rule))]
}
