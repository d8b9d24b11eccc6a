/**
 * The pure core of an enforcement: what the merged actions need (`needsOf`), what is still to do on a
 * picture of the account (`planOf`: the cancels first, then the closes, then the reductions) and whether
 * the picture is done (`remainingOf`, empty = done; for `Flatten` that is Flat: no open position and no
 * order in status 1 Open, 6 Pending, 7 PendingCancellation or 8 Suspended).
 *
 * @internal
 */
import { Enums, type Models } from "@tradeguard/gateway"
import type { Action } from "../../Verdict.js"

/** The statuses of a working order (Flat means none of them). */
export const workingStatuses: ReadonlySet<number> = new Set([
  Enums.OrderStatus.Open,
  Enums.OrderStatus.Pending,
  Enums.OrderStatus.PendingCancellation,
  Enums.OrderStatus.Suspended
])

/** Working orders a cancel is sent to (PendingCancellation is already being cancelled: it is waited for). */
const cancellable: ReadonlySet<number> = new Set([Enums.OrderStatus.Open, Enums.OrderStatus.Pending, Enums.OrderStatus.Suspended])

/** What an enforcement's actions need, merged. */
export interface Needs {
  readonly flatten: boolean
  /** Contracts whose position is closed (and every working order on them cancelled first). */
  readonly close: ReadonlySet<string>
  /** The size each contract's position is cut to (the smallest asked). */
  readonly reduce: ReadonlyMap<string, number>
  /** Orders that would open or add are cancelled: on every contract (`all`) or on these. */
  readonly cancelEntries: "all" | ReadonlySet<string> | undefined
}

/** The merged needs of `actions`. */
export const needsOf = (actions: ReadonlyArray<Action>): Needs => {
  let flatten = false
  const close = new Set<string>()
  const reduce = new Map<string, number>()
  let entries: "all" | Set<string> | undefined
  for (const a of actions) {
    switch (a._tag) {
      case "Flatten":
        flatten = true
        break
      case "ClosePosition":
        close.add(a.contractId)
        break
      case "Reduce":
        reduce.set(a.contractId, Math.min(a.maxSize, reduce.get(a.contractId) ?? Infinity))
        break
      case "CancelEntries":
        if (a.contractIds === undefined) entries = "all"
        else if (entries !== "all") entries = new Set([...(entries ?? []), ...a.contractIds])
        break
    }
  }
  return { flatten, close, reduce, cancelEntries: entries }
}

/** An account as an enforcement sees it: its open positions and its working orders. */
export interface Picture {
  readonly positions: ReadonlyArray<Models.Position>
  readonly orders: ReadonlyArray<Models.Order>
}

/** The union of two pictures (by contract, by order id; the first wins). */
export const union = (a: Picture, b: Picture): Picture => ({
  positions: [...a.positions, ...b.positions.filter((p) => !a.positions.some((q) => q.contractId === p.contractId))],
  orders: [...a.orders, ...b.orders.filter((o) => !a.orders.some((q) => q.id === o.id))]
})

/** Only what counts: positions with a size, orders in a working status. */
export const normalize = (p: Picture): Picture => ({
  positions: p.positions.filter((x) => x.size > 0),
  orders: p.orders.filter((o) => workingStatuses.has(o.status))
})

/** A reduction to send: cut `contractId` by `size`. */
export interface Reduction {
  readonly contractId: string
  readonly size: number
}

/** What to do next, in this order: cancel, close, reduce. */
export interface Plan {
  readonly cancels: ReadonlyArray<Models.Order>
  readonly closes: ReadonlyArray<string>
  readonly reductions: ReadonlyArray<Reduction>
}

const sideOf = (p: Models.Position): Enums.OrderSide => (p.type === Enums.PositionType.Long ? Enums.OrderSide.Bid : Enums.OrderSide.Ask)

/** Whether `order` opens a position (none on its contract) or adds to one (its side). */
export const opensOrAdds = (order: Models.Order, positions: ReadonlyArray<Models.Position>): boolean => {
  const p = positions.find((x) => x.contractId === order.contractId)
  return p === undefined || order.side === sideOf(p)
}

/** Whether `order` adds to an open position (its side). */
const adds = (order: Models.Order, positions: ReadonlyArray<Models.Position>): boolean => {
  const p = positions.find((x) => x.contractId === order.contractId)
  return p !== undefined && order.side === sideOf(p)
}

/** Whether the order is one of this enforcement's reductions (tag `<prefix>...`). */
const ours = (order: Models.Order, prefix: string): boolean => (order.customTag ?? "").startsWith(prefix)

/** The orders `needs` wants gone from `picture` (PendingCancellation included). */
const unwanted = (needs: Needs, picture: Picture, prefix: string): Array<Models.Order> =>
  picture.orders.filter((o) => {
    if (needs.flatten) return true
    if (needs.close.has(o.contractId)) return true
    if (needs.reduce.has(o.contractId) && adds(o, picture.positions) && !ours(o, prefix)) return true
    const entries = needs.cancelEntries
    if (entries !== undefined && (entries === "all" || entries.has(o.contractId)) && opensOrAdds(o, picture.positions)) return true
    return false
  })

/** The excess of each reduced contract over its limit, less what this enforcement's working reductions will cut. */
const excesses = (needs: Needs, picture: Picture, prefix: string): Array<Reduction> => {
  const out: Array<Reduction> = []
  for (const [contractId, max] of needs.reduce) {
    if (needs.flatten || needs.close.has(contractId)) continue
    const p = picture.positions.find((x) => x.contractId === contractId)
    if (p === undefined) continue
    const working = picture.orders
      .filter((o) => o.contractId === contractId && ours(o, prefix) && o.side !== sideOf(p))
      .reduce((n, o) => n + o.size - (o.fillVolume ?? 0), 0)
    const size = p.size - max - working
    if (size > 0) out.push({ contractId, size })
  }
  return out
}

/** What is still to do on `picture` (`prefix`: the tag prefix of this enforcement's reductions). */
export const planOf = (needs: Needs, picture: Picture, prefix: string): Plan => {
  const cancels = unwanted(needs, picture, prefix).filter((o) => cancellable.has(o.status))
  const closes = picture.positions
    .filter((p) => needs.flatten || needs.close.has(p.contractId))
    .map((p) => p.contractId)
  return { cancels, closes, reductions: excesses(needs, picture, prefix) }
}

/** Whether a plan sends nothing. */
export const isEmpty = (plan: Plan): boolean => plan.cancels.length === 0 && plan.closes.length === 0 && plan.reductions.length === 0

/** What keeps `picture` from being done, one phrase each (empty: done, verified). */
export const remainingOf = (needs: Needs, picture: Picture, prefix: string): Array<string> => {
  const out: Array<string> = []
  for (const o of unwanted(needs, picture, prefix)) out.push(`order ${o.id} on ${o.contractId} (status ${o.status})`)
  for (const p of picture.positions) {
    if (needs.flatten || needs.close.has(p.contractId)) out.push(`position ${p.contractId} of ${p.size}`)
    else {
      const max = needs.reduce.get(p.contractId)
      if (max !== undefined && p.size > max) out.push(`position ${p.contractId} of ${p.size} > ${max}`)
    }
  }
  return out
}

/** A short stable hash of a string (FNV-1a, base 36), for idempotency keys. */
export const shortHash = (s: string): string => {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h.toString(36)
}

/** The idempotency key of reduction `step` of `contractId` by enforcement `id` (fits a customTag). */
export const reductionKey = (id: string, contractId: string, step: number): string => `${id}:r${shortHash(contractId)}:${step}`
