/**
 * The pure part of the metrics: how the services' snapshots and events become samples (hub state one-hot,
 * breaker state as a number, the distance to a limit, bounded outcome labels) and the bookkeeping that turns the
 * Enforcer's events into counts by rule and a latency from the start of an enforcement to its verification.
 * No Effect, no prom-client: tested alone.
 *
 * @internal
 */
import type { HubConnection, StateReconciler } from "@tradeguard/realtime"
import type { CircuitBreaker } from "@tradeguard/resilience"
import type { RiskEngine } from "@tradeguard/rules"

/** Every state a hub connection can be in: one sample each, 1 for the current one. */
export const hubStates: ReadonlyArray<HubConnection.ConnectionState["_tag"]> = [
  "Disconnected",
  "Connecting",
  "Connected",
  "Reconnecting",
  "Closed"
]

/** A circuit's state as a number: 0 closed, 1 half-open, 2 open. */
export const breakerValue = (state: CircuitBreaker.State["_tag"]): number =>
  state === "Closed" ? 0 : state === "HalfOpen" ? 1 : 2

/**
 * The rules breached when their figure falls to the limit (a loss: `dailyLossLimit`, `maxLossLimit`,
 * `positionMaxLoss`); every other rule is breached when its figure rises to (or over) the limit.
 */
export const floorRules: ReadonlySet<string> = new Set(["dailyLossLimit", "maxLossLimit", "positionMaxLoss"])

/**
 * How far a rule's figure is from its limit, in the rule's unit: positive while there is room, 0 or less once
 * breached; undefined when the rule has no figure or no limit (trading hours, an unknown PnL).
 */
export const limitDistance = (status: Pick<RiskEngine.RuleStatus, "rule" | "figure" | "limit">): number | undefined => {
  if (status.figure === undefined || status.limit === undefined) return undefined
  const d = floorRules.has(status.rule) ? status.figure - status.limit : status.limit - status.figure
  return Math.round(d * 100) / 100
}

/**
 * A bounded label of an enforcement step's outcome (`Done`, `OrderClosed`, `Rejected: ...`, `Unknown: ...`):
 * the tag before the first colon, so the detail never becomes a label value.
 */
export const outcomeLabel = (outcome: string): string => {
  const tag = outcome.split(":", 1)[0]!.trim()
  return tag === "" ? "unknown" : tag.slice(0, 40)
}

/** The seconds a token has left at `now` (epoch millis); 0 with no token (or an expired one). */
export const secondsLeft = (expiresAt: number | undefined, now: number): number =>
  expiresAt === undefined ? 0 : Math.max(0, Math.round((expiresAt - now) / 1000))

/** Each kind of reconciled event and how many a report found missed (kinds with 0 left out). */
export const missedKinds = (missed: StateReconciler.Counts): ReadonlyArray<readonly [string, number]> =>
  Object.entries(missed).filter(([, n]) => n > 0)

/** What an Enforcer event counts as. */
export type Counted =
  | { readonly _tag: "Started"; readonly account: string; readonly rule: string }
  | { readonly _tag: "Action"; readonly account: string; readonly rule: string; readonly action: string; readonly outcome: string }
  | {
    readonly _tag: "Verified"
    readonly account: string
    readonly rule: string
    /** From its start (as seen here) to its first verification; undefined when its start was not seen. */
    readonly latencySeconds: number | undefined
  }
  | { readonly _tag: "Escalated"; readonly account: string; readonly rule: string }

/** The Enforcer's events as this module reads them (a subset of `Enforcer.Event`). */
export type EnforcerEvent =
  | { readonly _tag: "Started"; readonly id: string; readonly accountId: number; readonly rule: string }
  | { readonly _tag: "ActionDone"; readonly id: string; readonly accountId: number; readonly step: { readonly action: string; readonly outcome: string } }
  | { readonly _tag: "Verified"; readonly id: string; readonly accountId: number; readonly at: number }
  | { readonly _tag: "Escalated"; readonly id: string; readonly accountId: number; readonly at: number }

/**
 * Follows the enforcements by id: the rule of each (its `Started` names it; `unknown` for one started before
 * the metrics), and the time it started, for the latency of its first verification. An enforcement is forgotten
 * once verified.
 */
export class EnforcementTracker {
  private readonly open = new Map<string, { readonly rule: string; readonly startedAt: number }>()

  /** `event` seen at `now` (epoch millis): what it counts as. */
  see(event: EnforcerEvent, now: number): Counted {
    const account = String(event.accountId)
    switch (event._tag) {
      case "Started":
        this.open.set(event.id, { rule: event.rule, startedAt: now })
        return { _tag: "Started", account, rule: event.rule }
      case "ActionDone":
        return {
          _tag: "Action",
          account,
          rule: this.ruleOf(event.id),
          action: event.step.action,
          outcome: outcomeLabel(event.step.outcome)
        }
      case "Escalated":
        return { _tag: "Escalated", account, rule: this.ruleOf(event.id) }
      case "Verified": {
        const known = this.open.get(event.id)
        this.open.delete(event.id)
        return {
          _tag: "Verified",
          account,
          rule: known?.rule ?? "unknown",
          latencySeconds: known === undefined ? undefined : Math.max(0, event.at - known.startedAt) / 1000
        }
      }
    }
  }

  /** The enforcements started and not verified yet. */
  get size(): number {
    return this.open.size
  }

  private ruleOf(id: string): string {
    return this.open.get(id)?.rule ?? "unknown"
  }
}
