/**
 * The RateLimiter's engine, synchronous: the two sliding windows, the waiting
 * lines, admission in priority and arrival order, the enforcement reserve of
 * the general window (a `normal` call fits only below `general.requests -
 * enforcementReserve`), held slots and their completion, overflow, pauses,
 * counters and metrics. The only Effect it runs
 * is the wake-up timer (one fiber at a time, forked with the layer's
 * runtime). RateLimiter.ts wraps it in Effects.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as MetricLabel from "effect/MetricLabel"
import type { RateLimitClass, Slot, Stats, WindowStats } from "../RateLimiter.js"
import type { Priority } from "../ResilientGateway.js"
import * as SW from "./slidingWindow.js"
import * as WQ from "./waitQueue.js"

/**
 * Effect Metrics, tagged `class`. Queue depth, waits, drops and pauses update
 * as they happen; window usage and admissions when a call waits, on `stats`,
 * and every `metricsInterval` if set (the success path stays metric-free).
 */
export const metrics = {
  queueDepth: Metric.gauge("tradeguard_ratelimit_queue_depth", { description: "calls waiting for a slot" }),
  waitMillis: Metric.histogram(
    "tradeguard_ratelimit_wait_ms",
    MetricBoundaries.exponential({ start: 1, factor: 2, count: 18 }),
    "time a queued call waited for its slot"
  ),
  windowUsage: Metric.gauge("tradeguard_ratelimit_window_usage", { description: "admissions in the current window" }),
  admitted: Metric.counter("tradeguard_ratelimit_admitted_total", { incremental: true }),
  dropped: Metric.counter("tradeguard_ratelimit_dropped_total", { incremental: true }),
  paused: Metric.counter("tradeguard_ratelimit_paused_total", { incremental: true })
} as const

const classes: ReadonlyArray<RateLimitClass> = ["history", "general"]
const tags = {
  history: [MetricLabel.make("class", "history")],
  general: [MetricLabel.make("class", "general")]
} as const

export interface CoreOptions {
  readonly history: { readonly requests: number; readonly windowSeconds: number }
  readonly general: { readonly requests: number; readonly windowSeconds: number }
  readonly queueSize: number
  readonly dropOldest: boolean
  readonly historyCountsAsGeneral: boolean
  /** General-window slots only `enforcement` calls may take (< `general.requests`). */
  readonly enforcementReserve: number
}

/**
 * A slot taken for one call: it holds its place in the windows until
 * `complete` stamps it with the completion time (or `quit` gives back one
 * that never reached its caller). `held` makes both idempotent.
 */
export interface HeldSlot extends Slot {
  held: boolean
}

type Waiter = WQ.Waiter<RateLimitClass, HeldSlot>

/** What `join` did with a caller that could not pass at once. */
export type Joined =
  | { readonly _tag: "Admitted"; readonly slot: HeldSlot | undefined }
  | { readonly _tag: "Refused" }
  | { readonly _tag: "Waiting"; readonly waiter: Waiter }

export const makeCore = (
  o: CoreOptions,
  now: () => number,
  runFork: (effect: Effect.Effect<void>) => Fiber.RuntimeFiber<void>
) => {
  const windows = {
    history: SW.make(o.history.requests, o.history.windowSeconds * 1000),
    general: SW.make(o.general.requests, o.general.windowSeconds * 1000)
  }
  const hist = windows.history
  const gen = windows.general
  const both = o.historyCountsAsGeneral
  /**
   * A 429 answered to a `normal` call pauses only `normal` calls of its window (until here); one
   * answered to an `enforcement` call pauses the whole window ({@link SW.pause}). A read's bad
   * Retry-After must never hold a cancel or a close.
   */
  const normalPausedUntil = { history: Number.NEGATIVE_INFINITY, general: Number.NEGATIVE_INFINITY }
  const normalPause = (cls: RateLimitClass): number =>
    cls === "history" && both ? Math.max(normalPausedUntil.history, normalPausedUntil.general) : normalPausedUntil[cls]
  const lines = { history: WQ.makeLines<RateLimitClass, HeldSlot>(), general: WQ.makeLines<RateLimitClass, HeldSlot>() }
  const counts = { admitted: { history: 0, general: 0 }, reported: { history: 0, general: 0 } }
  let depth = 0
  let seq = 0
  let waited = 0
  let dropped = 0
  const rateLimited = { history: 0, general: 0 }
  let totalWait = 0
  let maxWait = 0
  let armed: { at: number; fiber: Fiber.RuntimeFiber<void> | undefined } | undefined

  /** How much of the general window a call of `priority` may fill: all of it, or all but the reserve. */
  const generalLimit = { enforcement: gen.limit, normal: gen.limit - o.enforcementReserve } as const
  const admissible = (cls: RateLimitClass, priority: Priority, t: number): boolean =>
    (priority === "enforcement" || t >= normalPause(cls)) && (cls === "general"
      ? SW.canAdmit(gen, t, generalLimit[priority])
      : SW.canAdmit(hist, t) && (!both || SW.canAdmit(gen, t, generalLimit[priority])))
  const nextFree = (cls: RateLimitClass, priority: Priority, t: number): number =>
    Math.max(
      priority === "enforcement" ? t : normalPause(cls),
      cls === "general"
        ? SW.nextFree(gen, t, generalLimit[priority])
        : Math.max(SW.nextFree(hist, t), both ? SW.nextFree(gen, t, generalLimit[priority]) : t)
    )
  /** Counts a call of `cls` admitted at `t`: held until completed (`track`), or from `t` on. */
  const admit = (cls: RateLimitClass, t: number, track: boolean): HeldSlot | undefined => {
    counts.admitted[cls]++
    if (!track) {
      SW.record(cls === "general" ? gen : hist, t)
      if (cls === "history" && both) SW.record(gen, t)
      return undefined
    }
    SW.take(cls === "general" ? gen : hist)
    if (cls === "history" && both) SW.take(gen)
    return { cls, held: true }
  }
  /** Stamps a held slot with its completion time `t`. */
  const complete = (slot: HeldSlot, t: number): void => {
    if (!slot.held) return
    slot.held = false
    SW.complete(slot.cls === "general" ? gen : hist, t)
    if (slot.cls === "history" && both) SW.complete(gen, t)
    if (depth !== 0) arm(t) // a slot held "forever" now frees at t + window
  }
  /** Gives back a held slot whose call was never sent. */
  const cancel = (slot: HeldSlot, t: number): void => {
    if (!slot.held) return
    slot.held = false
    SW.cancel(slot.cls === "general" ? gen : hist)
    if (slot.cls === "history" && both) SW.cancel(gen)
    if (depth !== 0) {
      drain(t)
      arm(t)
    }
  }
  const queued = (cls: RateLimitClass) => lines[cls].enforcement.size + lines[cls].normal.size
  const setDepth = (cls: RateLimitClass) => metrics.queueDepth.unsafeUpdate(queued(cls), tags[cls])
  const report = (t: number) => {
    for (const cls of classes) {
      metrics.windowUsage.unsafeUpdate(SW.usage(windows[cls], t), tags[cls])
      metrics.admitted.unsafeUpdate(counts.admitted[cls] - counts.reported[cls], tags[cls])
      counts.reported[cls] = counts.admitted[cls]
    }
  }

  /** Takes `w` out of line for good. */
  const leave = (w: Waiter, state: "admitted" | "dropped"): void => {
    if (!WQ.remove(w)) return
    depth--
    w.state = state
    setDepth(w.cls)
  }
  const countDrop = (cls: RateLimitClass) => {
    dropped++
    metrics.dropped.unsafeUpdate(1, tags[cls])
  }
  const headIfAdmissible = (list: WQ.List<RateLimitClass, HeldSlot>, t: number) =>
    list.head !== undefined && admissible(list.head.cls, list.head.priority, t) ? list.head : undefined

  /** Admits every head that fits at `t`: enforcement first, then by arrival. */
  const drain = (t: number): void => {
    let admittedNow = 0
    while (depth > 0) {
      const pick = WQ.older(headIfAdmissible(lines.history.enforcement, t), headIfAdmissible(lines.general.enforcement, t))
        ?? WQ.older(headIfAdmissible(lines.history.normal, t), headIfAdmissible(lines.general.normal, t))
      if (pick === undefined) break
      leave(pick, "admitted")
      pick.slot = admit(pick.cls, t, pick.track)
      const wait = t - pick.enqueuedAt
      waited++
      admittedNow++
      totalWait += wait
      if (wait > maxWait) maxWait = wait
      metrics.waitMillis.unsafeUpdate(wait, tags[pick.cls])
      pick.resume?.(true)
    }
    if (admittedNow > 0) report(t)
  }

  /** Makes sure a timer fires when the first waiting head can go. */
  const arm = (t: number): void => {
    let at = Number.POSITIVE_INFINITY
    for (const cls of classes) {
      if (lines[cls].enforcement.size > 0) at = Math.min(at, nextFree(cls, "enforcement", t))
      if (lines[cls].normal.size > 0) at = Math.min(at, nextFree(cls, "normal", t))
    }
    if (at === Number.POSITIVE_INFINITY || (armed !== undefined && armed.at <= at)) return
    armed?.fiber?.unsafeInterruptAsFork(FiberId.none)
    const entry: { at: number; fiber: Fiber.RuntimeFiber<void> | undefined } = { at, fiber: undefined }
    armed = entry
    entry.fiber = runFork(Effect.zipRight(
      Effect.sleep(Duration.millis(Math.max(0, at - t))),
      Effect.sync(() => {
        if (armed === entry) armed = undefined
        const woke = now()
        drain(woke)
        arm(woke)
      })
    ))
  }

  /** Who leaves when the line is full, or undefined to refuse the newcomer. */
  const victim = (priority: Priority): Waiter | undefined => {
    const normal = o.dropOldest
      ? WQ.older(lines.history.normal.head, lines.general.normal.head)
      : priority === "enforcement"
      ? WQ.newer(lines.history.normal.tail, lines.general.normal.tail)
      : undefined
    if (normal !== undefined || priority === "normal" || !o.dropOldest) return normal
    return WQ.older(lines.history.enforcement.head, lines.general.enforcement.head)
  }

  return {
    /** The success path: a held slot at `t` if one is free for `priority` and nobody waits. */
    tryAcquire: (cls: RateLimitClass, t: number, priority: Priority = "normal"): HeldSlot | undefined =>
      depth !== 0 || !admissible(cls, priority, t) ? undefined : admit(cls, t, true),

    /** The success path with admission-time semantics: counts a call from `t` if a slot is free and nobody waits. */
    tryRecord: (cls: RateLimitClass, t: number, priority: Priority = "normal"): boolean => {
      if (depth !== 0 || !admissible(cls, priority, t)) return false
      admit(cls, t, false)
      return true
    },

    complete,

    /**
     * Puts a caller in line (making room per `dropOldest`), admitting it at
     * once if it can go; with `track` it is admitted with a held slot.
     */
    join: (cls: RateLimitClass, priority: Priority, endpoint: string, t: number, track: boolean): Joined => {
      if (depth >= o.queueSize) {
        const v = victim(priority)
        if (v === undefined) {
          countDrop(cls)
          return { _tag: "Refused" }
        }
        leave(v, "dropped")
        countDrop(v.cls)
        v.resume?.(false)
      }
      const waiter: Waiter = {
        seq: seq++,
        cls,
        priority,
        endpoint,
        enqueuedAt: t,
        track,
        slot: undefined,
        resume: undefined,
        state: "waiting",
        prev: undefined,
        next: undefined,
        list: undefined
      }
      WQ.push(lines[cls][priority], waiter)
      depth++
      setDepth(cls)
      drain(t)
      if (waiter.state === "admitted") return { _tag: "Admitted", slot: waiter.slot }
      arm(t)
      return { _tag: "Waiting", waiter }
    },

    /**
     * An interrupted waiter leaves the line (its place is free again). One
     * admitted in the same instant, whose slot never reached it, gives the
     * slot back (nothing was sent).
     */
    quit: (w: Waiter, t: number): void => {
      if (w.state === "waiting") leave(w, "dropped")
      else if (w.slot !== undefined) cancel(w.slot, t)
    },

    /** A 429 answered to a call of `priority`: see {@link normalPausedUntil}. */
    pause: (cls: RateLimitClass, until: number, t: number, priority: Priority = "enforcement"): void => {
      if (priority === "enforcement") SW.pause(windows[cls], until)
      else if (until > normalPausedUntil[cls]) normalPausedUntil[cls] = until
      rateLimited[cls]++
      metrics.paused.unsafeUpdate(1, tags[cls])
      arm(t)
    },

    report,

    snapshot: (t: number): Stats => {
      report(t)
      const windowStats = (w: SW.SlidingWindow, reserve: number): WindowStats => ({
        limit: w.limit,
        reserve,
        windowMillis: w.lengthMillis,
        used: SW.usage(w, t),
        inFlight: w.inFlight,
        pausedUntil: w.pausedUntil > t ? w.pausedUntil : undefined,
        normalPausedUntil: normalPausedUntil[w === hist ? "history" : "general"] > t
          ? normalPausedUntil[w === hist ? "history" : "general"]
          : undefined,
        nextFreeAt: SW.nextFree(w, t)
      })
      return {
        queueDepth: depth,
        queued: { history: queued("history"), general: queued("general") },
        windows: { history: windowStats(hist, 0), general: windowStats(gen, o.enforcementReserve) },
        admitted: counts.admitted.history + counts.admitted.general,
        waited,
        dropped,
        rateLimited: { ...rateLimited },
        totalWaitMillis: totalWait,
        maxWaitMillis: maxWait
      }
    },

    close: (): void => armed?.fiber?.unsafeInterruptAsFork(FiberId.none)
  }
}
