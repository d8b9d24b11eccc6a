/**
 * Pure helpers of the demo: one line per event, and a comparison of the
 * cached picture with the simulator's ground truth.
 *
 * @internal
 */
import { Enums, type Models } from "@tradeguard/gateway"
import type { AccountState, HubEvent } from "@tradeguard/realtime"
import * as HashMap from "effect/HashMap"

const origin = (e: { readonly reconciled: boolean }) => (e.reconciled ? "reconciled" : "live")

/** One line for a user event. */
export const describeEvent = (e: HubEvent.Account | HubEvent.Order | HubEvent.Position | HubEvent.Trade): string => {
  switch (e._tag) {
    case "Account":
      return `account ${e.account.id} balance ${e.account.balance.toFixed(2)} (${origin(e)})`
    case "Order": {
      const o = e.order
      return `order ${o.id} ${Enums.nameOf(Enums.OrderSide, o.side)} ${o.size} ${Enums.nameOf(Enums.OrderType, o.type)} ` +
        `${Enums.nameOf(Enums.OrderStatus, o.status)} filled ${o.fillVolume}${o.filledPrice !== undefined ? ` @ ${o.filledPrice}` : ""}` +
        `${o.customTag !== undefined ? ` tag ${o.customTag}` : ""} (${origin(e)})`
    }
    case "Position": {
      const p = e.position
      return p.size === 0
        ? `position ${p.contractId} closed (${origin(e)})`
        : `position ${p.contractId} ${Enums.nameOf(Enums.PositionType, p.type)} ${p.size} @ ${p.averagePrice} (${origin(e)})`
    }
    case "Trade": {
      const t = e.trade
      return `trade ${t.id} ${Enums.nameOf(Enums.OrderSide, t.side)} ${t.size} @ ${t.price}` +
        `${t.profitAndLoss !== undefined ? ` pnl ${t.profitAndLoss.toFixed(2)}` : ""} fees ${t.fees.toFixed(2)} (${origin(e)})`
    }
  }
}

export interface Truth {
  readonly account: Models.Account
  readonly openOrders: ReadonlyArray<Models.Order>
  readonly positions: ReadonlyArray<Models.Position>
  readonly trades: ReadonlyArray<Models.Trade>
}

/** Every difference between the cached state of `accountId` and the ground truth; empty when they agree. */
export const compareWithTruth = (mine: AccountState.Snapshot, truth: Truth, accountId: number): Array<string> => {
  const out: Array<string> = []
  const myOrders = new Map(
    [...HashMap.values(mine.orders)].filter((o) => o.accountId === accountId).map((o) => [o.id, o] as const)
  )
  for (const o of truth.openOrders) {
    const m = myOrders.get(o.id)
    if (m === undefined) out.push(`working order ${o.id} missing`)
    else if (m.status !== o.status || m.fillVolume !== o.fillVolume) out.push(`order ${o.id} differs`)
    myOrders.delete(o.id)
  }
  for (const id of myOrders.keys()) out.push(`order ${id} cached as working but not working`)
  const myPositions = new Map(
    [...HashMap.values(mine.positions)].filter((p) => p.accountId === accountId).map((p) => [p.contractId, p] as const)
  )
  for (const p of truth.positions) {
    const m = myPositions.get(p.contractId)
    if (m === undefined) out.push(`position ${p.contractId} missing`)
    else if (m.type !== p.type || m.size !== p.size || m.averagePrice !== p.averagePrice) out.push(`position ${p.contractId} differs`)
    myPositions.delete(p.contractId)
  }
  for (const c of myPositions.keys()) out.push(`position ${c} cached but closed`)
  const myTrades = new Set([...HashMap.values(mine.trades)].filter((t) => t.accountId === accountId).map((t) => t.id))
  for (const t of truth.trades) if (!myTrades.delete(t.id)) out.push(`trade ${t.id} missing`)
  for (const id of myTrades) out.push(`trade ${id} cached but unknown`)
  const acct = HashMap.get(mine.accounts, accountId)
  if (acct._tag === "None") out.push(`account ${accountId} missing`)
  else if (Math.abs(acct.value.balance - truth.account.balance) > 1e-6) {
    out.push(`balance ${acct.value.balance} != ${truth.account.balance}`)
  }
  return out
}
