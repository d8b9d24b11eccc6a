/**
 * The tradeguard risk daemon: configuration, runtime composition, risk rules
 * and the CLI.
 *
 * @since 0.1.0
 */
export * as AppConfig from "./AppConfig.js"
export * as Runtime from "./Runtime.js"
