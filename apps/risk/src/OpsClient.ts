/**
 * TODO (skeleton): the client side of the operations endpoint: `status`, `unlock`, `audit`.
 *
 * @since 0.3.0
 */
import type * as Option from "effect/Option"
import * as Effect from "effect/Effect"
import { notYet } from "./internal/commandFailed.js"

/** @since 0.3.0 */
export const status = (options: { readonly config: string; readonly ops: Option.Option<string>; readonly json: boolean }) =>
  Effect.suspend(() => Effect.fail(notYet(`status ${options.config}`)))

/** @since 0.3.0 */
export const unlock = (
  options: { readonly config: string; readonly ops: Option.Option<string>; readonly account: number; readonly reason: string }
) => Effect.suspend(() => Effect.fail(notYet(`unlock ${options.account}`)))

/** @since 0.3.0 */
export const audit = (
  options: {
    readonly config: string
    readonly account: Option.Option<number>
    readonly since: Option.Option<string>
    readonly json: boolean
  }
) => Effect.suspend(() => Effect.fail(notYet(`audit ${options.config}`)))
