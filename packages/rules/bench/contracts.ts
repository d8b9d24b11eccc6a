/**
 * The bench's market: ten contracts with their real tick sizes and tick
 * values (each its own underlying, so their prices move independently), and
 * the tick arithmetic the bench does on them (prices as whole ticks, so no
 * float drift over hundreds of moves).
 *
 * @internal
 */
import type { Options } from "@tradeguard/simulator"

type ContractOptions = Options.ContractOptions

const future = (
  root: string,
  symbol: string,
  description: string,
  tickSize: number,
  tickValue: number,
  basePrice: number,
  feePerSide: number
): ContractOptions => ({
  id: `CON.F.US.${symbol}.Z26`,
  name: `${root}Z6`,
  description: `${description}: December 2026`,
  tickSize,
  tickValue,
  activeContract: true,
  symbolId: `F.US.${symbol}`,
  underlying: root,
  basePrice,
  feePerSide
})

/** MNQ, MES, M2K, MYM, MGC, MCL, NQ, ES, RTY, YM (December 2026). */
export const contracts: ReadonlyArray<ContractOptions> = [
  future("MNQ", "MNQ", "Micro E-mini Nasdaq-100", 0.25, 0.5, 21_500, 0.37),
  future("MES", "MES", "Micro E-mini S&P 500", 0.25, 1.25, 6_000, 0.37),
  future("M2K", "M2K", "Micro E-mini Russell 2000", 0.1, 0.5, 2_400, 0.37),
  future("MYM", "MYM", "Micro E-mini Dow", 1, 0.5, 44_000, 0.37),
  future("MGC", "MGC", "Micro Gold", 0.1, 1, 2_650, 0.62),
  future("MCL", "MCLE", "Micro WTI Crude Oil", 0.01, 1, 70, 0.62),
  future("NQ", "ENQ", "E-mini Nasdaq-100", 0.25, 5, 21_500, 1.4),
  future("ES", "EP", "E-mini S&P 500", 0.25, 12.5, 6_000, 1.4),
  future("RTY", "RTY", "E-mini Russell 2000", 0.1, 5, 2_400, 1.4),
  future("YM", "YM", "E-mini Dow", 1, 5, 44_000, 1.4)
]

/** The number of decimals of a tick size (0.25 → 2, 0.01 → 2, 1 → 0). */
const decimalsOf = (tickSize: number): number => {
  const s = String(tickSize)
  const dot = s.indexOf(".")
  return dot < 0 ? 0 : s.length - dot - 1
}

/** A price in whole ticks of `c` → the price, rounded to the tick's decimals. */
export const priceOf = (c: ContractOptions, ticks: number): number =>
  Number((ticks * c.tickSize).toFixed(decimalsOf(c.tickSize) + 1))

/** A price of `c` → whole ticks. */
export const ticksOf = (c: ContractOptions, price: number): number => Math.round(price / c.tickSize)

/** The loss of one contract of `c` over `ticks` ticks, in dollars. */
export const dollarsOf = (c: ContractOptions, ticks: number): number => ticks * c.tickValue
