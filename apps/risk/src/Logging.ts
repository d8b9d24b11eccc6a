/**
 * The daemon's logger: replaces Effect's default logger with one line per event, in the format of
 * `logging.format` (`pretty` for a terminal, `json` for a log collector), from the level of `logging.level` up,
 * with every secret taken out first.
 *
 * - `pretty`: `2026-12-02T14:00:00.000Z WARN  message account=100001 rule=dailyLossLimit` (a cause is one
 *   escaped string, so a line is always one event).
 * - `json`: `{"time":"...","level":"WARN","message":"...","annotations":{...},"spans":{...},"cause":"..."}`; the
 *   time is the log's own date in ISO 8601, `annotations`, `spans` (milliseconds) and `cause` only when present.
 * - Redaction: the values of {@link Options.secrets} and of the environment variables of
 *   {@link Options.secretEnv} (read at each line, so a key generated later is hidden too), JWTs (`eyJ...`),
 *   `Bearer` / `Basic` credentials, `access_token=` and similar query parameters, chat webhook URLs (Slack, Discord,
 *   Telegram) and URL user-info become `[redacted]`, in the message, the annotations and the cause; an annotation
 *   whose key names a secret (`token`, `apiKey`, `authorization`, ...) is redacted whatever its value.
 *
 * When to use: `Layer.provide(Logging.layerFor(config))` around the daemon (or `layer(config.logging, options)`).
 * Gotcha: the layer sets the minimum level for the fibers it is provided to; a `Logger.withMinimumLogLevel`
 * further in wins for its region.
 *
 * @since 0.3.0
 */
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import type * as AppConfig from "./AppConfig.js"
import * as Format from "./internal/loggingFormat.js"
import * as Redact from "./internal/loggingRedact.js"

/**
 * The `logging` section.
 *
 * @since 0.3.0
 */
export type LoggingConfig = AppConfig.AppConfig["logging"]

/**
 * Options of {@link layer}.
 *
 * @since 0.3.0
 */
export interface Options {
  /** Exact values to hide (the API key, the token file's key, the webhook URL, ...). */
  readonly secrets?: ReadonlyArray<string>
  /** Environment variables whose values are hidden (default {@link defaultSecretEnv}). */
  readonly secretEnv?: ReadonlyArray<string>
  /** Where a line goes (default: the Console service's `log`, i.e. stdout). */
  readonly write?: (line: string) => void
}

/**
 * The environment variables whose values are always hidden: the gateway API key, the token file's key, the
 * alert webhook and the ops token, by their default names.
 *
 * @since 0.3.0
 */
export const defaultSecretEnv: ReadonlyArray<string> = [
  "PROJECTX_API_KEY",
  "TRADEGUARD_TOKEN_KEY",
  "TRADEGUARD_ALERT_WEBHOOK",
  "TRADEGUARD_OPS_TOKEN"
]

/**
 * The minimum log level of `logging.level` (`WARNING` is Effect's `Warning`).
 *
 * @since 0.3.0
 */
export const levelOf = (level: LoggingConfig["level"]): LogLevel.LogLevel => {
  switch (level) {
    case "DEBUG":
      return LogLevel.Debug
    case "INFO":
      return LogLevel.Info
    case "WARNING":
      return LogLevel.Warning
    case "ERROR":
      return LogLevel.Error
  }
}

/**
 * Redacts one string the way the logger does (with `secrets` as the exact values to hide).
 *
 * @since 0.3.0
 */
export const redact = (text: string, secrets: ReadonlyArray<string> = []): string =>
  Redact.make(() => secrets).string(text)

const secretsOf = (options: Options) => {
  const fixed = options.secrets ?? []
  const env = options.secretEnv ?? defaultSecretEnv
  return () => {
    const out = [...fixed]
    for (const name of env) {
      const v = process.env[name]
      if (v !== undefined && v.trim() !== "") out.push(v)
    }
    return out
  }
}

/**
 * The logger alone, as strings: one line per event in `format`, redacted.
 *
 * @since 0.3.0
 */
export const make = (format: LoggingConfig["format"], options: Options = {}): Logger.Logger<unknown, string> => {
  const redactor = Redact.make(secretsOf(options))
  const render = format === "json" ? Format.json : Format.pretty
  return Logger.make((input) => render(Format.fields(input, redactor)))
}

/**
 * Replaces the default logger with {@link make}'s for `logging.format` and sets the minimum level of
 * `logging.level`.
 *
 * @example
 * ```ts
 * import { AppConfig, Logging } from "@tradeguard/risk"
 * import * as Effect from "effect/Effect"
 *
 * const program = Effect.logWarning("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZW1vIn0.c2ln expired").pipe(
 *   Effect.provide(Logging.layer({ ...AppConfig.defaults.logging, format: "json" }))
 * ) // prints {"time":"...","level":"WARN","message":"token [redacted] expired"}
 * ```
 *
 * @since 0.3.0
 */
export const layer = (logging: LoggingConfig, options: Options = {}): Layer.Layer<never> => {
  const lines = make(logging.format, options)
  const write = options.write
  const logger = write === undefined ? Logger.withConsoleLog(lines) : Logger.map(lines, (line) => write(line))
  return Layer.merge(Logger.replace(Logger.defaultLogger, logger), Logger.minimumLogLevel(levelOf(logging.level)))
}

/**
 * {@link layer} for a whole config: also hides the values of the token key's variable
 * (`authentication.storage.keyEnv`) and of the alert webhook's (`alerts.webhookUrlEnv`) when they are not the
 * default names.
 *
 * @since 0.3.0
 */
export const layerFor = (config: AppConfig.AppConfig, options: Options = {}): Layer.Layer<never> =>
  layer(config.logging, {
    ...options,
    secretEnv: [
      ...(options.secretEnv ?? defaultSecretEnv),
      config.authentication.storage.keyEnv,
      config.alerts.webhookUrlEnv
    ]
  })
