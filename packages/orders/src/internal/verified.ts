/**
 * The verified path of an operation without a customTag (cancel, modify, closeContract): send; on an
 * ambiguous answer (or a refusal that may mean "already done") look the state up; proven not applied:
 * resend (these operations set a state, so a second one does no harm once the first is proven absent);
 * unknown after every round: Verifying, an alert, and the same loop on a schedule in the background.
 *
 * @internal
 */
import type { Errors } from "@tradeguard/gateway"
import * as Effect from "effect/Effect"
import type { Verification } from "../OrderConfig.js"
import type { Answer } from "./calls.js"

/** What a lookup says about the operation. */
export type Check<A> =
  /** Done (or nothing to do): the outcome. */
  | { readonly _tag: "Done"; readonly outcome: A }
  /** Proven not applied: safe to send again. */
  | { readonly _tag: "NotApplied" }
  /** In progress on the gateway: wait, do not send again. */
  | { readonly _tag: "InProgress" }

/** One verified operation. */
export interface Operation<A> {
  readonly name: string
  readonly send: Effect.Effect<Answer<unknown>>
  /** The lookup (fails or times out: the round did not answer). */
  readonly check: Effect.Effect<Check<A>, unknown>
  readonly ok: A
  /** A refusal whose lookup shows the state already reached (a cancel of an order already cancelled). */
  readonly already?: (outcome: A) => A
  readonly refused: (errorCode: number, message: string | undefined) => A
  readonly notSent: (reason: string) => A
  readonly verifying: (reason: string) => A
  readonly unverified: (reason: string) => Errors.OutcomeUnknown
}

/** How the shell runs the background part and raises alerts. */
export interface Shell {
  readonly alert: (message: string) => Effect.Effect<void>
  readonly background: (effect: Effect.Effect<void>) => Effect.Effect<void>
}

type Round<A> = { readonly _tag: "Settled"; readonly outcome: A } | { readonly _tag: "Unsettled"; readonly reason: string }

/**
 * Runs `op`: at most `maxRetries + 1` lookups (and resends) before answering Verifying; the background loop
 * then checks every `timeout` until the outcome is known.
 */
export const run = <A>(op: Operation<A>, config: Verification, shell: Shell): Effect.Effect<A, Errors.OutcomeUnknown> => {
  const afterSend = (a: Answer<unknown>): Effect.Effect<Round<A> | "check", never> => {
    switch (a._tag) {
      case "Ok":
        return Effect.succeed({ _tag: "Settled", outcome: op.ok })
      case "NotSent":
        return Effect.succeed({ _tag: "Settled", outcome: op.notSent(a.reason) })
      case "Refused":
        // a refusal may mean the state is already there (a cancel of an order already cancelled): look
        return Effect.map(Effect.either(op.check), (c) =>
          c._tag === "Right" && c.right._tag === "Done"
            ? { _tag: "Settled", outcome: op.already === undefined ? c.right.outcome : op.already(c.right.outcome) }
            : { _tag: "Settled", outcome: op.refused(a.errorCode, a.message) })
      case "Unknown":
        return Effect.succeed("check")
    }
  }
  // one verification round: look; not applied → send again and read that answer
  const round: Effect.Effect<Round<A>> = Effect.gen(function*() {
    const c = yield* Effect.either(op.check)
    if (c._tag === "Left") return { _tag: "Unsettled", reason: `${op.name}: the lookup did not answer` }
    if (c.right._tag === "Done") return { _tag: "Settled", outcome: c.right.outcome }
    if (c.right._tag === "InProgress") return { _tag: "Unsettled", reason: `${op.name}: in progress on the gateway` }
    const next = yield* afterSend(yield* op.send)
    return next === "check" ? { _tag: "Unsettled", reason: `${op.name}: the resend's outcome is unknown` } : next
  })
  const background = (reason: string): Effect.Effect<void> =>
    Effect.gen(function*() {
      yield* Effect.sleep(config.timeout)
      const r = yield* round
      if (r._tag === "Settled") return
      return yield* background(r.reason)
    }).pipe(Effect.annotateLogs("reason", reason))
  return Effect.gen(function*() {
    const first = yield* op.send
    if (first._tag === "Unknown" && !config.enabled) return yield* Effect.fail(op.unverified(first.reason))
    const settled = yield* afterSend(first)
    if (settled !== "check") return (settled as Round<A> & { _tag: "Settled" }).outcome
    let reason = first._tag === "Unknown" ? first.reason : "unknown"
    for (let i = 0; i <= config.maxRetries; i++) {
      const r = yield* round
      if (r._tag === "Settled") return r.outcome
      reason = r.reason
    }
    yield* shell.alert(
      `${op.name}: the outcome is still unknown after ${config.maxRetries + 1} verification round(s) (${reason}); re-checking every ${config.timeout} ms`
    )
    yield* shell.background(background(reason))
    return op.verifying(reason)
  })
}
