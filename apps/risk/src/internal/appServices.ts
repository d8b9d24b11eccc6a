import type { ServicesWithRules } from "../Runtime.js"

/** Every service the running daemon has: the runtime with its rules (the daemon adds its own later). */
export type AppServices = ServicesWithRules
