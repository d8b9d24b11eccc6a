/**
 * One account in a plain, comparable shape: the account, its working orders,
 * open positions and trades, each sorted by id, with only the fields both
 * sides of a comparison carry. Made to compare the cached picture
 * (AccountState) with another source of the same account: a REST snapshot,
 * a simulator's ground truth, a record of your own.
 *
 * The normalisation: only defined fields (a hub payload leaves absent fields
 * out, REST writes them as null), -0 as 0 (JSON has no -0), timestamps as
 * epoch milliseconds (REST and the hub write them with different
 * precisions), and without the fields only the user hub sends
 * (`commissions`, `contractDisplayName`, `trailPrice`, `trailDistance`).
 *
 * @example
 * ```ts
 * import { AccountPicture, AccountState } from "@tradeguard/realtime"
 *
 * const picture = AccountPicture.ofSnapshot(AccountState.empty, 100001)
 * console.log(AccountPicture.differences(picture, AccountPicture.of(undefined, [], [], [])))
 * ```
 *
 * @since 0.2.0
 */
import { Models } from "@tradeguard/gateway"
import * as HashMap from "effect/HashMap"
import * as Option from "effect/Option"
import * as AccountState from "./AccountState.js"

/** Fields only the user hub sends (as on the live service): REST lacks them. */
const hubOnly = new Set(["commissions", "contractDisplayName", "trailPrice", "trailDistance"])

/**
 * One entity (account, order, position, trade) normalised for comparison:
 * defined fields only, -0 as 0, timestamps as epoch milliseconds, no
 * hub-only fields.
 *
 * @since 0.2.0
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

/**
 * One account: the account, its working orders, open positions and trades, each sorted by id.
 *
 * @since 0.2.0
 */
export interface Picture {
  /** The account, or undefined when the source does not know it. */
  readonly account: Record<string, unknown> | undefined
  /** Working orders (Open, Pending). */
  readonly openOrders: ReadonlyArray<Record<string, unknown>>
  /** Open positions. */
  readonly positions: ReadonlyArray<Record<string, unknown>>
  /** The trades the source holds for the account. */
  readonly trades: ReadonlyArray<Record<string, unknown>>
}

/**
 * The picture of an account from its parts (e.g. a REST snapshot or a simulator's ground truth).
 *
 * @since 0.2.0
 */
export const of = (
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

/**
 * AccountState's picture of `accountId` in a snapshot: the account, working orders, open positions,
 * the trading day's trades.
 *
 * @since 0.2.0
 */
export const ofSnapshot = (snapshot: AccountState.Snapshot, accountId: number): Picture =>
  of(
    Option.getOrUndefined(HashMap.get(snapshot.accounts, accountId)),
    AccountState.workingOrders(snapshot, accountId),
    AccountState.openPositions(snapshot, accountId),
    AccountState.tradesOf(snapshot, accountId)
  )

const isRecord = (x: unknown): x is Record<string, unknown> =>
  typeof x === "object" && x !== null && !Array.isArray(x)

const show = (x: unknown): string => (x === undefined ? "undefined" : JSON.stringify(x))

/**
 * Where `actual` and `expected` differ, one `path: actual <> expected` per leaf (key order does not
 * matter); empty when they are equal.
 *
 * @since 0.2.0
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
  if (isRecord(actual) && isRecord(expected)) {
    const keys = [...new Set([...Object.keys(actual), ...Object.keys(expected)])].sort()
    return keys.flatMap((k) => differences(actual[k], expected[k], path === "" ? k : `${path}.${k}`))
  }
  return [`${path || "<root>"}: ${show(actual)} <> ${show(expected)}`]
}
