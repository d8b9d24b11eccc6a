/**
 * The fault plan's decisions for one REST request, drawn from the plan's PRNG
 * in a fixed order (latency, burst, 5xx, drop) and only for the rules that
 * apply to the endpoint, so the same requests give the same faults.
 *
 * @internal
 */
import type { FaultPlan } from "../FaultPlan.js"
import { Prng } from "./Prng.js"
import { retryAfterSeconds } from "./SlidingWindow.js"

export interface FaultState {
  prng: Prng
  serverErrors: number
  bursts: number
  drops: number
  burstUntil: number
}

export const initialState = (plan: FaultPlan, seed: number): FaultState => ({
  prng: new Prng(plan.seed ?? seed),
  serverErrors: 0,
  bursts: 0,
  drops: 0,
  burstUntil: -1
})

export interface Decision {
  readonly delayMillis: number
  /** Answer with this instead of running the endpoint. */
  readonly early: { readonly _tag: "RateLimited"; readonly retryAfterSeconds: number } | {
    readonly _tag: "ServerError"
    readonly status: number
  } | undefined
  /** Run the endpoint, then answer with this status (mutating endpoints only). */
  readonly lateServerError: number | undefined
  /** Run the endpoint, then drop the reply. */
  readonly dropReply: boolean
}

export const noFault: Decision = { delayMillis: 0, early: undefined, lateServerError: undefined, dropReply: false }

const applies = (endpoints: ReadonlyArray<string> | undefined, name: string) =>
  endpoints === undefined || endpoints.includes(name)

const left = (count: number | undefined, used: number) => count === undefined || used < count

export const decide = (
  plan: FaultPlan,
  s: FaultState,
  endpoint: { readonly name: string; readonly mutating: boolean },
  now: number
): Decision => {
  let delayMillis = 0
  const l = plan.latency
  if (l !== undefined && applies(l.endpoints, endpoint.name) && s.prng.chance(l.probability ?? 1)) {
    delayMillis = s.prng.between(Math.round(l.minMillis), Math.round(Math.max(l.minMillis, l.maxMillis ?? l.minMillis)))
  }
  const b = plan.rateLimitBursts
  if (b !== undefined && applies(b.endpoints, endpoint.name)) {
    if (now >= s.burstUntil && left(b.count, s.bursts) && s.prng.chance(b.probability)) {
      s.bursts++
      s.burstUntil = now + b.durationMillis
    }
    if (now < s.burstUntil) {
      const retry = b.retryAfterSeconds ?? retryAfterSeconds(s.burstUntil - now)
      return { ...noFault, delayMillis, early: { _tag: "RateLimited", retryAfterSeconds: retry } }
    }
  }
  let lateServerError: number | undefined
  const e = plan.serverErrors
  if (e !== undefined && applies(e.endpoints, endpoint.name) && left(e.count, s.serverErrors) && s.prng.chance(e.probability)) {
    s.serverErrors++
    const status = e.status ?? 503
    if (!(e.afterApply === true && endpoint.mutating)) {
      return { ...noFault, delayMillis, early: { _tag: "ServerError", status } }
    }
    lateServerError = status
  }
  const d = plan.dropReply
  let dropReply = false
  if (
    d !== undefined && endpoint.mutating && lateServerError === undefined && applies(d.endpoints, endpoint.name) &&
    left(d.count, s.drops) && s.prng.chance(d.probability)
  ) {
    s.drops++
    dropReply = true
  }
  return { delayMillis, early: undefined, lateServerError, dropReply }
}
