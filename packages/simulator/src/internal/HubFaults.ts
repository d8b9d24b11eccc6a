/**
 * The hub rules of the fault plan as pure decisions: per event sent on a
 * connection (drop, stall, lose, delay, drawn in that order) and per connection
 * attempt (refuse). Hub rules draw from a PRNG of their own, so hub traffic
 * does not shift the REST faults of the same plan; `count` caps live in
 * {@link HubFaultState} and reset with the plan.
 *
 * @internal
 */
import type { FaultPlan, HubFaults } from "../FaultPlan.js"
import { hash32, Prng } from "./Prng.js"

export type HubName = "user" | "market"

export interface HubFaultState {
  readonly prng: Prng
  drops: number
  stalls: number
  losses: number
  delays: number
  refusals: number
  /** Every attempt until then is refused (a window opened by a refusal with `durationMillis`). */
  refuseUntil: number
  /** End of the `afterDrop` window opened by the last dropped connection, per hub. */
  readonly droppedUntil: Record<HubName, number>
}

export const initialHubState = (plan: FaultPlan, seed: number): HubFaultState => ({
  prng: new Prng(hash32(plan.seed ?? seed, 0x48554221)),
  drops: 0,
  stalls: 0,
  losses: 0,
  delays: 0,
  refusals: 0,
  refuseUntil: -1,
  droppedUntil: { user: -1, market: -1 }
})

/** What to do with one event about to be sent. */
export interface EventFault {
  /** End the connection instead of sending the event. */
  readonly drop: { readonly closeFrame: boolean; readonly error: string } | undefined
  /** Hold everything back before this event: for this long, or until the connection ends (`"end"`). */
  readonly stall: number | "end" | undefined
  /** Do not send the event. */
  readonly lose: boolean
  /** Send the event (and what follows) this much later. */
  readonly delayMillis: number
}

export const noEventFault: EventFault = { drop: undefined, stall: undefined, lose: false, delayMillis: 0 }

/** The hub rules that apply to `hub`, if any. */
export const rulesFor = (plan: FaultPlan, hub: HubName): HubFaults | undefined => {
  const h = plan.hub
  return h === undefined || (h.hubs !== undefined && !h.hubs.includes(hub)) ? undefined : h
}

/** True when `rules` have a per-event rule (so the pump must draw for every event). */
export const hasEventRules = (rules: HubFaults | undefined): rules is HubFaults =>
  rules !== undefined &&
  (rules.dropConnection !== undefined || rules.stallConnection !== undefined || rules.loseEvents !== undefined ||
    rules.delayEvents !== undefined)

const left = (count: number | undefined, used: number) => count === undefined || used < count

/** The faults of one event sent on a connection of a hub the `rules` apply to. */
export const decideEvent = (rules: HubFaults, s: HubFaultState): EventFault => {
  const d = rules.dropConnection
  if (d !== undefined && left(d.count, s.drops) && s.prng.chance(d.probability)) {
    s.drops++
    return {
      ...noEventFault,
      drop: { closeFrame: d.closeFrame === true, error: d.error ?? "simulated fault: connection dropped" }
    }
  }
  let stall: EventFault["stall"]
  const st = rules.stallConnection
  if (st !== undefined && left(st.count, s.stalls) && s.prng.chance(st.probability)) {
    s.stalls++
    stall = st.durationMillis ?? "end"
  }
  const l = rules.loseEvents
  if (l !== undefined && left(l.count, s.losses) && s.prng.chance(l.probability)) {
    s.losses++
    return { ...noEventFault, stall, lose: true }
  }
  let delayMillis = 0
  const de = rules.delayEvents
  if (de !== undefined && left(de.count, s.delays) && s.prng.chance(de.probability)) {
    s.delays++
    delayMillis = s.prng.between(Math.round(de.minMillis), Math.round(Math.max(de.minMillis, de.maxMillis ?? de.minMillis)))
  }
  return stall === undefined && delayMillis === 0 ? noEventFault : { ...noEventFault, stall, delayMillis }
}

/** Whether a connection attempt to `hub` is refused now, and with which HTTP status. */
export const decideConnect = (
  plan: FaultPlan,
  s: HubFaultState,
  hub: HubName,
  now: number
): { readonly status: 401 | 503 } | undefined => {
  const r = rulesFor(plan, hub)?.refuseReconnect
  if (r === undefined) return undefined
  const status = r.status ?? 503
  if (now < s.refuseUntil) return { status }
  if (r.afterDrop === true && now >= s.droppedUntil[hub]) return undefined
  if (!left(r.count, s.refusals) || !s.prng.chance(r.probability)) return undefined
  s.refusals++
  if (r.durationMillis !== undefined && r.afterDrop !== true) s.refuseUntil = now + r.durationMillis
  return { status }
}

/** Records a dropped connection: opens the `afterDrop` window of `refuseReconnect`. */
export const noteDrop = (plan: FaultPlan, s: HubFaultState, hub: HubName, now: number): void => {
  const r = rulesFor(plan, hub)?.refuseReconnect
  if (r?.afterDrop === true) s.droppedUntil[hub] = now + (r.durationMillis ?? 0)
}
