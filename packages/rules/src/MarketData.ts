/**
 * What the rules need besides the account picture: quotes for every contract
 * a watched account holds or works an order in (subscribed on the market hub
 * automatically, dropped when no longer needed), with their local receipt
 * time; the contracts' tick size and value (Contract/searchById, cached); the
 * REST fallback prices (the latest bar of History/retrieveBars) when quotes
 * are stale; and how long each hub has been down.
 *
 * @since 0.1.0
 */
import type { Models } from "@tradeguard/gateway"
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { BarPrice, QuoteSeen } from "./AccountView.js"

/**
 * The market data service.
 *
 * @since 0.1.0
 */
export interface Service {
  /** The contracts the watched accounts need now: new ones are subscribed (quotes) and looked up, others dropped. */
  readonly need: (contractIds: ReadonlySet<string>) => Effect.Effect<void>
  /** The latest quote of each subscribed contract, with its local receipt time. */
  readonly quotes: Effect.Effect<ReadonlyMap<string, QuoteSeen>>
  /** The contracts looked up so far (a failed lookup is retried on the next `need`). */
  readonly contracts: Effect.Effect<ReadonlyMap<string, Models.Contract>>
  /** Fetches the REST fallback price of a contract (rate-limited, cached for a short while); undefined when it cannot. */
  readonly barPrice: (contractId: string) => Effect.Effect<BarPrice | undefined>
  /** The REST fallback prices fetched so far. */
  readonly barPrices: Effect.Effect<ReadonlyMap<string, BarPrice>>
  /** Epoch millis since which the market hub is down (undefined: connected). */
  readonly marketHubDownSince: Effect.Effect<number | undefined>
  /** Epoch millis since which the user hub is down (undefined: connected). */
  readonly userHubDownSince: Effect.Effect<number | undefined>
}

/**
 * The market data's tag (its shape is {@link Service}).
 *
 * @since 0.1.0
 */
export class MarketData extends Context.Tag("@tradeguard/rules/MarketData")<MarketData, Service>() {}
