/**
 * One handler per endpoint of the table: the decoded request and the caller's
 * session in, the reply payload (or a Rejection) out.
 *
 * @internal
 */
import type { Endpoints } from "@tradeguard/gateway"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type { Service as AuthService, Session } from "../Auth.js"
import type { Service as ExchangeService } from "../Exchange.js"
import type { Rejection } from "../Rejection.js"

export type Handler<E> = (
  session: Session | undefined,
  request: Endpoints.RequestOf<E>
) => Effect.Effect<Endpoints.ReplyOf<E>, Rejection>

export type Handlers = { readonly [K in Endpoints.EndpointName]: Handler<Endpoints.Endpoints[K]> }

/** The session of an authenticated endpoint (the REST layer has checked it). */
const user = (session: Session | undefined): number => {
  if (session === undefined) throw new Error("bug: an authenticated handler ran without a session")
  return session.userId
}

export const make = (exchange: ExchangeService, auth: AuthService): Handlers => ({
  authLoginKey: (_, r) => Effect.map(auth.loginKey(r.userName, r.apiKey), (t) => ({ token: Redacted.make(t) })),
  authLoginApp: (_, r) => Effect.map(auth.loginApp(r), (t) => ({ token: Redacted.make(t) })),
  authValidate: (s) =>
    Effect.suspend(() => Effect.map(auth.validate(s!), (t) => ({ newToken: Redacted.make(t) }))),
  authLogout: (s) => Effect.as(Effect.suspend(() => auth.logout(s!)), {}),
  accountSearch: (s, r) => Effect.suspend(() => Effect.map(exchange.accounts(user(s), r.onlyActiveAccounts), (accounts) => ({ accounts }))),
  contractSearch: (_, r) => Effect.map(exchange.searchContracts(r.searchText), (contracts) => ({ contracts })),
  contractSearchById: (_, r) => Effect.map(exchange.contractById(r.contractId), (contract) => ({ contract })),
  contractAvailable: () => Effect.map(exchange.availableContracts, (contracts) => ({ contracts })),
  historyRetrieveBars: (_, r) => Effect.map(exchange.bars(r), (bars) => ({ bars })),
  orderSearch: (s, r) => Effect.suspend(() => Effect.map(exchange.searchOrders(user(s), r), (orders) => ({ orders }))),
  orderSearchOpen: (s, r) =>
    Effect.suspend(() => Effect.map(exchange.searchOpenOrders(user(s), r), (orders) => ({ orders }))),
  orderPlace: (s, r) => Effect.suspend(() => Effect.map(exchange.place(user(s), r), (orderId) => ({ orderId }))),
  orderCancel: (s, r) => Effect.suspend(() => Effect.as(exchange.cancel(user(s), r), {})),
  orderModify: (s, r) => Effect.suspend(() => Effect.as(exchange.modify(user(s), r), {})),
  positionSearchOpen: (s, r) =>
    Effect.suspend(() => Effect.map(exchange.searchOpenPositions(user(s), r), (positions) => ({ positions }))),
  positionCloseContract: (s, r) => Effect.suspend(() => Effect.as(exchange.closeContract(user(s), r), {})),
  positionPartialCloseContract: (s, r) =>
    Effect.suspend(() => Effect.as(exchange.partialCloseContract(user(s), r), {})),
  tradeSearch: (s, r) => Effect.suspend(() => Effect.map(exchange.searchTrades(user(s), r), (trades) => ({ trades })))
})
