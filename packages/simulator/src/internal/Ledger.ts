/**
 * Position accounting for one account and contract: netting a fill into the
 * position (average price, type + positive size), the half-turn legs it makes
 * (a closing leg carries profitAndLoss, an opening leg does not) and fees.
 *
 * @internal
 */

/** 0 Bid (buy), 1 Ask (sell). */
export type Side = 0 | 1
/** 1 Long, 2 Short. */
export type Direction = 1 | 2

export interface Holding {
  readonly type: Direction
  readonly size: number
  readonly averagePrice: number
}

/** One half-turn: `profitAndLoss` is present when the leg closes exposure. */
export interface HalfTurn {
  readonly size: number
  readonly profitAndLoss: number | undefined
}

export interface Netted {
  readonly holding: Holding | undefined
  readonly legs: ReadonlyArray<HalfTurn>
}

/** Rounds money to cents. */
export const cents = (x: number): number => Math.round(x * 100) / 100

const directionOf = (side: Side): Direction => (side === 0 ? 1 : 2)

/**
 * Nets a fill of `size` at `price` into `holding`. `pointValue` is the money
 * value of a move of 1.0 in price (tickValue / tickSize). A fill larger than
 * the opposite holding closes it and opens the rest the other way (two legs).
 */
export const net = (
  holding: Holding | undefined,
  side: Side,
  size: number,
  price: number,
  pointValue: number
): Netted => {
  const direction = directionOf(side)
  if (holding === undefined || holding.size === 0) {
    return {
      holding: { type: direction, size, averagePrice: price },
      legs: [{ size, profitAndLoss: undefined }]
    }
  }
  if (holding.type === direction) {
    const total = holding.size + size
    return {
      holding: { type: direction, size: total, averagePrice: (holding.averagePrice * holding.size + price * size) / total },
      legs: [{ size, profitAndLoss: undefined }]
    }
  }
  const closed = Math.min(size, holding.size)
  const sign = holding.type === 1 ? 1 : -1
  const pnl = cents((price - holding.averagePrice) * closed * pointValue * sign)
  const legs: Array<HalfTurn> = [{ size: closed, profitAndLoss: pnl }]
  const rest = size - closed
  if (rest > 0) {
    legs.push({ size: rest, profitAndLoss: undefined })
    return { holding: { type: direction, size: rest, averagePrice: price }, legs }
  }
  const remaining = holding.size - closed
  return { holding: remaining === 0 ? undefined : { ...holding, size: remaining }, legs }
}

/** The average price of executions (for `filledPrice`). */
export const averagePrice = (fills: ReadonlyArray<{ readonly price: number; readonly size: number }>): number => {
  let notional = 0, size = 0
  for (const f of fills) {
    notional += f.price * f.size
    size += f.size
  }
  return size === 0 ? 0 : notional / size
}
