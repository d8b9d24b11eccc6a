/**
 * The property test's oracle: each rule's figure computed from the simulator's ground truth with plain arithmetic,
 * independently of the rules' code (balances, sizes, counts; marks at the liquidation side of the pinned touch).
 */
import { Enums } from "@tradeguard/gateway"
import { Options as SimulatorOptions, Simulator } from "@tradeguard/simulator"
import * as Effect from "effect/Effect"
import { ACCOUNT } from "../utils/full.js"

/** What the oracle reads: the truth of the account and the touch of each contract. */
export interface Truth {
  readonly balance: number
  readonly positions: ReadonlyArray<{ readonly contractId: string; readonly size: number; readonly long: boolean; readonly averagePrice: number }>
  readonly trades: ReadonlyArray<{ readonly profitAndLoss: number | null | undefined; readonly voided: boolean }>
  readonly touch: ReadonlyMap<string, { readonly bid: number; readonly ask: number }>
}

const spec = (contractId: string) => SimulatorOptions.defaultContracts.find((c) => c.id === contractId)!

/** Reads the ground truth of the account now (no clock move, nothing settled). */
export const read = Effect.gen(function*() {
  const sim = yield* Simulator.Simulator
  const t = yield* Effect.orDie(sim.exchange.peek(ACCOUNT))
  const touch = new Map<string, { bid: number; ask: number }>()
  for (const p of t.positions) {
    const q = yield* Effect.orDie(sim.exchange.quote(p.contractId))
    touch.set(p.contractId, { bid: q.bestBid, ask: q.bestAsk })
  }
  const truth: Truth = {
    balance: t.account.balance,
    positions: t.positions.filter((p) => p.size > 0).map((p) => ({
      contractId: p.contractId,
      size: p.size,
      long: p.type === Enums.PositionType.Long,
      averagePrice: p.averagePrice
    })),
    trades: t.trades.map((x) => ({ profitAndLoss: x.profitAndLoss, voided: x.voided })),
    touch
  }
  return truth
})

/** One position's unrealized: marked at the liquidation side, in dollars, minus the closing fees. */
export const unrealizedOf = (truth: Truth, p: Truth["positions"][number]): number => {
  const c = spec(p.contractId)
  const touch = truth.touch.get(p.contractId)!
  const points = p.long ? touch.bid - p.averagePrice : p.averagePrice - touch.ask
  return (points / c.tickSize) * c.tickValue * p.size - c.feePerSide * p.size
}

/** Equity = balance + the unrealized of every open position. */
export const equity = (truth: Truth): number => truth.positions.reduce((s, p) => s + unrealizedOf(truth, p), truth.balance)

/** The sum of the open sizes (every weight 1). */
export const totalSize = (truth: Truth): number => truth.positions.reduce((s, p) => s + p.size, 0)

/** The open size of one contract. */
export const sizeOf = (truth: Truth, contractId: string): number =>
  truth.positions.filter((p) => p.contractId === contractId).reduce((s, p) => s + p.size, 0)

const counted = (truth: Truth) => truth.trades.filter((t) => !t.voided)

/** Opening fills: trades with no profitAndLoss. */
export const openingFills = (truth: Truth): number =>
  counted(truth).filter((t) => t.profitAndLoss === null || t.profitAndLoss === undefined).length

/** The longest run of closing fills in a row with profitAndLoss < 0. */
export const longestLosingRun = (truth: Truth): number => {
  let run = 0
  let best = 0
  for (const t of counted(truth)) {
    if (t.profitAndLoss === null || t.profitAndLoss === undefined) continue
    run = t.profitAndLoss < 0 ? run + 1 : 0
    best = Math.max(best, run)
  }
  return best
}

/** The worst open position's unrealized (0 with none). */
export const worstPosition = (truth: Truth): { readonly contractId: string | undefined; readonly unrealized: number } =>
  truth.positions.reduce<{ contractId: string | undefined; unrealized: number }>(
    (w, p) => {
      const u = unrealizedOf(truth, p)
      return u < w.unrealized ? { contractId: p.contractId, unrealized: u } : w
    },
    { contractId: undefined, unrealized: 0 }
  )
