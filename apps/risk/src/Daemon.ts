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
export const run = (options: { readonly config: string; readonly simulator: boolean }) => Effect.suspend(() => Effect.fail(notYet("Daemon " + JSON.stringify(options))))
