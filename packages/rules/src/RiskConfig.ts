/**
 * The `risk:` section: which accounts are guarded, how (`enforce` or
 * `monitor`), and the rules, as defaults for every account with a
 * replacement per account. Every rule is optional (an omitted rule is off)
 * and so is every field not marked required (its default is given).
 * `perAccount` replaces a default rule as a whole for that account (no merge
 * inside the rule); `null` turns a default rule off for it.
 *
 * When to use: decode the daemon's `risk:` block with {@link RiskConfigSchema}
 * (the daemon's config does), then {@link rulesFor} for one account's rules.
 *
 * @example
 * ```ts
 * import { RiskConfig } from "@tradeguard/rules"
 * import * as Schema from "effect/Schema"
 *
 * const risk = Schema.decodeUnknownSync(RiskConfig.RiskConfigSchema)({
 *   defaults: { dailyLossLimit: { amount: 1000 }, tradingHours: { flatBy: "15:08" } },
 *   perAccount: { "100002": { dailyLossLimit: { amount: 3000 }, tradingHours: null } }
 * })
 * console.log(RiskConfig.rulesFor(risk, 100002).dailyLossLimit?.amount) // 3000
 * ```
 *
 * @since 0.1.0
 */
import { Config as RealtimeConfig } from "@tradeguard/realtime"
import { Config as ResilienceConfig } from "@tradeguard/resilience"
import * as Context from "effect/Context"
import * as DateTime from "effect/DateTime"
import * as Schema from "effect/Schema"

const { withDefault } = ResilienceConfig
const PositiveInt = Schema.Number.pipe(Schema.int(), Schema.positive())
const NonNegativeInt = Schema.Number.pipe(Schema.int(), Schema.nonNegative())
const Amount = Schema.Number.pipe(Schema.positive({ description: "a positive amount in account currency (dollars)" }))

/**
 * A point in time written as ISO 8601 with a zone or offset, e.g. `2026-12-04T13:30:00Z`.
 *
 * @since 0.1.0
 */
export const Instant = Schema.String.pipe(
  Schema.filter((s) =>
    (/(Z|[+-]\d\d:\d\d)$/.test(s) && DateTime.make(s)._tag === "Some") ||
    `expected an ISO 8601 time with a zone, e.g. 2026-12-04T13:30:00Z, actual "${s}"`
  )
)

/**
 * A weekday as written in `tradingHours.days`.
 *
 * @since 0.1.0
 */
export const Weekday = Schema.Literal("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")
/**
 * The decoded type of {@link Weekday}.
 *
 * @since 0.1.0
 */
export type Weekday = typeof Weekday.Type

/**
 * `dailyLossLimit`: day PnL <= -amount: flatten, lock until the next trading day.
 *
 * @since 0.1.0
 */
export const DailyLossLimit = Schema.Struct({ amount: withDefault(Amount, () => 1000).annotations({ description: "The loss, in account currency: day PnL (realized + unrealized since the trading day started) at or below -amount flattens the account and locks it until the next trading day." }) })

/**
 * `maxLossLimit`: the trailing drawdown. High-water mark = max(startingBalance, balance at first sight), raised at
 * each trading-day end (`endOfDay`: by the closing balance; `intraday`: by equity at any time); floor = mark -
 * amount, never above startingBalance; equity <= floor: flatten, lock `manual`. `amount` and `startingBalance` are required.
 *
 * @since 0.1.0
 */
export const MaxLossLimit = Schema.Struct({
  amount: Schema.propertySignature(Amount).annotations({ description: "Required. The trailing drawdown allowed, in account currency: the floor is the high-water mark minus this (never above `startingBalance`)." }),
  trailing: withDefault(Schema.Literal("endOfDay", "intraday"), () => "endOfDay" as const).annotations({ description: "When the high-water mark rises: `endOfDay` by the closing balance of each trading day; `intraday` by equity at any time." }),
  startingBalance: Schema.propertySignature(Amount).annotations({ description: "Required. The account's starting balance (the evaluation's or funded account's size): the high-water mark starts there and the floor never rises above it." })
})

/**
 * `maxContracts`: `total` = sum of size x weight over the open positions (weights from `contractWeights`);
 * `perSymbol` = that symbol's contracts (by symbolId, e.g. `F.US.MNQ`). Over: cancel the working orders that would
 * add, reduce the position to the limit (no lock).
 *
 * @since 0.1.0
 */
export const MaxContracts = Schema.Struct({
  total: Schema.optionalWith(Schema.Number.pipe(Schema.positive()), { exact: true }).annotations({ description: "Most contracts open at once over every symbol, each weighted by `risk.contractWeights`; absent: no total limit. Over: the working orders that would add are cancelled and the position is reduced to the limit (no lock)." }),
  perSymbol: withDefault(Schema.Record({ key: Schema.String, value: NonNegativeInt }), () => ({})).annotations({ description: "Most contracts of one symbol (by symbolId, e.g. `F.US.MNQ`), unweighted; enforced like `total`." })
})

/**
 * One tier of a scaling plan: from a balance strictly above `balanceAbove`, at most `maxContracts` (weighted, as `total`).
 *
 * @since 0.1.0
 */
export const ScalingTier = Schema.Struct({
  balanceAbove: Schema.propertySignature(Schema.Number).annotations({ description: "Required. The tier applies from a balance strictly above this." }),
  maxContracts: Schema.propertySignature(NonNegativeInt).annotations({ description: "Required. Most contracts (weighted, as `maxContracts.total`) in this tier." })
})

/**
 * `scalingPlan`: the tier of the last end-of-day balance (before the first one: the balance at first sight), never
 * raised intraday; enforced like `maxContracts.total`.
 *
 * @since 0.1.0
 */
export const ScalingPlan = Schema.Array(ScalingTier).pipe(Schema.minItems(1))

/**
 * `positionMaxLoss`: one position's unrealized <= -amount: close that position (no lock).
 *
 * @since 0.1.0
 */
export const PositionMaxLoss = Schema.Struct({ amount: withDefault(Amount, () => 300).annotations({ description: "One position's unrealized loss, in account currency, at or below -amount closes that position (no lock)." }) })

/**
 * `tradingHours`: sessions open at `open` on each of `days` (the calendar day in `timeZone` on which a session opens)
 * and close at `close` (the next day when `close` <= `open`). Outside a session: cancel entry orders and flatten new
 * positions; at `flatBy` (optional): flatten everything (no lock).
 *
 * @since 0.1.0
 */
export const TradingHours = Schema.Struct({
  timeZone: withDefault(RealtimeConfig.TimeZone, () => "America/Chicago").annotations({ description: "The IANA time zone of `open`, `close`, `flatBy` and `days`." }),
  open: withDefault(RealtimeConfig.LocalTime, () => "17:00").annotations({ description: "Local time a session opens." }),
  close: withDefault(RealtimeConfig.LocalTime, () => "15:10").annotations({ description: "Local time a session closes (the next day when at or before `open`). Outside a session entry orders are cancelled and new positions flattened." }),
  days: withDefault(Schema.Array(Weekday), () => ["Sun", "Mon", "Tue", "Wed", "Thu"] as const).annotations({ description: "The days on which a session OPENS (the Sunday 17:00 session is Monday's trading)." }),
  flatBy: Schema.optionalWith(RealtimeConfig.LocalTime, { exact: true }).annotations({ description: "Local time at which everything is flattened every session day (no lock); absent: none." })
})

/**
 * `maxTradesPerDay`: the (count+1)-th opening fill of the trading day: flatten, lock until the next trading day.
 *
 * @since 0.1.0
 */
export const MaxTradesPerDay = Schema.Struct({ count: withDefault(PositiveInt, () => 20).annotations({ description: "Opening fills allowed per trading day; the next one flattens the account and locks it until the next trading day." }) })

/**
 * `lossCooldown`: `consecutiveLosses` closing fills in a row with profitAndLoss < 0: flatten, lock `minutes`.
 *
 * @since 0.1.0
 */
export const LossCooldown = Schema.Struct({
  consecutiveLosses: withDefault(PositiveInt, () => 3).annotations({ description: "Closing fills in a row with a loss that start a cooldown: the account is flattened and locked." }),
  minutes: withDefault(PositiveInt, () => 30).annotations({ description: "How long the cooldown lock lasts, minutes." })
})

/**
 * `dailyProfitTarget`: day PnL >= amount: flatten, lock until the next trading day.
 *
 * @since 0.1.0
 */
export const DailyProfitTarget = Schema.Struct({ amount: withDefault(Amount, () => 1500).annotations({ description: "Day PnL at or above this, in account currency, flattens the account and locks it until the next trading day (the day is banked)." }) })

/**
 * `newsBlackout`: flatten at (event - minutesBefore); no new positions until (event + minutesAfter).
 *
 * @since 0.1.0
 */
export const NewsBlackout = Schema.Struct({
  minutesBefore: withDefault(NonNegativeInt, () => 2).annotations({ description: "Minutes before each event at which the account is flattened." }),
  minutesAfter: withDefault(NonNegativeInt, () => 2).annotations({ description: "Minutes after each event during which no new position may be opened." }),
  events: withDefault(Schema.Array(Instant), () => []).annotations({ description: "The news events, ISO 8601 times with a zone or offset (e.g. `2026-12-04T13:30:00Z`)." })
})

/**
 * `staleData`: quote age measured from local receipt. `action: flatten` (fail closed) flattens only when the market
 * hub is down longer than `hubDownGraceMs`, or quotes are older than `maxQuoteAgeMs` AND the REST fallback (latest
 * bars) cannot price the position either; `alert` only reports.
 *
 * @since 0.1.0
 */
export const StaleData = Schema.Struct({
  maxQuoteAgeMs: withDefault(PositiveInt, () => 10000).annotations({ description: "Quotes older than this (from local receipt) are stale, ms; with `flatten`, a position that the REST fallback (latest bars) cannot price either is flattened." }),
  hubDownGraceMs: withDefault(NonNegativeInt, () => 30000).annotations({ description: "How long the market hub may be down before `flatten` acts, ms." }),
  action: withDefault(Schema.Literal("alert", "flatten"), () => "flatten" as const).annotations({ description: "`flatten` (fail closed: no position is held blind) or `alert` (report only)." })
})

/**
 * `consistency`: report and warn only: the best day's profit / the total profit, against `maxBestDayShare`.
 *
 * @since 0.1.0
 */
export const Consistency = Schema.Struct({
  maxBestDayShare: withDefault(Schema.Number.pipe(Schema.greaterThan(0), Schema.lessThanOrEqualTo(1)), () => 0.5).annotations({ description: "The largest share of the total profit the best day may have (0.5: 50 %); above it a warning is logged and shown (never enforced)." })
})

/**
 * Every rule, by its name in the config.
 *
 * @since 0.1.0
 */
export const ruleSchemas = {
  dailyLossLimit: DailyLossLimit,
  maxLossLimit: MaxLossLimit,
  maxContracts: MaxContracts,
  scalingPlan: ScalingPlan,
  positionMaxLoss: PositionMaxLoss,
  tradingHours: TradingHours,
  maxTradesPerDay: MaxTradesPerDay,
  lossCooldown: LossCooldown,
  dailyProfitTarget: DailyProfitTarget,
  newsBlackout: NewsBlackout,
  staleData: StaleData,
  consistency: Consistency
} as const

/**
 * A rule's name.
 *
 * @since 0.1.0
 */
export type RuleName = keyof typeof ruleSchemas

/**
 * Every rule name, in the order they are evaluated and reported.
 *
 * @since 0.1.0
 */
export const ruleNames = Object.keys(ruleSchemas) as ReadonlyArray<RuleName>

const optional = <S extends Schema.Schema.Any>(s: S) => Schema.optionalWith(s, { exact: true })

/**
 * The rules of an account (or the defaults): each optional, absent = off.
 *
 * @since 0.1.0
 */
export const Rules = Schema.Struct({
  dailyLossLimit: optional(DailyLossLimit).annotations({ description: "Daily loss limit: day PnL at or below -amount flattens and locks until the next trading day. Absent: off." }),
  maxLossLimit: optional(MaxLossLimit).annotations({ description: "Trailing drawdown (the prop firm's maximum loss): equity at or below the floor flattens the account and locks it until it is unlocked by hand (a `manual` lock). Absent: off." }),
  maxContracts: optional(MaxContracts).annotations({ description: "Position size limits, in total (weighted) and per symbol: orders that would add are cancelled, the position reduced (no lock). Absent: off." }),
  scalingPlan: optional(ScalingPlan).annotations({ description: "A scaling plan: the tiers of the last end-of-day balance cap the weighted contracts like `maxContracts.total`; never raised intraday. Absent: off." }),
  positionMaxLoss: optional(PositionMaxLoss).annotations({ description: "Per-position stop: a position whose unrealized loss reaches the amount is closed (no lock). Absent: off." }),
  tradingHours: optional(TradingHours).annotations({ description: "Trading sessions: outside them entry orders are cancelled and new positions flattened; at `flatBy` everything is flattened. Absent: off." }),
  maxTradesPerDay: optional(MaxTradesPerDay).annotations({ description: "The most opening trades per trading day. Absent: off." }),
  lossCooldown: optional(LossCooldown).annotations({ description: "A cooldown after consecutive losing trades: flatten and lock for `minutes`. Absent: off." }),
  dailyProfitTarget: optional(DailyProfitTarget).annotations({ description: "Daily profit target: day PnL at or above the amount flattens and locks until the next trading day. Absent: off." }),
  newsBlackout: optional(NewsBlackout).annotations({ description: "News blackouts: flatten before each event, no new positions until after it. Absent: off." }),
  staleData: optional(StaleData).annotations({ description: "What to do when prices are stale (market hub down, old quotes). Absent: off." }),
  consistency: optional(Consistency).annotations({ description: "Consistency report: warns when the best day's share of the total profit is above the limit (never enforced). Absent: off." })
})
/**
 * The decoded type of {@link Rules}.
 *
 * @since 0.1.0
 */
export type Rules = typeof Rules.Type

const nullable = <S extends Schema.Schema.Any>(s: S) => Schema.optionalWith(Schema.NullOr(s), { exact: true })

/**
 * One account's replacements: a rule given here replaces the default one whole; `null` turns it off.
 *
 * @since 0.1.0
 */
export const AccountRules = Schema.Struct({
  dailyLossLimit: nullable(DailyLossLimit).annotations({ description: "Replaces `risk.defaults.dailyLossLimit` whole for this account; `null` turns it off for it." }),
  maxLossLimit: nullable(MaxLossLimit).annotations({ description: "Replaces `risk.defaults.maxLossLimit` whole for this account; `null` turns it off for it." }),
  maxContracts: nullable(MaxContracts).annotations({ description: "Replaces `risk.defaults.maxContracts` whole for this account; `null` turns it off for it." }),
  scalingPlan: nullable(ScalingPlan).annotations({ description: "Replaces `risk.defaults.scalingPlan` whole for this account; `null` turns it off for it." }),
  positionMaxLoss: nullable(PositionMaxLoss).annotations({ description: "Replaces `risk.defaults.positionMaxLoss` whole for this account; `null` turns it off for it." }),
  tradingHours: nullable(TradingHours).annotations({ description: "Replaces `risk.defaults.tradingHours` whole for this account; `null` turns it off for it." }),
  maxTradesPerDay: nullable(MaxTradesPerDay).annotations({ description: "Replaces `risk.defaults.maxTradesPerDay` whole for this account; `null` turns it off for it." }),
  lossCooldown: nullable(LossCooldown).annotations({ description: "Replaces `risk.defaults.lossCooldown` whole for this account; `null` turns it off for it." }),
  dailyProfitTarget: nullable(DailyProfitTarget).annotations({ description: "Replaces `risk.defaults.dailyProfitTarget` whole for this account; `null` turns it off for it." }),
  newsBlackout: nullable(NewsBlackout).annotations({ description: "Replaces `risk.defaults.newsBlackout` whole for this account; `null` turns it off for it." }),
  staleData: nullable(StaleData).annotations({ description: "Replaces `risk.defaults.staleData` whole for this account; `null` turns it off for it." }),
  consistency: nullable(Consistency).annotations({ description: "Replaces `risk.defaults.consistency` whole for this account; `null` turns it off for it." })
})
/**
 * The decoded type of {@link AccountRules}.
 *
 * @since 0.1.0
 */
export type AccountRules = typeof AccountRules.Type

/**
 * An account id as a key of `perAccount` (digits, e.g. `"100002"`).
 *
 * @since 0.1.0
 */
export const AccountKey = Schema.String.pipe(
  Schema.pattern(/^[1-9]\d*$/, { message: () => "expected an account id (digits)" })
)

/**
 * The `risk:` section.
 *
 * @since 0.1.0
 */
export const RiskConfigSchema = Schema.Struct({
  /** `enforce` (default): act on breaches; `monitor`: decide, log and expose, send nothing. */
  mode: withDefault(Schema.Literal("enforce", "monitor"), () => "enforce" as const).annotations({ description: "`enforce`: act on breaches (cancel, flatten, lock); `monitor`: decide, log and expose the decisions, send nothing to the gateway." }),
  /** `all` (default: every active account, and accounts that appear later) or a list of account ids. */
  accounts: withDefault(Schema.Union(Schema.Literal("all"), Schema.Array(PositiveInt).pipe(Schema.minItems(1))), () => "all" as const).annotations({ description: "The accounts guarded: `all` (every active account of the user, including accounts that appear later) or a list of account ids." }),
  /** Weight of one contract of a symbol in `total` limits (default 1), e.g. `{ "F.US.MNQ": 0.1 }`. */
  contractWeights: withDefault(Schema.Record({ key: Schema.String, value: Schema.Number.pipe(Schema.positive()) }), () => ({})).annotations({ description: "The weight of one contract of a symbol in `total` limits and the scaling plan (default 1), e.g. `{ \"F.US.MNQ\": 0.1 }` counts ten micros as one contract." }),
  /** The rules of every account. */
  defaults: withDefault(Rules, () => ({})).annotations({ description: "The rules of every guarded account (each rule absent = off)." }),
  /** Per account id: rules that replace the defaults whole, `null` to turn one off. */
  perAccount: withDefault(Schema.Record({ key: AccountKey, value: AccountRules }), () => ({})).annotations({ description: "Per account id: rules that replace the default ones whole for that account, `null` to turn one off." })
})
/**
 * The decoded `risk:` section.
 *
 * @since 0.1.0
 */
export type RiskConfig = typeof RiskConfigSchema.Type

/**
 * The `risk:` section with every default (no rule: nothing is enforced).
 *
 * @since 0.1.0
 */
export const defaults: RiskConfig = Schema.decodeUnknownSync(RiskConfigSchema)({})

/**
 * The rules in force for `accountId`: the defaults, each replaced whole by the account's entry, `null` removing it.
 *
 * @since 0.1.0
 */
export const rulesFor = (config: RiskConfig, accountId: number): Rules => {
  const own = config.perAccount[String(accountId)]
  if (own === undefined) return config.defaults
  const out: Record<string, unknown> = { ...config.defaults }
  for (const [name, rule] of Object.entries(own)) {
    if (rule === null) delete out[name]
    else if (rule !== undefined) out[name] = rule
  }
  return out as Rules
}

/**
 * Whether any rule is configured, for any account (`config check` warns when none is).
 *
 * @since 0.1.0
 */
export const hasAnyRule = (config: RiskConfig): boolean =>
  Object.keys(config.defaults).length > 0 ||
  Object.values(config.perAccount).some((r) => Object.values(r).some((v) => v !== null && v !== undefined))

/**
 * The weight of one contract of `symbolId` in `total` limits (1 unless `contractWeights` names it).
 *
 * @since 0.1.0
 */
export const weightOf = (config: RiskConfig, symbolId: string | undefined): number =>
  symbolId === undefined ? 1 : config.contractWeights[symbolId] ?? 1

/**
 * The decoded `risk:` section as a service (the RiskEngine reads its mode, accounts and rules from it).
 *
 * @since 0.1.0
 */
export class RiskConfigTag extends Context.Tag("@tradeguard/rules/RiskConfig")<RiskConfigTag, RiskConfig>() {}
