/**
 * Chaos test 1's seeded trial, pure: the intents (market and limit orders, some with brackets, now and
 * then one the exchange rejects) and the phases of fault plans they are submitted under, all drawn from
 * one PRNG seeded with the trial's seed, so a seed names one trial exactly.
 *
 * Faults at a point of placement (`Order/place`): a 5xx before the endpoint runs (what the client sees of
 * a refused connection too: an ambiguous failure, nothing applied; the in-process client has no socket to
 * refuse), applied then the reply dropped (in-process: a transport failure, like a reset), applied then a
 * 5xx (`afterApply`), a stall past the request timeout (`api.timeout`, 30 s by default, not changed by
 * TestStack's fast config; in-process the stalled request is interrupted before it applies), and mixes.
 * Faults on the verification lookups (`Order/search`): 5xx and latency past `verification.timeout`. With
 * `loseHubEvents` (not in the CI run: see the regression cases), now and then the user hub loses events
 * too (so Order/search alone can tell what landed, and fills come only from lookups).
 */
import { Enums } from "@tradeguard/gateway"
import type { FaultPlan } from "@tradeguard/simulator"
import { Seeds } from "@tradeguard/testing"
import type { IntentRequest } from "../../src/OrderIntent.js"

/** mulberry32: a small seeded PRNG in [0, 1) (the test kit's). */
export const prng = Seeds.prng

/** The request timeout of the resilience config (`api.timeout`, ms) the stack runs with. */
export const requestTimeoutMillis = 30_000
/** `verification.timeout` (ms): one search round, and the re-check interval. */
export const verificationTimeoutMillis = 5_000

/** What a point of placement suffers in a phase. */
export type PlaceFault = "none" | "before5xx" | "afterApply5xx" | "dropReply" | "stall"
/** What the verification lookups suffer in a phase. */
export type SearchFault = "none" | "search5xx" | "slowSearch"

/** One intent of a trial, before its prices are set against the market. */
export interface IntentSpec {
  readonly key: string
  readonly kind: "market" | "restingLimit" | "marketableLimit" | "offTick"
  readonly side: Enums.OrderSide
  readonly size: number
  readonly offsetTicks: number
  readonly brackets: boolean
}

/** A phase: a fault plan, the intents submitted under it, and the simulated time before the next phase. */
export interface Phase {
  readonly place: ReadonlyArray<PlaceFault>
  readonly search: SearchFault
  readonly plan: FaultPlan.FaultPlan
  readonly intents: ReadonlyArray<IntentSpec>
  /** Simulated ms between two submissions of the phase. */
  readonly gapMillis: number
  /** Simulated ms after the phase's last submission. */
  readonly afterMillis: number
}

const int = (r: () => number, min: number, max: number) => min + Math.floor(r() * (max - min + 1))
const pick = <A>(r: () => number, as: ReadonlyArray<A>): A => as[Math.floor(r() * as.length)]!

const placeFaults: ReadonlyArray<PlaceFault> = ["before5xx", "afterApply5xx", "dropReply", "stall"]

/** The fault plan of a phase (one rule of each kind at most: the plan's shape). */
export const planOf = (
  r: () => number,
  place: ReadonlyArray<PlaceFault>,
  search: SearchFault,
  loseHubEvents = false
): FaultPlan.FaultPlan => {
  const p = () => 0.3 + 0.7 * r()
  const plan: { -readonly [K in keyof FaultPlan.FaultPlan]: FaultPlan.FaultPlan[K] } = { seed: int(r, 1, 2 ** 30) }
  const status = pick(r, [500, 502, 503, 504] as const)
  const fiveXx = place.find((f) => f === "before5xx" || f === "afterApply5xx")
  if (fiveXx !== undefined || search === "search5xx") {
    const endpoints = [...(fiveXx === undefined ? [] : ["orderPlace" as const]), ...(search === "search5xx" ? ["orderSearch" as const] : [])]
    // a few 5xx at random points (five in a row open the circuit breaker: later calls are not sent, Failed)
    plan.serverErrors = { probability: p(), status, endpoints, count: int(r, 1, 6), ...(fiveXx === "afterApply5xx" ? { afterApply: true } : {}) }
  }
  if (place.includes("dropReply")) plan.dropReply = { probability: p(), endpoints: ["orderPlace"], count: int(r, 1, 4) }
  const stall = place.includes("stall")
  if (stall || search === "slowSearch") {
    const endpoints = [...(stall ? ["orderPlace" as const] : []), ...(search === "slowSearch" ? ["orderSearch" as const] : [])]
    const minMillis = stall ? requestTimeoutMillis + 500 : verificationTimeoutMillis + 500
    plan.latency = { minMillis, maxMillis: minMillis + int(r, 0, 15_000), probability: p(), endpoints }
  }
  // now and then the user hub loses order events too, so only Order/search can tell (off by default)
  if (loseHubEvents && r() < 0.3) plan.hub = { hubs: ["user"], loseEvents: { probability: p() } }
  return plan
}

const intentOf = (r: () => number, key: string): IntentSpec => {
  const x = r()
  const kind = x < 0.45 ? "market" : x < 0.75 ? "restingLimit" : x < 0.93 ? "marketableLimit" : "offTick"
  return {
    key,
    kind,
    side: r() < 0.5 ? Enums.OrderSide.Bid : Enums.OrderSide.Ask,
    size: int(r, 1, 3),
    offsetTicks: int(r, 4, 40),
    brackets: kind !== "offTick" && r() < 0.35
  }
}

/** The trial of `seed`: 8-20 intents over 2-5 phases, each phase with its own faults. */
export const trialOf = (seed: number, options: { readonly loseHubEvents?: boolean } = {}): ReadonlyArray<Phase> => {
  const r = prng(seed)
  const total = int(r, 8, 20)
  const phases = int(r, 2, 5)
  const out: Array<Phase> = []
  let next = 0
  for (let i = 0; i < phases; i++) {
    const count = i === phases - 1 ? total - next : Math.min(total - next, int(r, 1, Math.ceil(total / phases) + 1))
    const mix = r() < 0.3
    const first = r() < 0.15 ? "none" : pick(r, placeFaults)
    const place = mix ? [...new Set([first, pick(r, placeFaults)])].filter((f) => f !== "none") : first === "none" ? [] : [first]
    const search = pick(r, ["none", "none", "search5xx", "slowSearch"] as const)
    const intents = Array.from({ length: count }, (_, j) => intentOf(r, `chaos1-${next + j + 1}`))
    next += count
    out.push({
      place: place.length === 0 ? ["none"] : place,
      search,
      plan: planOf(r, place, search, options.loseHubEvents),
      intents,
      gapMillis: int(r, 0, 3) * 1_000,
      afterMillis: int(r, 0, 20) * 1_000
    })
  }
  return out
}

/** The request of `spec` against the touch (`bid`/`ask`) and the tick size. */
export const requestOf = (
  spec: IntentSpec,
  touch: { readonly bid: number; readonly ask: number },
  tick: number,
  accountId: number,
  contractId: string
): IntentRequest => {
  const buy = spec.side === Enums.OrderSide.Bid
  const base = { accountId, contractId, side: spec.side, size: spec.size }
  const brackets = spec.brackets
    ? {
      stopLossBracket: { ticks: (buy ? -1 : 1) * (20 + spec.offsetTicks), type: Enums.OrderType.Stop },
      takeProfitBracket: { ticks: (buy ? 1 : -1) * (20 + spec.offsetTicks), type: Enums.OrderType.Limit }
    }
    : {}
  const onTick = (price: number) => Math.round(price / tick) * tick
  switch (spec.kind) {
    case "market":
      return { ...base, type: Enums.OrderType.Market, ...brackets }
    case "restingLimit":
      return { ...base, type: Enums.OrderType.Limit, limitPrice: onTick(buy ? touch.bid - spec.offsetTicks * tick : touch.ask + spec.offsetTicks * tick), ...brackets }
    case "marketableLimit":
      return { ...base, type: Enums.OrderType.Limit, limitPrice: onTick(buy ? touch.ask + 2 * tick : touch.bid - 2 * tick), ...brackets }
    case "offTick":
      // not a multiple of the tick size: the exchange rejects it (a definitive business rejection)
      return { ...base, type: Enums.OrderType.Limit, limitPrice: onTick(touch.bid) + tick / 3 }
  }
}
