/**
 * A discrete-event Clock for simulated time: `sleep` registers a wake-up, {@link SimulatedClock.advance} moves
 * the time from one due wake-up to the next, resuming every sleeper due at that instant together and letting the
 * fibers run between instants (a few event-loop turns). Everything the daemon does still reads time only through
 * Effect's Clock; only the driver moves it.
 *
 * Why not TestClock: `TestClock.adjust` waits for every fiber to suspend before and after each wake-up it
 * delivers, polling with real `setTimeout`s (measured: about 18 ms of wall time per wake-up with the daemon
 * running). A day of the daemon is about 100,000 wake-ups (the engines' 1 s evaluation ticks, pings, the
 * reconciler, the limiter), so a simulated day would take half an hour; this clock takes seconds.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"

interface Sleeper {
  readonly at: number
  readonly seq: number
  readonly wake: () => void
  cancelled: boolean
}

/** The clock, and the driver's handle on it. */
export interface SimulatedClock {
  readonly clock: Clock.Clock
  /** Simulated epoch millis now. */
  readonly now: () => number
  /** Moves the time forward by `millis`, instant by instant, letting the fibers run after each. */
  readonly advance: (millis: number) => Effect.Effect<void>
  /** How many instants (distinct wake-up times) were delivered so far. */
  readonly instants: () => number
}

/** How many real event-loop turns {@link settle} waits. */
const SETTLE_TURNS = 5

/** Lets every runnable fiber run without moving the clock: a few real event-loop turns (one Effect op, not one each). */
export const settle: Effect.Effect<void> = Effect.async<void>((resume) => {
  let left = SETTLE_TURNS
  const turn = () => {
    if (--left === 0) resume(Effect.void)
    else setImmediate(turn)
  }
  setImmediate(turn)
})

/** A binary min-heap of sleepers by (at, seq). */
class Heap {
  private readonly items: Array<Sleeper> = []
  get size() {
    return this.items.length
  }
  peek(): Sleeper | undefined {
    return this.items[0]
  }
  push(s: Sleeper) {
    const a = this.items
    a.push(s)
    let i = a.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (less(a[p]!, a[i]!)) break
      ;[a[p], a[i]] = [a[i]!, a[p]!]
      i = p
    }
  }
  pop(): Sleeper | undefined {
    const a = this.items
    const top = a[0]
    const last = a.pop()
    if (a.length > 0 && last !== undefined) {
      a[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < a.length && less(a[l]!, a[m]!)) m = l
        if (r < a.length && less(a[r]!, a[m]!)) m = r
        if (m === i) break
        ;[a[m], a[i]] = [a[i]!, a[m]!]
        i = m
      }
    }
    return top
  }
}

const less = (x: Sleeper, y: Sleeper) => x.at < y.at || (x.at === y.at && x.seq < y.seq)

/** A clock starting at `start` (simulated epoch millis). */
export const make = (start = 0): SimulatedClock => {
  let now = start
  let seq = 0
  let instants = 0
  const heap = new Heap()
  const dropCancelled = () => {
    while (heap.peek()?.cancelled === true) heap.pop()
  }
  const clock: Clock.Clock = {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: () => now,
    currentTimeMillis: Effect.sync(() => now),
    unsafeCurrentTimeNanos: () => BigInt(now) * 1_000_000n,
    currentTimeNanos: Effect.sync(() => BigInt(now) * 1_000_000n),
    sleep: (duration) => {
      const millis = Duration.toMillis(duration)
      if (!(millis > 0)) return Effect.yieldNow()
      return Effect.async<void>((resume) => {
        const s: Sleeper = { at: now + millis, seq: seq++, wake: () => resume(Effect.void), cancelled: false }
        heap.push(s)
        return Effect.sync(() => {
          s.cancelled = true
        })
      })
    }
  }
  const advance = (millis: number) =>
    Effect.gen(function*() {
      const target = now + Math.max(0, millis)
      // what the last step started runs to its end before the time moves
      yield* settle
      for (;;) {
        dropCancelled()
        const next = heap.peek()
        if (next === undefined || next.at > target) break
        now = Math.max(now, next.at)
        instants++
        while (heap.size > 0 && heap.peek()!.at <= now) {
          const s = heap.pop()!
          if (!s.cancelled) s.wake()
        }
        yield* settle
      }
      // no one wakes at `target` itself (a sleeper due then was woken above), so nothing is left to run here
      now = target
    })
  return { clock, now: () => now, advance, instants: () => instants }
}
