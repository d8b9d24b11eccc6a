/**
 * The benchmark's feed, shared by the simulator worker (which builds and
 * publishes it) and the client side (which recognises each event): event
 * `seq` (from {@link SEQ0}) has a fixed kind and carries `seq` where the
 * client can see it once AccountState holds it, so no timestamp has to fit
 * in a millisecond-resolution gateway field. The send time of every `seq` is
 * written by the worker into a shared Float64Array.
 *
 * The mix, per cycle of 8 events: 4 quotes (one per contract: bestBid, bestAsk,
 * lastPrice, volume = seq, timestamps), an order placed (working, Limit), a
 * trade, a position update, and the fill of the order placed in the same
 * cycle. That is 50% GatewayQuote, 25% GatewayUserOrder, 12.5%
 * GatewayUserTrade, 12.5% GatewayUserPosition, all of account 100001, as the
 * hubs send them (`{action, data}`, absent fields left out).
 */
import { Models } from "@tradeguard/gateway"

export const ACCOUNT = 100001
/** The demo user's id in the simulator (the first user). */
export const USER_ID = 1
export const CONTRACTS = ["CON.F.US.MNQ.Z26", "CON.F.US.MES.Z26", "CON.F.US.ENQ.Z26", "CON.F.US.EP.Z26"] as const
/** Above every volume the simulator's own first quote can have. */
export const SEQ0 = 10_000_000
export const ORDER_BASE = 3_400_000_000
export const TRADE_BASE = 3_700_000_000

export type Kind = "quote" | "orderPlaced" | "orderFilled" | "trade" | "position"
const cycle: ReadonlyArray<Kind> = ["quote", "orderPlaced", "quote", "trade", "quote", "position", "quote", "orderFilled"]

export const kindOf = (seq: number): Kind => cycle[(seq - SEQ0) % 8]!
/** The hub an event travels on. */
export const hubOf = (seq: number): "user" | "market" => (kindOf(seq) === "quote" ? "market" : "user")
/** The quote's contract (one per quote slot of the cycle). */
export const quoteContract = (seq: number): string => CONTRACTS[((seq - SEQ0) % 8) >> 1]!
const cycleStart = (seq: number) => seq - ((seq - SEQ0) % 8)
/** The order of a cycle: placed at slot 1, filled at slot 7, traded at slot 3. */
export const orderIdOf = (seq: number): number => ORDER_BASE + cycleStart(seq) + 1
export const tradeIdOf = (seq: number): number => TRADE_BASE + seq
export const positionContract = (seq: number): string => CONTRACTS[((cycleStart(seq) - SEQ0) >> 3) % 4]!

/** Shared memory between the worker and the client side. */
export interface Shared {
  /** Send time (performance.timeOrigin + performance.now(), ms) of `SEQ0 + i`. */
  readonly stamps: SharedArrayBuffer
  /** Int32 [0]: events the client has handled so far (flow control for the max-rate runs). */
  readonly control: SharedArrayBuffer
}

export const now = (): number => performance.timeOrigin + performance.now()

const price = (seq: number) => 21_000 + ((seq * 7) % 400) * 0.25

/** The exchange event for `seq`, as plain data (the worker wraps it). */
export const eventOf = (seq: number, at: string) => {
  const kind = kindOf(seq)
  switch (kind) {
    case "quote": {
      const p = price(seq)
      return {
        _tag: "QuoteUpdated" as const,
        contractId: quoteContract(seq),
        quote: { lastPrice: p, bestBid: p, bestAsk: p + 0.25, volume: seq, lastUpdated: at, timestamp: at }
      }
    }
    case "orderPlaced":
    case "orderFilled": {
      const filled = kind === "orderFilled"
      return {
        _tag: "OrderUpserted" as const,
        userId: USER_ID,
        order: new Models.Order({
          id: orderIdOf(seq),
          accountId: ACCOUNT,
          contractId: CONTRACTS[0],
          symbolId: "F.US.MNQ",
          creationTimestamp: at,
          updateTimestamp: at,
          status: filled ? 2 : 1,
          type: 1,
          side: seq % 2 === 0 ? 0 : 1,
          size: 1,
          limitPrice: price(seq),
          fillVolume: filled ? 1 : 0,
          ...(filled ? { filledPrice: price(seq) } : {}),
          customTag: `bench-${cycleStart(seq)}`
        }, true)
      }
    }
    case "trade":
      return {
        _tag: "TradeExecuted" as const,
        userId: USER_ID,
        trade: new Models.Trade({
          id: tradeIdOf(seq),
          accountId: ACCOUNT,
          contractId: CONTRACTS[0],
          creationTimestamp: at,
          price: price(seq),
          ...(seq % 16 < 8 ? {} : { profitAndLoss: 12.5 }),
          fees: 0.37,
          side: 0,
          size: 1,
          voided: false,
          orderId: orderIdOf(seq)
        }, true)
      }
    case "position":
      return {
        _tag: "PositionUpserted" as const,
        userId: USER_ID,
        position: new Models.Position({
          id: seq,
          accountId: ACCOUNT,
          contractId: positionContract(seq),
          creationTimestamp: at,
          type: 1,
          size: 1 + (seq % 5),
          averagePrice: price(seq)
        }, true)
      }
  }
}
