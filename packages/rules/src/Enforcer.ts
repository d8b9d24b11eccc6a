/**
 * The Enforcer carries out the rules' actions on one account at a time
 * (a second request while one runs joins it), through the OrderManager
 * (idempotent, verified): cancel before close, verify flat with
 * Position/searchOpen, Order/search over the trading day and AccountState,
 * repeat what is not done, escalate past a bound and keep trying. Every
 * enforcement and its progress is persisted, so a restart resumes it without
 * duplicates; every decision and action is an audit record.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { RuleName } from "./RiskConfig.js"
import type { Action } from "./Verdict.js"

/**
 * What to enforce on an account, and why.
 *
 * @since 0.1.0
 */
export interface Request {
  readonly accountId: number
  /** The rule that asks (`lock`: an active lock finds an order or a position). */
  readonly rule: RuleName | "lock"
  readonly reason: string
  readonly figures: Readonly<Record<string, unknown>>
  readonly actions: ReadonlyArray<Action>
}

/**
 * How an enforcement ended: `Done` (verified), or `Escalated` (not verified within the bound; it keeps trying).
 *
 * @since 0.1.0
 */
export type Outcome =
  | { readonly _tag: "Done"; readonly id: string; readonly at: number }
  | { readonly _tag: "Escalated"; readonly id: string; readonly at: number; readonly remaining: string }

/**
 * The Enforcer.
 *
 * @since 0.1.0
 */
export interface Service {
  /** Carries out `request` (joining the account's running enforcement, if any) and waits for its outcome. */
  readonly enforce: (request: Request) => Effect.Effect<Outcome>
  /** Whether an enforcement is running on the account. */
  readonly running: (accountId: number) => Effect.Effect<boolean>
}

/**
 * The Enforcer's tag (its shape is {@link Service}).
 *
 * @since 0.1.0
 */
export class Enforcer extends Context.Tag("@tradeguard/rules/Enforcer")<Enforcer, Service>() {}
