/**
 * Where the daemon is in its life: starting (which step), running (with every service of the app), or
 * stopping. The operations endpoint, readiness, status and metrics read it: before the start-up sequence
 * is done `/readyz` answers 503 `starting` naming the step.
 *
 * @since 0.3.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as SubscriptionRef from "effect/SubscriptionRef"
import type { AppServices } from "./internal/appServices.js"

/**
 * The start-up sequence's steps, in order (the seed's: token, hubs, reconciliation, orders, limiter, rules),
 * plus the daemon's own: the lease, the database and the operations endpoint.
 *
 * @since 0.3.0
 */
export type Step = "lease" | "ops" | "token" | "hubs" | "reconciliation" | "database" | "orders" | "limiter" | "rules"

/**
 * The daemon's phase.
 *
 * @since 0.3.0
 */
export type Phase =
  | { readonly _tag: "Starting"; readonly step: Step; readonly since: number }
  | { readonly _tag: "Running"; readonly context: Context.Context<AppServices>; readonly since: number }
  | { readonly _tag: "Stopping"; readonly since: number }

/**
 * The phase, as a SubscriptionRef (its `changes` stream every transition).
 *
 * @since 0.3.0
 */
export class DaemonPhase extends Context.Tag("@tradeguard/risk/DaemonPhase")<
  DaemonPhase,
  SubscriptionRef.SubscriptionRef<Phase>
>() {}

/**
 * A phase starting at the lease step.
 *
 * @since 0.3.0
 */
export const layer: Layer.Layer<DaemonPhase> = Layer.effect(
  DaemonPhase,
  Effect.flatMap(Effect.clockWith((c) => c.currentTimeMillis), (since) =>
    SubscriptionRef.make<Phase>({ _tag: "Starting", step: "lease", since }))
)

/**
 * A layer already running with `context` (tests of what reads the phase).
 *
 * @since 0.3.0
 */
export const running = (context: Context.Context<AppServices>): Layer.Layer<DaemonPhase> =>
  Layer.effect(DaemonPhase, SubscriptionRef.make<Phase>({ _tag: "Running", context, since: 0 }))
