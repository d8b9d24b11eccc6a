/**
 * The placement state machine of one intent, pure: `transition(state, event) => [state, actions]`. The Effect
 * shell (OrderManager, a later slice) performs the actions (write the attempt, send, search, schedule a
 * timer, alert) and feeds back what happened.
 *
 * Rules (issue 10, reference §8): a tag is never changed after an ambiguous failure (a resend uses the
 * same tag, which the gateway refuses if it has seen it, so a resend cannot make a second order); a new tag
 * (`n+1`) is only sent after a definitive business rejection, when the caller asks to retry; an outcome that
 * stays unknown is never guessed: the intent stays Verifying and is re-checked on a schedule.
 *
 * @internal
 */
import type { Models } from "@tradeguard/gateway"
import * as Option from "effect/Option"
import type { Verification as VerificationConfig } from "../OrderConfig.js"
import type { RecordedOutcome } from "../OrderIntent.js"
import { parseTag, tagOf } from "../OrderIntent.js"

/** Where the intent stands. */
export type Phase =
  /** Attempt `n` is written; `Send` was emitted, `Sent` not yet seen. */
  | { readonly _tag: "Ready"; readonly resend: boolean }
  /** The request for the current tag went out; waiting for its reply. */
  | { readonly _tag: "AwaitingReply"; readonly resend: boolean }
  /**
   * Looking for the intent's tags, round `round` (0-based). `after`: an ambiguous failure, or the refusal of
   * a resend (`refusal`). `recheck`: a scheduled re-check of a Verifying intent.
   */
  | {
    readonly _tag: "Searching"
    readonly round: number
    readonly after: "ambiguous" | "refused"
    readonly recheck: boolean
    readonly refusal?: Refusal
  }
  /** Still unknown after every round: waiting for the re-check timer. */
  | { readonly _tag: "Verifying"; readonly after: "ambiguous" | "refused"; readonly refusal?: Refusal }
  /** The caller got OutcomeUnknown unverified (`verification.enabled: false`). */
  | { readonly _tag: "Unverified" }
  /** A terminal outcome; `Rejected` may still be retried (RetryRequested). */
  | { readonly _tag: "Done"; readonly outcome: RecordedOutcome }

/** The gateway's answer to a rejected request. */
export interface Refusal {
  readonly errorCode: number
  readonly message?: string
}

/** The state of one intent. */
export interface State {
  readonly key: string
  /** The current attempt number (its tag is `tagOf(key, n)`). */
  readonly n: number
  /**
   * The intent's first attempt number (1 unless the key was reused past its TTL: the attempts before belong
   * to an earlier intent of the same key, and their orders are not this intent's).
   */
  readonly first?: number
  readonly phase: Phase
  readonly config: VerificationConfig
}

/** What the shell tells the machine. */
export type Event =
  | { readonly _tag: "Sent" }
  | { readonly _tag: "Replied"; readonly orderId: number }
  | { readonly _tag: "Rejected"; readonly errorCode: number; readonly message?: string }
  | { readonly _tag: "Ambiguous"; readonly cause: string }
  | { readonly _tag: "FailedPermanently"; readonly reason: string }
  | { readonly _tag: "SearchFound"; readonly order: Models.Order }
  | { readonly _tag: "SearchAbsent" }
  | { readonly _tag: "SearchFailed"; readonly reason: string }
  | { readonly _tag: "HubSaw"; readonly order: Models.Order }
  | { readonly _tag: "RetryRequested" }
  | { readonly _tag: "Timer" }

/** What the machine asks the shell to do. */
export type Action =
  /** Write the attempt (write-ahead) and send `Order/place` with this customTag. */
  | { readonly _tag: "Send"; readonly customTag: string; readonly n: number }
  /** Look for any of these tags (Order/search + the user hub) within `verification.timeout`. */
  | { readonly _tag: "Search"; readonly tags: ReadonlyArray<string> }
  /** The order `orderId` is the intent's: record it. */
  | { readonly _tag: "Adopt"; readonly orderId: number; readonly customTag: string }
  | { readonly _tag: "Alert"; readonly message: string }
  /** Feed a `Timer` event back after `delayMillis`. */
  | { readonly _tag: "Schedule"; readonly delayMillis: number }
  /** Answer the caller (Verifying answers it while verification goes on). */
  | { readonly _tag: "Complete"; readonly outcome: RecordedOutcome }
  /** Hand the OutcomeUnknown to the caller unverified (verification disabled). */
  | { readonly _tag: "Unverified"; readonly cause: string }

/** A transition's result. */
export type Step = readonly [State, ReadonlyArray<Action>]

const tag = (s: State) => tagOf(s.key, s.n)

/** Every tag the intent has used, oldest first. */
export const tagsOf = (s: State): ReadonlyArray<string> => {
  const first = s.first ?? 1
  return Array.from({ length: s.n - first + 1 }, (_, i) => tagOf(s.key, first + i))
}

const send = (s: State, resend: boolean): Step => [
  { ...s, phase: { _tag: "Ready", resend } },
  [{ _tag: "Send", customTag: tag(s), n: s.n }]
]

/** A new intent: attempt 1 is written and sent. */
export const start = (key: string, config: VerificationConfig): Step => startAt(key, 1, config)

/** A new intent of a key whose attempts `1..n-1` belong to earlier intents: attempt `n` is written and sent. */
export const startAt = (key: string, n: number, config: VerificationConfig): Step =>
  send({ key, n, first: n, phase: { _tag: "Ready", resend: false }, config }, false)

/**
 * An intent found not terminal at start-up (attempt `n` written, outcome unknown): verified before anything
 * is sent.
 */
export const resume = (key: string, n: number, config: VerificationConfig, first = 1): Step => {
  const s: State = { key, n, first, phase: { _tag: "Searching", round: 0, after: "ambiguous", recheck: false }, config }
  return [s, [{ _tag: "Search", tags: tagsOf(s) }]]
}

/** The order id an order of ours stands for (a bracket leg stands for its parent entry), if it is ours. */
const ownOrder = (s: State, order: Models.Order): Option.Option<{ orderId: number; customTag: string }> => {
  const parsed = order.customTag === undefined || order.customTag === null ? Option.none() : parseTag(order.customTag)
  if (Option.isNone(parsed) || parsed.value.key !== s.key || parsed.value.n > s.n || parsed.value.n < (s.first ?? 1)) {
    return Option.none()
  }
  const { n, leg } = parsed.value
  if (leg === undefined) return Option.some({ orderId: order.id, customTag: tagOf(s.key, n) })
  const parent = order.parentOrderId
  return parent === undefined || parent === null ? Option.none() : Option.some({ orderId: parent, customTag: tagOf(s.key, n) })
}

const adopt = (s: State, found: { orderId: number; customTag: string }, extra: ReadonlyArray<Action> = []): Step => {
  const outcome: RecordedOutcome = { _tag: "Placed", orderId: found.orderId, customTag: found.customTag }
  return [{ ...s, phase: { _tag: "Done", outcome } }, [...extra, { _tag: "Adopt", ...found }, { _tag: "Complete", outcome }]]
}

const complete = (s: State, outcome: RecordedOutcome): Step => [{ ...s, phase: { _tag: "Done", outcome } }, [{ _tag: "Complete", outcome }]]

type Searching = Extract<Phase, { _tag: "Searching" }>

const search = (s: State, phase: Searching): Step => [{ ...s, phase }, [{ _tag: "Search", tags: tagsOf(s) }]]

const unchanged = (s: State): Step => [s, []]

/** A search round that did not answer (failed or timed out). */
const roundFailed = (s: State, p: Searching, reason: string): Step => {
  const verifying: Phase = p.refusal === undefined
    ? { _tag: "Verifying", after: p.after }
    : { _tag: "Verifying", after: p.after, refusal: p.refusal }
  const schedule: Action = { _tag: "Schedule", delayMillis: s.config.timeout }
  if (p.recheck) return [{ ...s, phase: verifying }, [schedule]]
  if (p.round < s.config.maxRetries) return search(s, { ...p, round: p.round + 1 })
  return [{ ...s, phase: verifying }, [
    {
      _tag: "Alert",
      message: `order intent ${s.key}: the outcome of ${tag(s)} is still unknown after ${p.round + 1} verification round(s) (${reason}); re-checking every ${s.config.timeout} ms, nothing is sent`
    },
    schedule,
    { _tag: "Complete", outcome: { _tag: "Verifying", customTag: tag(s) } }
  ]]
}

const fresh = (after: "ambiguous" | "refused", refusal?: Refusal): Searching =>
  refusal === undefined ? { _tag: "Searching", round: 0, after, recheck: false } : { _tag: "Searching", round: 0, after, recheck: false, refusal }

/** The state machine: `(state, event) => [state, actions]`. Events that do not apply in a phase are ignored. */
export const transition = (s: State, e: Event): Step => {
  const p = s.phase
  if (e._tag === "HubSaw" || e._tag === "SearchFound") {
    const own = ownOrder(s, e.order)
    if (Option.isNone(own)) return unchanged(s)
    if (p._tag === "Done") {
      // A late landing after the intent was closed as Rejected: never lose it.
      if (p.outcome._tag !== "Rejected" && p.outcome._tag !== "Failed") return unchanged(s)
      return adopt(s, own.value, [{ _tag: "Alert", message: `order intent ${s.key}: order ${own.value.orderId} (${own.value.customTag}) appeared after the intent was closed as ${p.outcome._tag}; adopted` }])
    }
    if (e._tag === "SearchFound" && p._tag !== "Searching") return unchanged(s)
    return adopt(s, own.value)
  }
  // A reply that arrives late (the stalled request answered after all) names the order of the current tag.
  if (e._tag === "Replied" && (p._tag === "Searching" || p._tag === "Verifying")) {
    return adopt(s, { orderId: e.orderId, customTag: tag(s) })
  }
  switch (p._tag) {
    case "Ready":
    case "AwaitingReply": {
      switch (e._tag) {
        case "Sent":
          return p._tag === "Ready" ? [{ ...s, phase: { _tag: "AwaitingReply", resend: p.resend } }, []] : unchanged(s)
        case "Replied":
          return complete(s, { _tag: "Placed", orderId: e.orderId, customTag: tag(s) })
        case "Rejected": {
          const refusal = e.message === undefined ? { errorCode: e.errorCode } : { errorCode: e.errorCode, message: e.message }
          // A rejected resend may be the refusal of a tag that already landed: look before concluding.
          if (p.resend) return search(s, fresh("refused", refusal))
          return complete(s, { _tag: "Rejected", customTag: tag(s), ...refusal })
        }
        case "Ambiguous":
          if (!s.config.enabled) return [{ ...s, phase: { _tag: "Unverified" } }, [{ _tag: "Unverified", cause: e.cause }]]
          return search(s, fresh("ambiguous"))
        case "FailedPermanently":
          // After a resend the first request may have landed: look before concluding.
          return p.resend ? search(s, fresh("ambiguous")) : complete(s, { _tag: "Failed", reason: e.reason })
        default:
          return unchanged(s)
      }
    }
    case "Searching": {
      switch (e._tag) {
        case "SearchAbsent":
          if (p.after === "refused") {
            // Not found after a refusal: the tag was used up by a rejection.
            return complete(s, { _tag: "Rejected", customTag: tag(s), ...p.refusal! })
          }
          // Proven absent: resend the SAME tag (a stalled first request that lands later is refused).
          return send(s, true)
        case "SearchFailed":
          return roundFailed(s, p, e.reason)
        default:
          return unchanged(s)
      }
    }
    case "Verifying": {
      if (e._tag !== "Timer") return unchanged(s)
      const base = { ...fresh(p.after, p.refusal), recheck: true }
      return search(s, base)
    }
    case "Done":
      if (e._tag === "RetryRequested" && (p.outcome._tag === "Rejected" || p.outcome._tag === "Failed")) {
        return send({ ...s, n: s.n + 1 }, false)
      }
      return unchanged(s)
    case "Unverified":
      return unchanged(s)
  }
}
