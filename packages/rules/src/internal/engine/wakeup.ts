/**
 * A conflating wake-up signal for one waiting fiber: `wake` (synchronous,
 * callable from anywhere) makes the waiting `wait` return, or the next one
 * return at once; wakes coming while nobody waits collapse into one.
 *
 * Why not a `Queue.sliding(1)`: a Queue keeps its waiting takers in a linked
 * list, and a dead node promoted to V8's old space keeps every later node
 * (with the waiting fiber's continuation) alive until a full collection. Each
 * account's evaluation loop waits thousands of times a second under a quote
 * stream. Here the waiter sits in a field.
 *
 * @internal
 */
import * as Effect from "effect/Effect"

export class Wakeup {
  private pending = false
  private waiter: ((effect: Effect.Effect<void>) => void) | undefined = undefined

  /** Wakes the waiting fiber, or the next `wait`. */
  wake(): void {
    const waiter = this.waiter
    if (waiter === undefined) {
      this.pending = true
      return
    }
    this.waiter = undefined
    waiter(Effect.void)
  }

  /** Returns at the next wake (at once if one came since the last `wait`). One fiber waits at a time. */
  readonly wait: Effect.Effect<void> = Effect.async<void>((resume) => {
    if (this.pending) {
      this.pending = false
      resume(Effect.void)
      return
    }
    this.waiter = resume
    return Effect.sync(() => {
      if (this.waiter === resume) this.waiter = undefined
    })
  })
}
