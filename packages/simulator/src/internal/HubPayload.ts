/**
 * What the hubs send, built once per message: the hub message as a JSON-ish
 * object (what the in-process API hands out, exactly what the wire carries
 * after `JSON.parse`) and, on demand, its frame (JSON + 0x1E), cached so an
 * event sent to several connections is stringified once. User events are
 * wrapped as `{action, data}` (1 upsert, 2 closed position, 0 trade, as the
 * live service) and absent or null fields are left out, as on the live hubs.
 *
 * @internal
 */
import { HubEvents, HubProtocol } from "@tradeguard/gateway"
import type { ExchangeEvent } from "../ExchangeEvent.js"

/**
 * One server-to-client message. Both forms are built on demand and kept: the
 * JSON-ish `message` (in-process) and the `frame` (sockets), so a connection
 * pays only for the form it uses.
 */
export class Outbound {
  private m: HubProtocol.HubMessage | undefined
  private f: string | undefined
  constructor(
    private readonly makeMessage: () => HubProtocol.HubMessage,
    private readonly encode: ((message: () => HubProtocol.HubMessage) => string) | undefined = undefined
  ) {}
  /** The message as the wire's JSON would parse (absent fields left out). */
  get message(): HubProtocol.HubMessage {
    return (this.m ??= this.makeMessage())
  }
  /** The frame: JSON + record separator. */
  get frame(): string {
    return (this.f ??= this.encode === undefined
      ? HubProtocol.encodeMessage(this.message)
      : this.encode(() => this.message))
  }
}

/** An Outbound of a message built already (pings, completions, Close). */
export const outbound = (message: HubProtocol.HubMessage): Outbound => new Outbound(() => message)

/** Frames of a batch back to back: one WebSocket message. */
export const framesOf = (batch: ReadonlyArray<Outbound>): string => {
  if (batch.length === 1) return batch[0]!.frame
  let out = ""
  for (const o of batch) out += o.frame
  return out
}

/** A copy of `o` without its null and undefined fields (models are flat). */
export const omitNulls = (o: object): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  const rec = o as Record<string, unknown>
  for (const k of Object.keys(rec)) {
    const v = rec[k]
    if (v !== null && v !== undefined) out[k] = v
  }
  return out
}

const prefixes = new Map<string, string>()
/** `{"type":1,"target":"<target>","arguments":` (cached per target). */
const prefixOf = (target: string): string => {
  let p = prefixes.get(target)
  if (p === undefined) {
    p = `{"type":1,"target":${JSON.stringify(target)},"arguments":`
    prefixes.set(target, p)
  }
  return p
}

/** A server invocation without invocationId (an event) with plain arguments. */
export const invocation = (target: string, args: ReadonlyArray<unknown>): Outbound =>
  new Outbound(
    () => HubProtocol.invocation(target, args),
    () => prefixOf(target) + JSON.stringify(args) + "}" + HubProtocol.RecordSeparator
  )

export const ping: Outbound = outbound(HubProtocol.ping)

/** The Close message (type 7) of an ending with one. */
export const closeMessage = (how: { readonly error: string | undefined; readonly allowReconnect?: boolean | undefined }) =>
  HubProtocol.close(how.error, how.allowReconnect)

/** The `{action, data}` wrapper of user events. */
export const Action = { Trade: 0, Upsert: 1, Closed: 2 } as const

/**
 * A user event. The frame stringifies the model itself: JSON leaves its
 * undefined fields out, and a model never holds null (optional fields are
 * absent when decoded or built), so no copy is made on the socket path.
 */
const user = (target: string, action: number, model: object) =>
  new Outbound(
    () => HubProtocol.invocation(target, [{ action, data: omitNulls(model) }]),
    () =>
      prefixOf(target) + `[{"action":${action},"data":` + JSON.stringify(model) + "}]}" + HubProtocol.RecordSeparator
  )

const { UserHubEvents: U, MarketHubEvents: M } = HubEvents

/**
 * The invocation an exchange event becomes on the hub (subscriptions aside),
 * or undefined for events that are not sent as such (Logout).
 */
export const toOutbound = (event: ExchangeEvent): Outbound | undefined => {
  switch (event._tag) {
    case "AccountUpdated":
      return user(U.account, Action.Upsert, event.account)
    case "OrderUpserted":
      return user(U.order, Action.Upsert, event.order)
    case "PositionUpserted":
      return user(U.position, Action.Upsert, event.position)
    case "PositionClosed":
      return user(U.position, Action.Closed, event.position)
    case "TradeExecuted":
      return user(U.trade, Action.Trade, event.trade)
    case "QuoteUpdated":
      return invocation(M.quote, [event.contractId, omitNulls(event.quote)])
    case "MarketTrades":
      return invocation(M.trade, [event.contractId, event.trades.map(omitNulls)])
    case "DepthUpdated":
      return invocation(M.depth, [event.contractId, event.entries.map(omitNulls)])
    case "Logout":
      return undefined
  }
}

const memo: unique symbol = Symbol.for("@tradeguard/simulator/HubPayload/outbound")

/**
 * {@link toOutbound}, memoized on the event object itself (a non-enumerable
 * symbol property: invisible to equality, keys and JSON). Every connection
 * receives the same event objects from the exchange, so the payload and its
 * frame are built once however many connections send it, and a lone
 * connection pays no cache lookup beyond a property read.
 */
export const outboundOf = (event: ExchangeEvent): Outbound | undefined => {
  const holder = event as unknown as { [memo]?: Outbound }
  const cached = holder[memo]
  if (cached !== undefined) return cached
  const o = toOutbound(event)
  if (o !== undefined) Object.defineProperty(event, memo, { value: o, enumerable: false })
  return o
}
