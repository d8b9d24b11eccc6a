/**
 * The engine's decisions, pure: which breached verdicts (and which findings
 * of an active lock) become a request to the Enforcer now.
 *
 * A decision is keyed by its rule and its actions. A key seen for the first
 * time is a decision; while the same verdict stays breached, it is decided
 * again only when the account shows exposure it did not show at the previous
 * evaluation (a new working order, a new position, a position grown), so a
 * breach is logged, audited and sent once per decision, not every second,
 * and something opened during or after an enforcement is still acted on.
 * A key no longer breached is forgotten (breaching again is a new decision).
 *
 * An active lock that finds a working order or a position ("whichever
 * front-end opened it") decides a flatten (no new lock), unless a rule's
 * flatten is decided in the same evaluation.
 *
 * @internal
 */
import type { Models } from "@tradeguard/gateway"
import type { ActiveLock } from "../../AccountView.js"
import type { Request } from "../../Enforcer.js"
import type { Action, LockEnd, Verdict } from "../../Verdict.js"

/** What the account exposes: working orders by `o:<id>` (their size), positions by `p:<contract>:<type>` (their size). */
export type Exposure = ReadonlyMap<string, number>

/** The exposure of an account's positions and working orders. */
export const exposureOf = (
  positions: ReadonlyArray<Models.Position>,
  orders: ReadonlyArray<Models.Order>
): Exposure => {
  const out = new Map<string, number>()
  for (const o of orders) out.set(`o:${o.id}`, o.size)
  for (const p of positions) out.set(`p:${p.contractId}:${p.type}`, p.size)
  return out
}

/** Whether `current` shows an order or position `previous` did not, or a bigger one. */
export const grew = (previous: Exposure, current: Exposure): boolean => {
  for (const [key, size] of current) {
    const before = previous.get(key)
    if (before === undefined || size > before) return true
  }
  return false
}

/** One decision: the request for the Enforcer, and the lock to set first (flatten-and-lock rules). */
export interface Decision {
  readonly key: string
  readonly request: Request
  readonly lock: LockEnd | undefined
}

/** What the engine remembers between evaluations: the exposure at the last evaluation of each decided key. */
export type Tracked = ReadonlyMap<string, Exposure>

/** The key of a verdict's decision. */
export const keyOf = (verdict: Verdict): string => `${verdict.rule}|${JSON.stringify(verdict.actions)}`

/** The lock a verdict's actions ask for (the first `Flatten` with a lock). */
export const lockOf = (actions: ReadonlyArray<Action>): LockEnd | undefined => {
  for (const a of actions) if (a._tag === "Flatten" && a.lock !== undefined) return a.lock
  return undefined
}

const lockKey = "lock"

/** The decisions of one evaluation, and what to remember for the next one. */
export const decide = (input: {
  readonly accountId: number
  readonly verdicts: ReadonlyArray<Verdict>
  readonly lock: ActiveLock | undefined
  readonly exposure: Exposure
  readonly tracked: Tracked
}): { readonly decisions: ReadonlyArray<Decision>; readonly tracked: Tracked } => {
  const { accountId, exposure, lock, tracked, verdicts } = input
  const next = new Map<string, Exposure>()
  const decisions: Array<Decision> = []
  const due = (key: string) => {
    const before = tracked.get(key)
    next.set(key, exposure)
    return before === undefined || grew(before, exposure)
  }
  for (const v of verdicts) {
    if (!v.breached || v.actions.length === 0) continue
    const key = keyOf(v)
    if (next.has(key) || !due(key)) continue
    decisions.push({
      key,
      request: { accountId, rule: v.rule, reason: v.reason, figures: v.figures, actions: v.actions },
      // the lock this rule set is in force already: not set again on a re-decision
      lock: lock?.rule === v.rule ? undefined : lockOf(v.actions)
    })
  }
  // A lock decided now is in force from the next evaluation on: what the account shows now is its flatten's work.
  const locking = decisions.some((d) => d.lock !== undefined)
  if ((lock !== undefined || locking) && exposure.size > 0 && due(lockKey) && lock !== undefined) {
    const flattening = decisions.some((d) => d.request.actions.some((a) => a._tag === "Flatten"))
    if (!flattening) decisions.push({ key: lockKey, request: lockRequest(accountId, lock, exposure), lock: undefined })
  }
  return { decisions, tracked: next }
}

/** The request of an active lock that finds orders or positions: flatten (the lock stays as it is). */
export const lockRequest = (accountId: number, lock: ActiveLock, exposure: Exposure): Request => {
  const orders = [...exposure.keys()].filter((k) => k.startsWith("o:")).map((k) => Number(k.slice(2)))
  const positions = [...exposure.keys()].filter((k) => k.startsWith("p:")).map((k) => k.slice(2, k.lastIndexOf(":")))
  return {
    accountId,
    rule: "lock",
    reason: `locked by ${lock.rule} (${lock.reason}): found ${orders.length} working order(s) and ${positions.length} position(s)`,
    figures: { lockRule: lock.rule, lockReason: lock.reason, lockSince: lock.since, lockUntil: lock.until, orders, positions },
    actions: [{ _tag: "Flatten", lock: undefined }]
  }
}
