/**
 * Readable tables of `tradeguard status` and `tradeguard audit`.
 *
 * @internal
 */
import type * as Status from "../Status.js"

/** Left-aligned columns separated by two spaces, a header line, no trailing spaces. */
export const table = (headers: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()
  return [line(headers), ...rows.map(line)].join("\n")
}

const money = (n: number | null): string =>
  n === null ? "?" : n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })

const num = (n: number | null): string =>
  n === null ? "-" : Number.isInteger(n) ? String(n) : n.toFixed(2)

/** `2026-12-02 14:05:09Z` from an ISO string. */
const when = (iso: string | null): string => (iso === null ? "-" : iso.replace("T", " ").replace(/\.\d+Z$/, "Z"))

/** The status as sections of tables. */
export const renderStatus = (s: Status.Status): string => {
  const out: Array<string> = []
  out.push(`ready: ${s.ready ? "yes" : "no"}   phase: ${s.phase}`)
  for (const r of s.reasons) out.push(`  - ${r.code}: ${r.detail}`)
  out.push("", "ACCOUNTS")
  if (s.accounts.length === 0) out.push("(none yet)")
  else {
    const rows: Array<Array<string>> = []
    for (const a of s.accounts) {
      const base = [String(a.id), a.mode, money(a.equity), money(a.dayPnl)]
      if (a.rules.length === 0) rows.push([...base, "-", "-", "-", ""])
      for (const r of a.rules) rows.push([...base, r.rule, num(r.figure), num(r.limit), r.breached ? "BREACHED" : "ok"])
    }
    out.push(table(["account", "mode", "equity", "day PnL", "rule", "figure", "limit", "state"], rows))
    const degraded = s.accounts.flatMap((a) => a.degraded.map((d) => `  ${a.id}: ${d}`))
    if (degraded.length > 0) out.push("degraded:", ...degraded)
  }
  const locked = s.accounts.filter((a) => a.lock !== null)
  out.push("", "LOCKS")
  out.push(
    locked.length === 0
      ? "(none)"
      : table(
        ["account", "rule", "since", "until", "reason"],
        locked.map((a) => [String(a.id), a.lock!.rule, when(a.lock!.since), when(a.lock!.until) === "-" ? "unlock only" : when(a.lock!.until), a.lock!.reason])
      )
  )
  out.push("", "HUBS")
  out.push(
    s.hubs.length === 0 ? "(none yet)" : table(
      ["hub", "state", "healthy", "reconnects", "last message"],
      s.hubs.map((h) => [h.hub, h.state, h.healthy ? "yes" : "no", String(h.reconnects), h.lastMessageAgeMs === null ? "-" : `${h.lastMessageAgeMs} ms ago`])
    )
  )
  out.push("", "BREAKERS")
  out.push(
    s.breakers.length === 0 ? "(none yet)" : table(
      ["group", "state", "half-opens at", "failures"],
      s.breakers.map((b) => [b.group, b.state, when(b.halfOpensAt), String(b.failures)])
    )
  )
  out.push("", "LIMITER")
  out.push(
    s.limiter === null ? "(none yet)" : [
      table(["window", "used", "limit", "in flight"], s.limiter.windows.map((w) => [w.window, String(w.used), String(w.limit), String(w.inFlight)])),
      `queue depth: ${s.limiter.queueDepth}`
    ].join("\n")
  )
  out.push("", "LAST RECONCILIATION")
  const r = s.lastReconciliation
  out.push(r === null ? "(none yet)" : `${when(r.at)}  ${r.trigger}: ${r.accounts} account(s), ${r.missed} missed event(s), ${r.conflicts} conflict(s)`)
  out.push("", "LAST ENFORCEMENTS")
  out.push(s.lastEnforcements.length === 0 ? "(none)" : auditTable(s.lastEnforcements))
  return out.join("\n")
}

/** The audit records as one table. */
export const auditTable = (lines: ReadonlyArray<Status.EnforcementLine>): string =>
  table(
    ["time", "account", "rule", "kind", "action", "outcome", "reason"],
    lines.map((l) => [when(l.at), String(l.account), l.rule, l.kind, l.action ?? "-", l.outcome, l.reason])
  )
