/** Gateway models for tests, with sensible defaults. */
import { Models } from "@tradeguard/gateway"

const T0 = "2026-08-19T14:00:00.000+00:00"

export const order = (p: Partial<Models.Order> & { readonly id: number }) =>
  new Models.Order({
    accountId: 465,
    contractId: "CON.F.US.MNQ.U26",
    creationTimestamp: T0,
    status: 1,
    type: 1,
    side: 0,
    size: 1,
    limitPrice: 21_500,
    fillVolume: 0,
    ...p
  })

export const trade = (p: Partial<Models.Trade> & { readonly id: number }) =>
  new Models.Trade({
    accountId: 465,
    contractId: "CON.F.US.MNQ.U26",
    creationTimestamp: T0,
    price: 21_500,
    fees: 0.37,
    side: 0,
    size: 1,
    voided: false,
    orderId: 1,
    ...p
  })
