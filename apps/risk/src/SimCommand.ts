/**
 * TODO (skeleton).
 *
 * @since 0.3.0
 */
import * as Effect from "effect/Effect"
import { notYet } from "./internal/commandFailed.js"

/**
 * TODO.
 *
 * @since 0.3.0
 */
export const run = (options: { readonly port: number; readonly seed: number; readonly singleSession: boolean; readonly tickMs: number }) => Effect.suspend(() => Effect.fail(notYet("SimCommand " + JSON.stringify(options))))
