/**
 * The seeded plan of a chaos session: for every simulated hour, which faults and breaches happen in it and at
 * which second (the bots trade all hour long; their pace is the session's). Pure: a seed and a length give one schedule, so a failing seed is replayed exactly.
 *
 * @internal
 */
import { Seeds } from "@tradeguard/testing"

/** Something the session does to the gateway or the daemon at one second of an hour. */
export type Disturbance =
  | { readonly _tag: "ServerErrors"; readonly seconds: number }
  | { readonly _tag: "DropReplies"; readonly seconds: number }
  | { readonly _tag: "RatePressure"; readonly reads: number }
  | { readonly _tag: "TokenExpiry" }
  | { readonly _tag: "ForcedLogout" }
  | { readonly _tag: "HubDrop"; readonly hub: "user" | "market" }
  | { readonly _tag: "HubStall"; readonly hub: "user" | "market"; readonly seconds: number }
  | { readonly _tag: "Breach"; readonly account: number }

/** One simulated hour: its length (seconds; the last hour may be cut short), and what happens at which second of it. */
export interface Hour {
  readonly seconds: number
  readonly events: ReadonlyArray<{ readonly at: number; readonly disturbance: Disturbance }>
}

/** What a schedule is drawn for. */
export interface ScheduleOptions {
  readonly seed: number
  /** Simulated hours (a fraction allowed: the last hour is cut short). */
  readonly hours: number
  /** How many accounts the bots trade (indices 0..n-1 in `Breach`). */
  readonly accounts: number
}

/** An integer in [min, max]. */
const int = (r: () => number, min: number, max: number) => min + Math.floor(r() * (max - min + 1))

/**
 * The schedule of `options`: one {@link Hour} per started simulated hour. Each hour gets a 5xx burst and
 * rate pressure with some chance, a dropped-replies window, hub drops and stalls, a token expiry every few hours,
 * a forced logout now and then, and a breach of a random account with chance 1/4 (the first hour always has one,
 * so a short session still proves enforcement).
 */
export const scheduleOf = (options: ScheduleOptions): ReadonlyArray<Hour> => {
  const r = Seeds.prng(options.seed ^ 0x0c4a05)
  const hours: Array<Hour> = []
  const count = Math.ceil(options.hours)
  for (let h = 0; h < count; h++) {
    const seconds = Math.min(3600, Math.round((options.hours - h) * 3600))
    const events: Array<{ at: number; disturbance: Disturbance }> = []
    const at = () => int(r, 0, Math.max(0, seconds - 1))
    if (r() < 0.5) events.push({ at: at(), disturbance: { _tag: "ServerErrors", seconds: int(r, 10, 60) } })
    if (r() < 0.5) events.push({ at: at(), disturbance: { _tag: "DropReplies", seconds: int(r, 20, 120) } })
    if (r() < 0.5) events.push({ at: at(), disturbance: { _tag: "RatePressure", reads: int(r, 100, 400) } })
    if (r() < 0.6) events.push({ at: at(), disturbance: { _tag: "HubDrop", hub: r() < 0.6 ? "user" : "market" } })
    if (r() < 0.2) {
      events.push({ at: at(), disturbance: { _tag: "HubStall", hub: r() < 0.5 ? "user" : "market", seconds: int(r, 30, 240) } })
    }
    if (r() < 0.25) events.push({ at: at(), disturbance: { _tag: "TokenExpiry" } })
    if (r() < 0.15) events.push({ at: at(), disturbance: { _tag: "ForcedLogout" } })
    if (h === 0 || r() < 0.25) {
      events.push({ at: Math.min(at(), Math.max(0, seconds - 120)), disturbance: { _tag: "Breach", account: int(r, 0, options.accounts - 1) } })
    }
    events.sort((a, b) => a.at - b.at)
    hours.push({ seconds, events })
  }
  return hours
}
