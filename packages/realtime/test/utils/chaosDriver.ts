/**
 * The traffic and the disturbances of the seed's chaos test 3, driven one
 * simulated second at a time with a seeded PRNG (same seed, same run):
 *
 * - orders straight into the simulator's exchange (no REST, so no rate limit
 *   shapes the load): market orders on several accounts and contracts (each a
 *   pending and a filled order event, a trade, a position and a balance
 *   update), resting limits far from the market, near-market limits that the
 *   price process fills later, cancels, and now and then a flattening close;
 * - operator drops of a random hub at random times (with or without a Close
 *   message) and stalls past the stale threshold, on top of the fault plan's
 *   own drops, stalls, lost events and refused reconnects.
 */
import type { Simulator } from "@tradeguard/simulator"
import * as Effect from "effect/Effect"

/** mulberry32: a small, fast, seeded PRNG in [0, 1). */
export const prng = (seed: number): (() => number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface DriverOptions {
  readonly userId: number
  readonly accounts: ReadonlyArray<number>
  readonly contracts: ReadonlyArray<string>
  /** Market orders per account per second. */
  readonly marketOrdersPerSecond: number
  /** Chance per second of an operator drop (one hub, at random). */
  readonly dropChancePerSecond: number
  /** Chance per second of an operator stall of one hub, long enough for the stale watchdog. */
  readonly stallChancePerSecond: number
}

export interface DriverStats {
  marketOrders: number
  limitOrders: number
  cancels: number
  closes: number
  /** Cancels of an order that had filled meanwhile, closes of a flat position: the gateway says no. */
  rejections: number
  operatorDrops: number
  operatorStalls: number
}

/** One second of traffic and operator drops. Rejections (a cancel of an order that just filled) are counted, not fatal. */
export const makeDriver = (sim: Simulator.Service, o: DriverOptions, random: () => number) => {
  const stats: DriverStats = {
    marketOrders: 0,
    limitOrders: 0,
    cancels: 0,
    closes: 0,
    rejections: 0,
    operatorDrops: 0,
    operatorStalls: 0
  }
  const rejected: Record<string, number> = {}
  const resting = new Map<number, Array<number>>(o.accounts.map((a) => [a, []]))
  const pick = <A>(xs: ReadonlyArray<A>): A => xs[Math.floor(random() * xs.length)]!
  const onTick = (price: number) => Math.round(price * 4) / 4
  const tolerate = <A, E>(what: string, e: Effect.Effect<A, E>) =>
    Effect.catchAll(Effect.asVoid(e), () =>
      Effect.sync(() => {
        stats.rejections++
        rejected[what] = (rejected[what] ?? 0) + 1
      }))

  const second = Effect.gen(function*() {
    for (const accountId of o.accounts) {
      for (let i = 0; i < o.marketOrdersPerSecond; i++) {
        stats.marketOrders++
        const size = 1 + Math.floor(random() * 3)
        yield* tolerate("market", sim.exchange.place(o.userId, {
          accountId,
          contractId: pick(o.contracts),
          type: 2,
          side: random() < 0.5 ? 0 : 1,
          size
        }))
      }
      const contractId = pick(o.contracts)
      const q = yield* Effect.orDie(sim.exchange.quote(contractId))
      const near = random() < 0.5
      const side: 0 | 1 = random() < 0.5 ? 0 : 1
      const limitPrice = near
        ? (side === 0 ? q.bestBid - 0.25 * Math.floor(random() * 3) : q.bestAsk + 0.25 * Math.floor(random() * 3))
        : onTick(side === 0 ? q.bestBid * 0.8 : q.bestAsk * 1.2)
      stats.limitOrders++
      const placed = yield* Effect.either(
        sim.exchange.place(o.userId, { accountId, contractId, type: 1, side, size: 1 + Math.floor(random() * 2), limitPrice })
      )
      const mine = resting.get(accountId)!
      if (placed._tag === "Right") mine.push(placed.right)
      else yield* tolerate("limit", Effect.fail(placed.left))
      if (mine.length > 4 || random() < 0.3) {
        const orderId = mine.splice(Math.floor(random() * mine.length), 1)[0]
        if (orderId !== undefined) {
          stats.cancels++
          yield* tolerate("cancel", sim.exchange.cancel(o.userId, { accountId, orderId }))
        }
      }
      if (random() < 0.01) {
        stats.closes++
        yield* tolerate("close", sim.exchange.closeContract(o.userId, { accountId, contractId: pick(o.contracts) }))
      }
    }
    if (random() < o.dropChancePerSecond) {
      stats.operatorDrops++
      yield* sim.hubs.drop(
        { hub: random() < 0.5 ? "user" : "market" },
        { closeFrame: random() < 0.3, error: "chaos: operator drop" }
      )
    }
    if (random() < o.stallChancePerSecond) {
      stats.operatorStalls++
      yield* sim.hubs.stall({ hub: random() < 0.5 ? "user" : "market" }, "150 seconds")
    }
  })

  return { second, stats, rejected }
}
