/** Gateway models for tests, with sensible defaults. */
import { Models } from "@tradeguard/gateway"

export const ts = (millis: number): string => Models.timestampFromMillis(millis)

/** 2026-08-19T14:00:00Z: a trading day afternoon. */
export const T0 = Date.UTC(2026, 7, 19, 14, 0, 0)

export const account = (p: Partial<Models.Account> = {}) =>
  new Models.Account({ id: 465, name: "EXPRESS-465", balance: 50_000, canTrade: true, isVisible: true, ...p })

export const order = (p: Partial<Models.Order> & { readonly id: number }) =>
  new Models.Order({
    accountId: 465,
    contractId: "CON.F.US.MNQ.U26",
    creationTimestamp: ts(T0),
    status: 1,
    type: 1,
    side: 0,
    size: 1,
    limitPrice: 21_500,
    fillVolume: 0,
    ...p
  })

export const position = (p: Partial<Models.Position> = {}) =>
  new Models.Position({
    id: 77,
    accountId: 465,
    contractId: "CON.F.US.MNQ.U26",
    creationTimestamp: ts(T0),
    type: 1,
    size: 1,
    averagePrice: 21_500,
    ...p
  })

export const trade = (p: Partial<Models.Trade> & { readonly id: number }) =>
  new Models.Trade({
    accountId: 465,
    contractId: "CON.F.US.MNQ.U26",
    creationTimestamp: ts(T0),
    price: 21_500,
    fees: 0.37,
    side: 0,
    size: 1,
    voided: false,
    orderId: 1,
    ...p
  })

/** The wire form of a model (what a hub or REST would send). */
export const wire = (m: object): Record<string, unknown> => JSON.parse(JSON.stringify(m))
