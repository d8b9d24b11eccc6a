/**
 * Realistic hub payloads for the decode benchmark, as the simulator sends
 * them: user events wrapped as `{action, data}`, null and absent fields left
 * out, 7-digit timestamps with `+00:00`, ids above 2^31, and every payload a
 * distinct object straight out of `JSON.parse` (as the SignalR client hands
 * them over).
 */
import { Models } from "../src/index.js"

const T0 = Date.UTC(2026, 7, 19, 14, 0, 0)
const ts = (i: number): string => Models.timestampFromMillis(T0 + i * 137)
const wire = <A>(a: A): A => JSON.parse(JSON.stringify(a))
const price = (i: number): number => 21_500 + (i % 40) * 0.25

/** A working limit order, a filled market order, a stop leg: the three shapes the simulator sends most. */
const order = (i: number) => {
  const base = {
    id: 3_408_995_735 + i,
    accountId: 465,
    contractId: "CON.F.US.MNQ.U26",
    symbolId: "F.US.MNQ",
    creationTimestamp: ts(i)
  }
  switch (i % 3) {
    case 0:
      return { ...base, status: 1, type: 1, side: i % 2, size: 1 + (i % 4), limitPrice: price(i), fillVolume: 0 }
    case 1:
      return {
        ...base,
        updateTimestamp: ts(i + 1),
        status: 2,
        type: 2,
        side: i % 2,
        size: 2,
        fillVolume: 2,
        filledPrice: price(i),
        customTag: `tag-${i}`
      }
    default:
      return {
        ...base,
        status: 8,
        type: 4,
        side: 1,
        size: 1,
        stopPrice: price(i) - 10,
        fillVolume: 0,
        parentOrderId: 3_408_995_735 + i - 1
      }
  }
}

/** An opening fill (no profitAndLoss) or a closing one. */
const trade = (i: number) => ({
  id: 1_209_870_553 + i,
  accountId: 465,
  contractId: "CON.F.US.MNQ.U26",
  creationTimestamp: ts(i),
  price: price(i),
  ...(i % 2 === 0 ? {} : { profitAndLoss: (i % 17) * 12.5 - 100 }),
  fees: 0.74,
  side: i % 2,
  size: 1 + (i % 3),
  voided: false,
  orderId: 3_408_995_735 + i
})

const position = (i: number) => ({
  id: 77 + (i % 5),
  accountId: 465,
  contractId: "CON.F.US.MNQ.U26",
  creationTimestamp: ts(i),
  type: 1 + (i % 2),
  size: 1 + (i % 4),
  averagePrice: price(i)
})

const account = (i: number) => ({
  id: 465,
  name: "EXPRESS-465",
  balance: 50_000 + i * 1.25,
  canTrade: true,
  isVisible: true,
  simulated: true
})

/** A quote delta: the fields that changed since the last one, with both timestamps. */
const quote = (i: number) => ({
  lastPrice: price(i),
  bestBid: price(i) - 0.25,
  bestAsk: price(i),
  ...(i % 4 === 0 ? { volume: 10_000 + i } : {}),
  change: (i % 40) * 0.25 - 5,
  changePercent: Number((((i % 40) * 0.25 - 5) / 215).toFixed(4)),
  lastUpdated: ts(i),
  timestamp: ts(i)
})

const make = <A>(n: number, f: (i: number) => A): ReadonlyArray<A> => Array.from({ length: n }, (_, i) => wire(f(i)))

/** `n` distinct payloads per kind: user events wrapped, quotes as `[contractId, quote]` arguments. */
export const payloads = (n: number) => ({
  order: make(n, (i) => ({ action: 1, data: order(i) })),
  trade: make(n, (i) => ({ action: 0, data: trade(i) })),
  position: make(n, (i) => ({ action: 1, data: position(i) })),
  account: make(n, (i) => ({ action: 1, data: account(i) })),
  quote: make(n, (i) => ["CON.F.US.MNQ.U26", quote(i)] as const)
})
