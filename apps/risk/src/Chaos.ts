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
export const run = (options: { readonly seed: number; readonly hours: number }) => Effect.suspend(() => Effect.fail(notYet("Chaos " + JSON.stringify(options))))
