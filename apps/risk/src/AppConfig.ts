/**
 * The daemon's `config.yaml`: the seed's master schema (every section, with
 * the seed's values as defaults) plus `risk:`. Decoding errors name the path,
 * e.g. `signalr.reconnection.delays[2]: Expected number, actual "x"`.
 *
 * Besides each key's own schema, the file as a whole is refused when a
 * plaintext `http://`/`ws://` URL goes to a host that is not loopback (unless
 * `api.allowInsecure`), when `api.baseUrl` and the hub URLs belong to
 * different gateways, when `retries.backoffBase` is above `maxBackoffMs`, or
 * when the token store asks for `keySource: keyring` (not implemented).
 * {@link warnings} lists what is allowed but probably wrong (rate limits above
 * the gateway's). The hub URLs, when not given, are derived from
 * `api.baseUrl` (`https://gateway-api-demo.s2f.projectx.com` ->
 * `https://gateway-rtc-demo.s2f.projectx.com/hubs/user`). The sections, the
 * hub derivation and the checks are `@tradeguard/runtime`'s StackConfig; the
 * daemon keeps the seed's defaults (an encrypted token file).
 *
 * @since 0.1.0
 */
import type { PlatformError } from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import { OrderConfig } from "@tradeguard/orders"
import { Config as RealtimeConfig } from "@tradeguard/realtime"
import { Config as ResilienceConfig } from "@tradeguard/resilience"
import { RiskConfig } from "@tradeguard/rules"
import * as StoreConfig from "@tradeguard/store/StoreConfig"
import * as Effect from "effect/Effect"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { StackConfig } from "@tradeguard/runtime"
import * as YAML from "yaml"
import { explain, legacyKeys } from "./internal/legacyRisk.js"
import { mergeAlternatives, tidyRiskLines } from "./internal/problems.js"
import { riskWarnings } from "./internal/riskWarnings.js"
import { reasonOf } from "./internal/unreadable.js"

const { section, withDefault } = ResilienceConfig

/**
 * The seed's `orderManagement` section (verification, partial fills, idempotency): `@tradeguard/orders`'
 * schema, so the daemon's file and the library decode it alike.
 *
 * @since 0.1.0
 */
export const OrderManagement = OrderConfig.OrderManagement

/**
 * The seed's `database` section (SQLite schema v2, retention in days, plus `synchronous` and
 * `busyTimeoutMs`): `@tradeguard/store`'s schema, so the daemon's file and the store decode it alike.
 *
 * @since 0.1.0
 */
export const Database = StoreConfig.StoreConfigSchema

/**
 * The seed's `logging` section: a level and the resilience toggles.
 *
 * @since 0.1.0
 */
export const Logging = Schema.Struct({
  level: withDefault(Schema.Literal("DEBUG", "INFO", "WARNING", "ERROR"), () => "INFO" as const).annotations({ description: "The least severe log line written: `DEBUG` (everything), `INFO`, `WARNING` or `ERROR`." }),
  /** `pretty`: one human line per event; `json`: one JSON object per line (for production log collectors). */
  format: withDefault(Schema.Literal("pretty", "json"), () => "pretty" as const).annotations({ description: "`pretty`: one readable line per event; `json`: one JSON object per line (time, level, message, annotations), for log collectors. Secrets are redacted either way." }),
  resilience: section(ResilienceConfig.LoggingResilience).annotations({ description: "Which resilience events are logged (each switch on by default)." })
})

/**
 * What an alert is about, a closed set: a rule `breach`, an `enforcement` outcome, an `escalation`, a
 * `session_conflict`, a `degraded` period and the `recovered` end of one.
 *
 * @since 0.3.0
 */
export const AlertEvent = Schema.Literal("breach", "enforcement", "escalation", "session_conflict", "degraded", "recovered")

/**
 * The `alerts:` section: the webhook's URL comes from the environment variable `webhookUrlEnv` names (it may hold
 * a secret; alerts are posted only while it is set), `events` the ones posted (default all), each POST times out
 * after `timeoutMs` and is tried up to `maxAttempts` times with exponential backoff.
 *
 * @since 0.3.0
 */
export const Alerts = Schema.Struct({
  webhookUrlEnv: withDefault(Schema.NonEmptyTrimmedString, () => "TRADEGUARD_ALERT_WEBHOOK").annotations({ description: "The environment variable holding the webhook URL (Slack, Discord, Telegram, any JSON endpoint). Unset: alerts are log lines and metrics only." }),
  events: withDefault(Schema.Array(AlertEvent), () => AlertEvent.literals).annotations({ description: "The events posted to the webhook: `breach`, `enforcement`, `escalation`, `session_conflict`, `degraded`, `recovered` (default all). Every event is logged and counted either way." }),
  timeoutMs: withDefault(Schema.Number.pipe(Schema.int(), Schema.positive()), () => 5000).annotations({ description: "Timeout of one webhook POST, in milliseconds." }),
  maxAttempts: withDefault(Schema.Number.pipe(Schema.int(), Schema.between(1, 20)), () => 5).annotations({ description: "Tries of one alert POST (exponential backoff from 1 s, at most 1 min apart) before it is given up with a WARN line." })
})

/**
 * The `risk:` section: `@tradeguard/rules`' schema (mode, accounts, contractWeights, defaults, perAccount),
 * so the daemon's file and the rules package decode it alike. Every rule is optional (an omitted rule is
 * off); see `docs/rules.md` and `config.example.yaml`. A key of the old block (`risk.dailyLossLimit`,
 * `risk.maxPositionSize`, `risk.tradingHours`, `enabled` in a rule, `timezone`) is an error naming its new place.
 *
 * @since 0.1.0
 */
export const Risk = RiskConfig.RiskConfigSchema

/**
 * The daemon's own sections, beside the stack's (its `logging` adds `level` to the stack's `logging.resilience`).
 *
 * @since 0.2.0
 */
export const AppSections = {
  orderManagement: section(OrderManagement).annotations({ description: "Order calls: verification of unknown outcomes, partial fills, the duplicate check." }),
  database: section(Database).annotations({ description: "The SQLite database: locks, order intents, the enforcement log, reconciliation reports: what survives a restart." }),
  logging: section(Logging).annotations({ description: "What is logged, and how much." }),
  alerts: section(Alerts).annotations({ description: "Alerts: breaches, enforcement outcomes, escalations, session conflicts and degraded periods, also posted as JSON to a webhook." }),
  risk: section(Risk).annotations({ description: "Which accounts are guarded, how (`enforce` or `monitor`), and the rules: defaults for every account, replacements per account. docs/rules.md explains each rule." })
}

/**
 * Every section, each key with its own schema (no checks across keys, both hub URLs required).
 *
 * @since 0.1.0
 */
export const AppConfigFields = Schema.Struct({
  ...ResilienceConfig.ResilienceConfigSchema.fields,
  ...RealtimeConfig.RealtimeConfigSchema.fields,
  ...AppSections
})

/**
 * The whole file: the stack's sections (hub URLs derived from `api.baseUrl` when absent) plus the
 * daemon's, and the checks across keys (each names its path).
  *
  * @since 0.1.0
  */
export const AppConfigSchema = StackConfig.extend(AppSections)
/**
 * A decoded `config.yaml`.
 *
 * @since 0.1.0
 */
export type AppConfig = typeof AppConfigSchema.Type

/**
 * The file is not a valid configuration (not YAML, or bad keys): one problem per line, each naming its path.
 *
 * @since 0.1.0
 */
export class ConfigError extends Schema.TaggedError<ConfigError>()("ConfigError", {
  file: Schema.String,
  problems: Schema.Array(Schema.String)
}) {
  override get message() {
    return `${this.file}: invalid configuration\n${this.problems.map((p) => `  - ${p}`).join("\n")}`
  }
}

/**
 * `a.b[2].c: message` for every issue of a ParseError; a value that is none of a key's allowed
 * values is one line naming them all (`database.synchronous: Expected "normal" | "full", actual "off"`).
 *
 * @since 0.1.0
 */
export const formatProblems = (error: ParseResult.ParseError): Array<string> =>
  tidyRiskLines(mergeAlternatives(StackConfig.formatProblems(error)))

/**
 * Decodes a parsed YAML/JSON value. Unknown keys are errors (a typo must not silently fall back to a default);
 * a key of the old `risk:` block is one line naming its new place
 * (`risk.dailyLossLimit: moved to risk.defaults.dailyLossLimit ({ amount })`).
 *
 * @since 0.1.0
 */
export const decode = (file: string, input: unknown): Effect.Effect<AppConfig, ConfigError> =>
  Schema.decodeUnknown(AppConfigSchema, { onExcessProperty: "error", errors: "all" })(input ?? {}).pipe(
    Effect.mapError((e) => new ConfigError({ file, problems: explain(legacyKeys(input), formatProblems(e)) }))
  )

/**
 * Parses YAML text and decodes it.
 *
 * @since 0.1.0
 */
export const parse = (file: string, text: string): Effect.Effect<AppConfig, ConfigError> =>
  Effect.try({
    try: () => YAML.parse(text) as unknown,
    catch: (e) => new ConfigError({ file, problems: [`not valid YAML: ${(e as Error).message}`] })
  }).pipe(Effect.flatMap((input) => decode(file, input)))

/**
 * The file could not be read at all: missing, a directory, no permission.
 *
 * @since 0.1.0
 */
export class ConfigUnreadable extends Schema.TaggedError<ConfigUnreadable>()("ConfigUnreadable", {
  file: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `${this.file}: cannot read the configuration: ${this.reason}`
  }
}

const unreadable = (file: string) => (e: PlatformError): ConfigUnreadable => new ConfigUnreadable({ file, reason: reasonOf(e) })

/**
 * Reads and decodes `file`.
 *
 * @since 0.1.0
 */
export const load = (file: string): Effect.Effect<AppConfig, ConfigError | ConfigUnreadable, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const info = yield* fs.stat(file).pipe(Effect.mapError(unreadable(file)))
    if (info.type !== "File") {
      return yield* new ConfigUnreadable({
        file,
        reason: `${info.type === "Directory" ? "a directory" : `not a regular file (${info.type})`}, not a YAML file`
      })
    }
    const text = yield* fs.readFileString(file).pipe(Effect.mapError(unreadable(file)))
    return yield* parse(file, text)
  })

/**
 * What `config check` warns about but accepts, as `path: message` lines: a
 * rate limit that lets more requests through than the gateway's own limit
 * (history 50 / 30 s, general 200 / 60 s), which means 429s; no risk rule
 * configured at all (nothing is enforced); a `risk.perAccount` entry for an
 * account an explicit `risk.accounts` list does not guard.
 *
 * @since 0.1.0
 */
export const warnings = (config: AppConfig): Array<string> => [...StackConfig.warnings(config), ...riskWarnings(config.risk)]

/**
 * The seed's defaults.
 *
 * @since 0.1.0
 */
export const defaults: AppConfig = Schema.decodeUnknownSync(AppConfigSchema)({})
