/**
 * The engine's pure helpers around one evaluation: the view the rules see,
 * the contracts whose quote is stale or missing (priced from the REST
 * fallback), the reasons an account is degraded, and the status it shows.
 *
 * @internal
 */
import type { Models } from "@tradeguard/gateway"
import type { ActiveLock, AccountView, BarPrice, QuoteSeen } from "../../AccountView.js"
import type { Rules as RuleSet } from "../../RiskConfig.js"
import type { Evaluation } from "../../Rules.js"
import type { AccountStatus, Health } from "../../RiskEngine.js"
import type { Slice } from "./slice.js"

/** The quote age beyond which a quote is stale when the account has no `staleData` rule (its default). */
export const defaultMaxQuoteAgeMs = 10_000

/** The quote age beyond which a quote of this account is stale. */
export const maxQuoteAgeOf = (rules: RuleSet): number => rules.staleData?.maxQuoteAgeMs ?? defaultMaxQuoteAgeMs

/**
 * How often an account holding a position priced from the REST fallback is looked at again, whatever the engine's
 * timer (MarketData caches a fallback price 5 s by default: looking more often would read the same price).
 */
export const fallbackRecheckMs = 5_000

const isStale = (q: QuoteSeen | undefined, now: number, maxAgeMs: number): boolean =>
  q === undefined || now - q.receivedAt > maxAgeMs

/** The contracts of the account's positions whose quote is missing or older than `maxAgeMs` at `now`. */
export const staleContracts = (
  positions: ReadonlyArray<Models.Position>,
  quotes: ReadonlyMap<string, QuoteSeen>,
  now: number,
  maxAgeMs: number
): ReadonlyArray<string> =>
  [...new Set(positions.map((p) => p.contractId))].filter((c) => isStale(quotes.get(c), now, maxAgeMs))

/**
 * When the account's prices need a look even if nothing changes (undefined: no position): the moment the first
 * fresh quote of a position turns stale (its price then comes from the REST fallback), or, while one is stale,
 * `recheckMs` from `now` (the market may have moved while its quotes stopped coming, a stalled hub say).
 */
export const pricesDueAt = (
  positions: ReadonlyArray<Models.Position>,
  quotes: ReadonlyMap<string, QuoteSeen>,
  now: number,
  maxAgeMs: number,
  recheckMs: number = fallbackRecheckMs
): number | undefined => {
  let at: number | undefined
  for (const p of positions) {
    const q = quotes.get(p.contractId)
    const due = isStale(q, now, maxAgeMs) ? now + recheckMs : q!.receivedAt + maxAgeMs + 1
    if (at === undefined || due < at) at = due
  }
  return at
}

/** Everything the view is assembled from. */
export interface ViewInputs {
  readonly accountId: number
  readonly now: number
  readonly dayStart: number
  readonly nextDayStart: number
  readonly slice: Slice
  readonly quotes: ReadonlyMap<string, QuoteSeen>
  readonly barPrices: ReadonlyMap<string, BarPrice>
  readonly contracts: ReadonlyMap<string, Models.Contract>
  readonly failedLookups?: ReadonlySet<string>
  readonly marketHubDownSince: number | undefined
  readonly userHubDownSince: number | undefined
  readonly lock: ActiveLock | undefined
}

const only = <A>(map: ReadonlyMap<string, A>, keys: ReadonlyArray<string>): ReadonlyMap<string, A> => {
  const out = new Map<string, A>()
  for (const k of keys) {
    const v = map.get(k)
    if (v !== undefined) out.set(k, v)
  }
  return out
}

/** The view of one account: its slice, with the quotes, fallback prices and contracts of its own contracts. */
export const viewOf = (i: ViewInputs): AccountView => ({
  accountId: i.accountId,
  now: i.now,
  dayStart: i.dayStart,
  nextDayStart: i.nextDayStart,
  balance: i.slice.account?.balance,
  positions: i.slice.positions,
  workingOrders: i.slice.orders,
  trades: i.slice.trades,
  quotes: only(i.quotes, i.slice.contracts),
  barPrices: only(i.barPrices, i.slice.contracts),
  contracts: only(i.contracts, i.slice.contracts),
  ...(i.failedLookups === undefined ? {} : { failedLookups: i.failedLookups }),
  marketHubDownSince: i.marketHubDownSince,
  userHubDownSince: i.userHubDownSince,
  lock: i.lock
})

const iso = (millis: number) => new Date(millis).toISOString()

/** Why the account's figures cannot be trusted now (empty: they can), the rules' own reasons included. */
export const degradedReasons = (
  view: AccountView,
  maxAgeMs: number,
  evaluation: Evaluation | undefined,
  extra: ReadonlyArray<string>
): ReadonlyArray<string> => {
  const out: Array<string> = []
  if (view.marketHubDownSince !== undefined) out.push(`market hub down since ${iso(view.marketHubDownSince)}`)
  if (view.userHubDownSince !== undefined) out.push(`user hub down since ${iso(view.userHubDownSince)}`)
  for (const c of staleContracts(view.positions, view.quotes, view.now, maxAgeMs)) {
    const q = view.quotes.get(c)
    const priced = view.barPrices.has(c) ? ", priced from bars" : ", no fallback price"
    out.push(q === undefined ? `no quote for ${c}${priced}` : `quote of ${c} is ${view.now - q.receivedAt} ms old${priced}`)
  }
  for (const c of new Set(view.positions.map((p) => p.contractId))) {
    if (!view.contracts.has(c)) out.push(`no contract for ${c}`)
  }
  out.push(...(evaluation?.figures.degraded ?? []), ...extra)
  return [...new Set(out)]
}

/** The status of an account after an evaluation. */
export const statusOf = (input: {
  readonly view: AccountView
  readonly mode: "enforce" | "monitor"
  readonly evaluation: Evaluation | undefined
  readonly degraded: ReadonlyArray<string>
  readonly enforcing: boolean
}): AccountStatus => ({
  accountId: input.view.accountId,
  mode: input.mode,
  figures: input.evaluation?.figures,
  rules: (input.evaluation?.verdicts ?? []).map((v) => ({
    rule: v.rule,
    figure: v.figure,
    limit: v.limit,
    breached: v.breached,
    reason: v.reason
  })),
  lock: input.view.lock,
  degraded: input.degraded,
  enforcing: input.enforcing,
  evaluatedAt: input.view.now
})

/** DEGRADED (every account's reasons, prefixed by its id) while any account is degraded; OK otherwise. */
export const healthOf = (statuses: Iterable<AccountStatus>): Health => {
  const reasons: Array<string> = []
  for (const s of statuses) for (const r of s.degraded) reasons.push(`${s.accountId}: ${r}`)
  return reasons.length === 0 ? { _tag: "Ok" } : { _tag: "Degraded", reasons }
}
