/**
 * The circuit breaker's state machine, pure: `transition(config, state, event,
 * now) => [state, decision]`. No Effect, no timers: the CircuitBreaker shell
 * feeds it events and the time, and publishes the changes.
 *
 * - Closed: calls pass; `failureThreshold` consecutive failures open it.
 * - Open: calls are refused until `halfOpensAt` (`openedAt + timeout`).
 * - HalfOpen: up to `halfOpenRequests` probes pass (more are refused); all of
 *   them succeeding closes it, one failing opens it again.
 *
 * Every state carries an `epoch` that grows on each change of state; an
 * admission returns the epoch as its ticket and an outcome is counted only in
 * the epoch that admitted it (a late reply from before the circuit opened is
 * not a probe result).
 *
 * The reset rule (one rule for every caller): a success resets a Closed
 * circuit's consecutive count only when the call was sent while there was a
 * count to reset. A reply to a call sent while the count was 0 says nothing
 * about the failures that came after it was sent. A {@link Ticket} carries
 * both the epoch and that bit, so whoever records the outcome (the fast path,
 * the slow path, `CircuitBreaker.run`) cannot apply another rule.
 *
 * @internal
 */

export interface BreakerConfig {
  readonly failureThreshold: number
  readonly timeoutMillis: number
  readonly halfOpenRequests: number
}

export type State =
  | { readonly _tag: "Closed"; readonly epoch: number; readonly failures: number }
  | { readonly _tag: "Open"; readonly epoch: number; readonly openedAt: number; readonly halfOpensAt: number }
  | {
    readonly _tag: "HalfOpen"
    readonly epoch: number
    /** When it half-opened. */
    readonly since: number
    /** Probes let through so far (in flight or done). */
    readonly admitted: number
    readonly succeeded: number
  }

/**
 * Which admission an outcome belongs to: the admitting epoch and whether its
 * success may reset the consecutive count (it was sent while Closed with a
 * count). One integer, so the hot path allocates nothing: `epoch * 2 + bit`.
 */
export type Ticket = number

/** The ticket of an admission in `epoch`; `resets`: sent while Closed with failures counted. */
export const ticket = (epoch: number, resets: boolean): Ticket => epoch * 2 + (resets ? 1 : 0)
/**
 * The ticket of a call the breaker let pass without admitting it (an enforcement call while Open or out of
 * probes): its epoch matches no state, so its success, failure or release changes nothing.
 */
export const unrecorded: Ticket = ticket(-1, false)
/** The epoch that admitted the call. */
export const epochOf = (t: Ticket): number => Math.floor(t / 2)
/** Whether the call was sent while there was a count to reset. */
export const mayReset = (t: Ticket): boolean => t % 2 === 1
/** The ticket of a call sent now, in `s` (a Closed circuit admits every call). */
export const ticketOf = (s: State): Ticket => ticket(s.epoch, s._tag === "Closed" && s.failures !== 0)

/** Whether a success of the call admitted with (`epoch`, `resets`) resets the Closed circuit `s`: the reset rule. */
export const resetsCount = (
  s: Extract<State, { _tag: "Closed" }>,
  epoch: number,
  resets: boolean
): boolean => resets && epoch === s.epoch && s.failures !== 0

export type Event =
  /** A call asks to pass. */
  | { readonly _tag: "Acquire" }
  /**
   * An admitted call got a reply that proves the server works (anything but a
   * circuit failure). `resets`: it was sent while there was a count to reset
   * (see {@link resetsCount}); ignored while HalfOpen.
   */
  | { readonly _tag: "Success"; readonly epoch: number; readonly resets: boolean }
  /** An admitted call failed with server-side trouble (5xx, 408, timeout, transport). */
  | { readonly _tag: "Failure"; readonly epoch: number }
  /** An admitted call ended without an outcome (interrupted): its probe slot is free again. */
  | { readonly _tag: "Release"; readonly epoch: number }
  /** Time passed: an Open circuit whose timeout is over half-opens. */
  | { readonly _tag: "Tick" }

export type Decision =
  | { readonly _tag: "Admitted"; readonly epoch: number }
  | { readonly _tag: "Rejected"; readonly halfOpensAt: number }
  | undefined

export const closed: State = { _tag: "Closed", epoch: 0, failures: 0 }

const open = (s: State, now: number, config: BreakerConfig): State => ({
  _tag: "Open",
  epoch: s.epoch + 1,
  openedAt: now,
  halfOpensAt: now + config.timeoutMillis
})

const halfOpen = (s: State, now: number, admitted: number): State => ({
  _tag: "HalfOpen",
  epoch: s.epoch + 1,
  since: now,
  admitted,
  succeeded: 0
})

export const transition = (
  config: BreakerConfig,
  s: State,
  event: Event,
  now: number
): readonly [State, Decision] => {
  switch (s._tag) {
    case "Closed":
      switch (event._tag) {
        case "Acquire":
          return [s, { _tag: "Admitted", epoch: s.epoch }]
        case "Success":
          return [resetsCount(s, event.epoch, event.resets) ? { ...s, failures: 0 } : s, undefined]
        case "Failure":
          if (event.epoch !== s.epoch) return [s, undefined]
          return [
            s.failures + 1 >= config.failureThreshold ? open(s, now, config) : { ...s, failures: s.failures + 1 },
            undefined
          ]
        default:
          return [s, undefined]
      }
    case "Open":
      switch (event._tag) {
        case "Acquire": {
          if (now < s.halfOpensAt) return [s, { _tag: "Rejected", halfOpensAt: s.halfOpensAt }]
          const next = halfOpen(s, now, 1)
          return [next, { _tag: "Admitted", epoch: next.epoch }]
        }
        case "Tick":
          return [now >= s.halfOpensAt ? halfOpen(s, now, 0) : s, undefined]
        default:
          return [s, undefined]
      }
    case "HalfOpen":
      switch (event._tag) {
        case "Acquire":
          return s.admitted < config.halfOpenRequests
            ? [{ ...s, admitted: s.admitted + 1 }, { _tag: "Admitted", epoch: s.epoch }]
            : [s, { _tag: "Rejected", halfOpensAt: s.since }]
        case "Success":
          if (event.epoch !== s.epoch) return [s, undefined]
          return [
            s.succeeded + 1 >= config.halfOpenRequests
              ? { _tag: "Closed", epoch: s.epoch + 1, failures: 0 }
              : { ...s, succeeded: s.succeeded + 1 },
            undefined
          ]
        case "Failure":
          return [event.epoch === s.epoch ? open(s, now, config) : s, undefined]
        case "Release":
          return [event.epoch === s.epoch && s.admitted > 0 ? { ...s, admitted: s.admitted - 1 } : s, undefined]
        default:
          return [s, undefined]
      }
  }
}

/** Applies events in order; the decisions of each. For tests and replays. */
export const run = (
  config: BreakerConfig,
  s: State,
  events: ReadonlyArray<readonly [Event, number]>
): readonly [State, ReadonlyArray<Decision>] => {
  const decisions: Array<Decision> = []
  for (const [event, now] of events) {
    const [next, decision] = transition(config, s, event, now)
    s = next
    decisions.push(decision)
  }
  return [s, decisions]
}
