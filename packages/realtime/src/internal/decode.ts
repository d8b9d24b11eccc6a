/**
 * Hub invocation (target, arguments) -> HubEvent, with the gateway's fast
 * decoders (`FastDecode`): the hand-written path accepts and builds exactly
 * what the hub Schemas do, and the Schema decode runs only for a payload it
 * turns down, to produce the error message. Pure; never throws.
 *
 * @internal
 */
import { FastDecode, HubEvents } from "@tradeguard/gateway"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as HubEvent from "../HubEvent.js"

/** The result of decoding one invocation. */
export type Decoded =
  | { readonly _tag: "Event"; readonly event: HubEvent.HubEvent }
  | { readonly _tag: "Invalid"; readonly target: string; readonly error: string }
  | { readonly _tag: "Unknown"; readonly target: string }

type Decoder = (args: ReadonlyArray<unknown>) => Decoded
/** A hub method and its decoder. */
type Entry = readonly [target: string, decoder: Decoder]
/** A `FastDecode.decodeX`: the fast path, then the Schema (for its error). */
type Decode<A> = (u: unknown) => Either.Either<A, ParseResult.ParseError>

const invalid = (target: string, error: string): Decoded => ({ _tag: "Invalid", target, error })
const event = (e: HubEvent.HubEvent): Decoded => ({ _tag: "Event", event: e })

const parseError = (target: string, e: ParseResult.ParseError): Decoded =>
  invalid(target, ParseResult.TreeFormatter.formatErrorSync(e))

/**
 * The user events' `{action, data}` wrapper is unwrapped here and the payload
 * decoded as its model Schema would: the same acceptance as
 * `HubEvents.GatewayUserOrder` & co. (wrapped or bare), without the cost of
 * their Union + transform on every event.
 */
const user = <A>(
  target: string,
  decode: Decode<A>,
  make: (a: A, action: number | undefined) => HubEvent.HubEvent
): Entry => [target, (args) => {
  if (args.length < 1) return invalid(target, "expected 1 argument")
  const input = args[0]
  const wrapped = typeof input === "object" && input !== null && "action" in input && "data" in input
  const action = wrapped ? (input as { readonly action: unknown }).action : undefined
  if (wrapped && typeof action !== "number") return invalid(target, "action must be a number")
  const r = decode(wrapped ? (input as { readonly data: unknown }).data : input)
  return Either.isRight(r) ? event(make(r.right, action as number | undefined)) : parseError(target, r.left)
}]

const market = <A>(
  target: string,
  decode: Decode<A>,
  make: (contractId: string, a: A) => HubEvent.HubEvent
): Entry => [target, (args) => {
  if (args.length < 2) return invalid(target, "expected 2 arguments (contractId, data)")
  const contractId = args[0]
  if (typeof contractId !== "string") return invalid(target, "contractId must be a string")
  const r = decode(args[1])
  return Either.isRight(r) ? event(make(contractId, r.right)) : parseError(target, r.left)
}]

/** Decoders of the user hub's server-to-client methods. */
export const userDecoders: Readonly<Record<string, Decoder>> = Object.fromEntries([
  user(HubEvents.UserHubEvents.account, FastDecode.decodeAccount, (a, action) => HubEvent.account(a, false, action)),
  user(HubEvents.UserHubEvents.order, FastDecode.decodeOrder, (o, action) => HubEvent.order(o, false, action)),
  user(HubEvents.UserHubEvents.position, FastDecode.decodePosition, (p, action) => HubEvent.position(p, false, action)),
  user(HubEvents.UserHubEvents.trade, FastDecode.decodeTrade, (t, action) => HubEvent.trade(t, false, action)),
  [HubEvents.UserHubEvents.logout, (args) => event(HubEvent.logout(args))] satisfies Entry
])

/** Decoders of the market hub's server-to-client methods. */
export const marketDecoders: Readonly<Record<string, Decoder>> = Object.fromEntries([
  market(HubEvents.MarketHubEvents.quote, FastDecode.decodeQuote, HubEvent.quote),
  market(HubEvents.MarketHubEvents.trade, FastDecode.decodeMarketTrades, HubEvent.marketTrades),
  market(HubEvents.MarketHubEvents.depth, FastDecode.decodeDepthEntries, HubEvent.depth)
])

/** A decoder for one hub: a table lookup and a fast decode (Schema fallback for errors). */
export const makeDecoder = (table: Readonly<Record<string, Decoder>>) =>
(target: string, args: ReadonlyArray<unknown>): Decoded => {
  const d = Object.prototype.hasOwnProperty.call(table, target) ? table[target] : undefined
  return d === undefined ? { _tag: "Unknown", target } : d(args)
}
