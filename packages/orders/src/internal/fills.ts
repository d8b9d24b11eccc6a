/**
 * The partial-fill tracker, pure: volume and average price per order from trade events (idempotent on the
 * trade id) and order events (there is no "partially filled" status on the gateway: `fillVolume < size`),
 * PartiallyFilled / Filled events, and the incomplete-order timeout counted from the FIRST fill.
 *
 * @internal
 */
import { Enums, type Models } from "@tradeguard/gateway"
import type { PartialFills } from "../OrderConfig.js"

/** What the tracker knows of one order. */
export interface OrderFills {
  readonly orderId: number
  /** The order's size, once known (from `track` or an order event). */
  readonly size?: number
  /** Fills seen as trades, by trade id: size and price. */
  readonly trades: ReadonlyMap<number, { readonly size: number; readonly price: number }>
  /** The latest order event's `fillVolume` / `filledPrice` (an average). */
  readonly reported?: { readonly fillVolume: number; readonly filledPrice: number | undefined }
  /** The gateway's status, once an order event was seen. */
  readonly status?: Enums.OrderStatus
  /** When the first fill was seen (ms, the shell's Clock). */
  readonly firstFillAt?: number
  /** The volume last announced (PartiallyFilled / Filled). */
  readonly announced: number
  /** The completeTimeout was reported. */
  readonly timedOut: boolean
}

/** Every tracked order, by id. */
export type Tracker = ReadonlyMap<number, OrderFills>

/** What the tracker reports. */
export type FillEvent =
  | { readonly _tag: "PartiallyFilled"; readonly orderId: number; readonly fillVolume: number; readonly avgPrice: number; readonly size: number }
  | { readonly _tag: "Filled"; readonly orderId: number; readonly fillVolume: number; readonly avgPrice: number }
  /** Not complete `completeTimeout` after its first fill; `cancelRest`: the shell cancels the remainder. */
  | {
    readonly _tag: "Incomplete"
    readonly orderId: number
    readonly fillVolume: number
    readonly size: number
    readonly action: PartialFills["onTimeout"]
  }

/** No order tracked. */
export const empty: Tracker = new Map()

const blank = (orderId: number): OrderFills => ({ orderId, trades: new Map(), announced: 0, timedOut: false })

/** The fill volume and average price of an order: the trades when they account for at least the reported volume. */
export const progress = (o: OrderFills): { readonly fillVolume: number; readonly avgPrice: number | undefined } => {
  let volume = 0
  let notional = 0
  for (const t of o.trades.values()) {
    volume += t.size
    notional += t.size * t.price
  }
  const reported = o.reported
  if (reported !== undefined && reported.fillVolume > volume) {
    return { fillVolume: reported.fillVolume, avgPrice: reported.filledPrice }
  }
  return { fillVolume: volume, avgPrice: volume === 0 ? undefined : notional / volume }
}

const announce = (tracker: Tracker, o: OrderFills): readonly [Tracker, ReadonlyArray<FillEvent>] => {
  const { avgPrice, fillVolume } = progress(o)
  const next = new Map(tracker)
  if (fillVolume <= o.announced || avgPrice === undefined) {
    next.set(o.orderId, o)
    return [next, []]
  }
  const done = o.size !== undefined && fillVolume >= o.size
  next.set(o.orderId, { ...o, announced: fillVolume })
  const event: FillEvent = done
    ? { _tag: "Filled", orderId: o.orderId, fillVolume, avgPrice }
    : { _tag: "PartiallyFilled", orderId: o.orderId, fillVolume, avgPrice, size: o.size ?? fillVolume }
  return [next, [event]]
}

/** Start tracking an order of known size (its placement); fills seen before are kept. */
export const track = (tracker: Tracker, orderId: number, size: number): readonly [Tracker, ReadonlyArray<FillEvent>] =>
  announce(tracker, { ...(tracker.get(orderId) ?? blank(orderId)), size })

/** A trade event (`GatewayUserTrade` or Trade/search): counted once per trade id; a voided trade is taken back. */
export const applyTrade = (tracker: Tracker, trade: Models.Trade, now: number): readonly [Tracker, ReadonlyArray<FillEvent>] => {
  const o = tracker.get(trade.orderId) ?? blank(trade.orderId)
  const seen = o.trades.has(trade.id)
  if (seen !== trade.voided) return [tracker, []]
  const trades = new Map(o.trades)
  if (trade.voided) trades.delete(trade.id)
  else trades.set(trade.id, { size: trade.size, price: trade.price })
  if (trade.voided) {
    const updated: OrderFills = { ...o, trades }
    const next = new Map(tracker)
    next.set(o.orderId, { ...updated, announced: Math.min(o.announced, progress(updated).fillVolume) })
    return [next, []]
  }
  const updated: OrderFills = { ...o, trades, firstFillAt: o.firstFillAt ?? now }
  return announce(tracker, updated)
}

/** An order event (`GatewayUserOrder` or Order/search): its size, status and reported fill volume / average. */
export const applyOrder = (tracker: Tracker, order: Models.Order, now: number): readonly [Tracker, ReadonlyArray<FillEvent>] => {
  const o = tracker.get(order.id) ?? blank(order.id)
  const filledPrice = order.filledPrice ?? undefined
  const firstFillAt = o.firstFillAt ?? (order.fillVolume > 0 ? now : undefined)
  const updated: OrderFills = {
    ...o,
    size: order.size,
    status: order.status,
    reported: { fillVolume: order.fillVolume, filledPrice },
    ...(firstFillAt === undefined ? {} : { firstFillAt })
  }
  return announce(tracker, updated)
}

/** When the next completeTimeout falls due (ms), if any: for the shell's timer. */
export const nextDeadline = (tracker: Tracker, config: PartialFills): number | undefined => {
  let next: number | undefined
  for (const o of tracker.values()) {
    if (!pendingTimeout(o)) continue
    const at = o.firstFillAt! + config.completeTimeout
    if (next === undefined || at < next) next = at
  }
  return next
}

const pendingTimeout = (o: OrderFills): boolean =>
  o.firstFillAt !== undefined && !o.timedOut && o.size !== undefined && progress(o).fillVolume < o.size &&
  (o.status === undefined || !Enums.isTerminalStatus(o.status))

/** Orders not complete `completeTimeout` after their first fill (and still working): reported once each. */
export const checkTimeouts = (tracker: Tracker, now: number, config: PartialFills): readonly [Tracker, ReadonlyArray<FillEvent>] => {
  const events: Array<FillEvent> = []
  const next = new Map(tracker)
  for (const o of tracker.values()) {
    if (!pendingTimeout(o) || now - o.firstFillAt! < config.completeTimeout) continue
    next.set(o.orderId, { ...o, timedOut: true })
    events.push({ _tag: "Incomplete", orderId: o.orderId, fillVolume: progress(o).fillVolume, size: o.size!, action: config.onTimeout })
  }
  return events.length === 0 ? [tracker, []] : [next, events]
}
