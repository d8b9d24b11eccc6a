/**
 * The tradeguard risk daemon: configuration, runtime composition, risk rules
 * and the CLI.
 *
 * @since 0.1.0
 */
/**
 * The daemon's `config.yaml`: its Schema, defaults, loading and checks.
 *
 * @since 0.1.0
 */
export * as AppConfig from "./AppConfig.js"
/**
 * The daemon's runtime: the resilience and realtime layers composed from the config, one TokenManager.
 *
 * @since 0.1.0
 */
export * as Runtime from "./Runtime.js"
/**
 * The daemon's Prometheus metrics (prom-client, a registry of their own) for `GET /metrics`.
 *
 * @since 0.3.0
 */
export * as Metrics from "./Metrics.js"
/**
 * The daemon's logger: `logging.format` (pretty or JSON lines), `logging.level`, and secrets redacted.
 *
 * @since 0.3.0
 */
export * as Logging from "./Logging.js"
/**
 * Alerts: each breach, enforcement outcome, escalation, session conflict and degraded period as a log line, a
 * metric and (with a webhook URL in the environment) a JSON POST, never in the enforcement path.
 *
 * @since 0.3.0
 */
export * as Alerts from "./Alerts.js"
