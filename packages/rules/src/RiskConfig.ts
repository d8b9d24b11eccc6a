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
export const DailyLossLimit = Schema.Struct({ amount: withDefault(Amount, () => 1000) })

/**
 * `maxLossLimit`: the trailing drawdown. High-water mark = max(startingBalance, balance at first sight), raised at
 * each trading-day end (`endOfDay`: by the closing balance; `intraday`: by equity at any time); floor = mark -
 * amount, never above startingBalance; equity <= floor: flatten, lock `manual`. `amount` and `startingBalance` are required.
 *
 * @since 0.1.0
 */
export const MaxLossLimit = Schema.Struct({
  amount: Amount,
  trailing: withDefault(Schema.Literal("endOfDay", "intraday"), () => "endOfDay" as const),
  startingBalance: Amount
})

/**
 * `maxContracts`: `total` = sum of size x weight over the open positions (weights from `contractWeights`);
 * `perSymbol` = that symbol's contracts (by symbolId, e.g. `F.US.MNQ`). Over: cancel the working orders that would
 * add, reduce the position to the limit (no lock).
 *
 * @since 0.1.0
 */
export const MaxContracts = Schema.Struct({
  total: Schema.optionalWith(Schema.Number.pipe(Schema.positive()), { exact: true }),
  perSymbol: withDefault(Schema.Record({ key: Schema.String, value: NonNegativeInt }), () => ({}))
})

/**
 * One tier of a scaling plan: from a balance strictly above `balanceAbove`, at most `maxContracts` (weighted, as `total`).
 *
 * @since 0.1.0
 */
export const ScalingTier = Schema.Struct({ balanceAbove: Schema.Number, maxContracts: NonNegativeInt })

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
export const PositionMaxLoss = Schema.Struct({ amount: withDefault(Amount, () => 300) })

/**
 * `tradingHours`: sessions open at `open` on each of `days` (the calendar day in `timeZone` on which a session opens)
 * and close at `close` (the next day when `close` <= `open`). Outside a session: cancel entry orders and flatten new
 * positions; at `flatBy` (optional): flatten everything (no lock).
 *
 * @since 0.1.0
 */
export const TradingHours = Schema.Struct({
  timeZone: withDefault(RealtimeConfig.TimeZone, () => "America/Chicago"),
  open: withDefault(RealtimeConfig.LocalTime, () => "17:00"),
  close: withDefault(RealtimeConfig.LocalTime, () => "15:10"),
  days: withDefault(Schema.Array(Weekday), () => ["Sun", "Mon", "Tue", "Wed", "Thu"] as const),
  flatBy: Schema.optionalWith(RealtimeConfig.LocalTime, { exact: true })
})

/**
 * `maxTradesPerDay`: the (count+1)-th opening fill of the trading day: flatten, lock until the next trading day.
 *
 * @since 0.1.0
 */
export const MaxTradesPerDay = Schema.Struct({ count: withDefault(PositiveInt, () => 20) })

/**
 * `lossCooldown`: `consecutiveLosses` closing fills in a row with profitAndLoss < 0: flatten, lock `minutes`.
 *
 * @since 0.1.0
 */
export const LossCooldown = Schema.Struct({
  consecutiveLosses: withDefault(PositiveInt, () => 3),
  minutes: withDefault(PositiveInt, () => 30)
})

/**
 * `dailyProfitTarget`: day PnL >= amount: flatten, lock until the next trading day.
 *
 * @since 0.1.0
 */
export const DailyProfitTarget = Schema.Struct({ amount: withDefault(Amount, () => 1500) })

/**
 * `newsBlackout`: flatten at (event - minutesBefore); no new positions until (event + minutesAfter).
 *
 * @since 0.1.0
 */
export const NewsBlackout = Schema.Struct({
  minutesBefore: withDefault(NonNegativeInt, () => 2),
  minutesAfter: withDefault(NonNegativeInt, () => 2),
  events: withDefault(Schema.Array(Instant), () => [])
})

/**
 * `staleData`: quote age measured from local receipt. `action: flatten` (fail closed) flattens only when the market
 * hub is down longer than `hubDownGraceMs`, or quotes are older than `maxQuoteAgeMs` AND the REST fallback (latest
 * bars) cannot price the position either; `alert` only reports.
 *
 * @since 0.1.0
 */
export const StaleData = Schema.Struct({
  maxQuoteAgeMs: withDefault(PositiveInt, () => 10000),
  hubDownGraceMs: withDefault(NonNegativeInt, () => 30000),
  action: withDefault(Schema.Literal("alert", "flatten"), () => "flatten" as const)
})

/**
 * `consistency`: report and warn only: the best day's profit / the total profit, against `maxBestDayShare`.
 *
 * @since 0.1.0
 */
export const Consistency = Schema.Struct({
  maxBestDayShare: withDefault(Schema.Number.pipe(Schema.greaterThan(0), Schema.lessThanOrEqualTo(1)), () => 0.5)
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
  dailyLossLimit: optional(DailyLossLimit),
  maxLossLimit: optional(MaxLossLimit),
  maxContracts: optional(MaxContracts),
  scalingPlan: optional(ScalingPlan),
  positionMaxLoss: optional(PositionMaxLoss),
  tradingHours: optional(TradingHours),
  maxTradesPerDay: optional(MaxTradesPerDay),
  lossCooldown: optional(LossCooldown),
  dailyProfitTarget: optional(DailyProfitTarget),
  newsBlackout: optional(NewsBlackout),
  staleData: optional(StaleData),
  consistency: optional(Consistency)
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
  dailyLossLimit: nullable(DailyLossLimit),
  maxLossLimit: nullable(MaxLossLimit),
  maxContracts: nullable(MaxContracts),
  scalingPlan: nullable(ScalingPlan),
  positionMaxLoss: nullable(PositionMaxLoss),
  tradingHours: nullable(TradingHours),
  maxTradesPerDay: nullable(MaxTradesPerDay),
  lossCooldown: nullable(LossCooldown),
  dailyProfitTarget: nullable(DailyProfitTarget),
  newsBlackout: nullable(NewsBlackout),
  staleData: nullable(StaleData),
  consistency: nullable(Consistency)
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
  mode: withDefault(Schema.Literal("enforce", "monitor"), () => "enforce" as const),
  /** `all` (default: every active account, and accounts that appear later) or a list of account ids. */
  accounts: withDefault(Schema.Union(Schema.Literal("all"), Schema.Array(PositiveInt).pipe(Schema.minItems(1))), () => "all" as const),
  /** Weight of one contract of a symbol in `total` limits (default 1), e.g. `{ "F.US.MNQ": 0.1 }`. */
  contractWeights: withDefault(Schema.Record({ key: Schema.String, value: Schema.Number.pipe(Schema.positive()) }), () => ({})),
  /** The rules of every account. */
  defaults: withDefault(Rules, () => ({})),
  /** Per account id: rules that replace the defaults whole, `null` to turn one off. */
  perAccount: withDefault(Schema.Record({ key: AccountKey, value: AccountRules }), () => ({}))
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
