/**
 * One group's circuit: the current state of the pure machine
 * (breakerState.ts), counters, the half-open timer, and synchronous
 * publication of transitions. CircuitBreaker.ts builds one per group.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import type * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Metric from "effect/Metric"
import * as MetricLabel from "effect/MetricLabel"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import type { GroupHealth, Guard, Transition } from "../CircuitBreaker.js"
import { CircuitOpen } from "../Errors.js"
import * as BS from "./breakerState.js"

export interface GuardEnv {
  readonly config: BS.BreakerConfig
  readonly clock: Clock.Clock
  readonly runtime: Runtime.Runtime<never>
  readonly isFailure: (error: unknown) => boolean
  readonly publish: (transition: Transition) => void
}

/** Effect Metrics of the breaker, tagged `group`. */
export const metrics = {
  /** 0 closed, 1 half-open, 2 open. */
  state: Metric.gauge("tradeguard_circuit_state", { description: "0 closed, 1 half-open, 2 open" }),
  transitions: Metric.counter("tradeguard_circuit_transitions_total", { incremental: true }),
  rejected: Metric.counter("tradeguard_circuit_rejected_total", { incremental: true })
} as const

const stateValue = { Closed: 0, HalfOpen: 1, Open: 2 } as const

export const makeGuard = <G extends string>(group: G, env: GuardEnv) => {
  const { clock, config } = env
  const runFork = Runtime.runFork(env.runtime)
  const tags = [MetricLabel.make("group", group)]
  let state: BS.State = BS.closed
  let since: number | undefined
  let failures = 0
  let rejected = 0
  let timer: Fiber.RuntimeFiber<void> | undefined

  /** Moves to `next`; publishes and arms the timer when the state changed. */
  const commit = (next: BS.State, now: number): void => {
    const from = state
    state = next
    if (next.epoch === from.epoch) return
    since = now
    metrics.state.unsafeUpdate(stateValue[next._tag], tags)
    metrics.transitions.unsafeUpdate(1, tags)
    if (next._tag === "Open") arm(next.halfOpensAt - now)
    env.publish({ group: group as never, from, to: next, at: now })
  }

  const arm = (millis: number): void => {
    timer?.unsafeInterruptAsFork(FiberId.none)
    timer = runFork(Effect.zipRight(
      Effect.sleep(Duration.millis(Math.max(0, millis))),
      Effect.sync(() => {
        timer = undefined
        current()
      })
    ))
  }

  const apply = (event: BS.Event, now: number): BS.Decision => {
    const [next, decision] = BS.transition(config, state, event, now)
    if (next !== state) commit(next, now)
    return decision
  }

  /** The state now: an Open circuit whose timeout is over half-opens first. */
  const current = (): BS.State => {
    if (state._tag === "Open") {
      const now = clock.unsafeCurrentTimeMillis()
      if (now >= state.halfOpensAt) apply({ _tag: "Tick" }, now)
    }
    return state
  }

  const enter = (endpoint: string): BS.Ticket | CircuitOpen => {
    if (state._tag === "Closed") return BS.ticketOf(state)
    const decision = apply({ _tag: "Acquire" }, clock.unsafeCurrentTimeMillis())
    if (decision?._tag === "Admitted") return BS.ticket(decision.epoch, false)
    rejected++
    metrics.rejected.unsafeUpdate(1, tags)
    return new CircuitOpen({ group, endpoint, halfOpensAt: decision?.halfOpensAt ?? 0 })
  }

  const success = (ticket: BS.Ticket): void => {
    const epoch = BS.epochOf(ticket)
    const resets = BS.mayReset(ticket)
    // Closed and the reset rule says no: nothing changes (no allocation).
    if (state._tag === "Closed" && !BS.resetsCount(state, epoch, resets)) return
    apply({ _tag: "Success", epoch, resets }, clock.unsafeCurrentTimeMillis())
  }
  const failure = (ticket: BS.Ticket): void => {
    failures++
    apply({ _tag: "Failure", epoch: BS.epochOf(ticket) }, clock.unsafeCurrentTimeMillis())
  }
  const release = (ticket: BS.Ticket): void => {
    if (state._tag === "HalfOpen") apply({ _tag: "Release", epoch: BS.epochOf(ticket) }, clock.unsafeCurrentTimeMillis())
  }
  const record = (ticket: BS.Ticket, error: unknown): void =>
    env.isFailure(error) ? failure(ticket) : success(ticket)
  const settle = (ticket: BS.Ticket, exit: Exit.Exit<unknown, unknown>): void => {
    if (exit._tag === "Success") return success(ticket)
    const error = Cause.failureOption(exit.cause)
    if (Option.isSome(error)) return record(ticket, error.value)
    release(ticket)
  }

  const health = (): GroupHealth => {
    const s = current()
    return {
      state: s._tag,
      consecutiveFailures: s._tag === "Closed" ? s.failures : 0,
      halfOpensAt: s._tag === "Open" ? s.halfOpensAt : undefined,
      since,
      failures,
      rejected
    }
  }

  const close = () => timer?.unsafeInterruptAsFork(FiberId.none)

  metrics.state.unsafeUpdate(0, tags)
  const guard: Guard = { group: group as never, current, enter, success, failure, release, record, settle }
  return Object.assign(guard, { health, close })
}
