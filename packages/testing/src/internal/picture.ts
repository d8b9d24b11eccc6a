/**
 * The account picture that a test compares: the cached state and the
 * simulator's ground truth of one account in one plain shape, and the
 * differences between two of them. Pure.
 */
import { Models } from "@tradeguard/gateway"

/** Fields only the user hub sends (as on the live service): REST, the ground truth, lacks them. */
const hubOnly = new Set(["commissions", "contractDisplayName", "trailPrice", "trailDistance"])

/**
 * Defined fields only: a hub payload leaves absent fields out, REST writes
 * them as null. -0 as 0 (JSON has no -0, so no wire carries the simulator's
 * in-memory -0), timestamps as their millisecond (REST and the hub write them
 * with different precisions), without the hub-only fields.
 */
export const plain = (x: object): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(x)) {
    if (v === undefined || hubOnly.has(k)) continue
    out[k] = v === 0 ? 0 : k.endsWith("Timestamp") && typeof v === "string" ? Models.timestampToMillis(v) : v
  }
  return out
}

const byId = (a: { readonly id: number }, b: { readonly id: number }) => a.id - b.id

/** One account: the account, its working orders, open positions and trades, each sorted by id. */
export interface Picture {
  readonly account: Record<string, unknown> | undefined
  readonly openOrders: ReadonlyArray<Record<string, unknown>>
  readonly positions: ReadonlyArray<Record<string, unknown>>
  readonly trades: ReadonlyArray<Record<string, unknown>>
}

/** The picture of an account from its parts. */
export const picture = (
  account: Models.Account | undefined,
  orders: ReadonlyArray<Models.Order>,
  positions: ReadonlyArray<Models.Position>,
  trades: ReadonlyArray<Models.Trade>
): Picture => ({
  account: account === undefined ? undefined : plain(account),
  openOrders: [...orders].sort(byId).map(plain),
  positions: [...positions].sort(byId).map(plain),
  trades: [...trades].sort(byId).map(plain)
})

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null

const show = (x: unknown): string => (x === undefined ? "undefined" : JSON.stringify(x))

/**
 * Where `actual` and `expected` differ, one `path: actual <> expected` per
 * leaf (key order does not matter); empty when they are equal.
 */
export const differences = (actual: unknown, expected: unknown, path = ""): Array<string> => {
  if (Object.is(actual, expected)) return []
  if (Array.isArray(actual) && Array.isArray(expected)) {
    const out: Array<string> = []
    for (let i = 0; i < Math.max(actual.length, expected.length); i++) {
      out.push(...differences(actual[i], expected[i], `${path}[${i}]`))
    }
    return out
  }
  if (isRecord(actual) && isRecord(expected) && !Array.isArray(actual) && !Array.isArray(expected)) {
    const keys = [...new Set([...Object.keys(actual), ...Object.keys(expected)])].sort()
    return keys.flatMap((k) => differences(actual[k], expected[k], path === "" ? k : `${path}.${k}`))
  }
  return [`${path || "<root>"}: ${show(actual)} <> ${show(expected)}`]
}
