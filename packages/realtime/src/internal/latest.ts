/**
 * A "latest value" cell that fibers can wait on: `set` replaces the value
 * (or hands it to the first waiting fiber); `take` returns the newest value
 * not taken yet, or waits for one. Conflating: values set while nobody takes
 * are replaced, never queued.
 *
 * Why not a `Queue.sliding(1)`: a Queue keeps its waiting takers in a linked
 * list. Once a node of that list has been promoted to V8's old space, the
 * dead node still points at the next one, and the scavenger treats that old
 * pointer as a root: every later node (with the waiting fiber's continuation)
 * survives and is promoted until a full GC. At 5,000 updates/s that was
 * ~2 KB promoted per wake-up and the bulk of the benchmark's GC pauses.
 * Here waiters sit in an array and the value in a field.
 *
 * @internal
 */
import * as Effect from "effect/Effect"

type Resume<A> = (effect: Effect.Effect<A>) => void

export class Latest<A> {
  private value: A | undefined = undefined
  private full = false
  private waiters: Array<Resume<A>> = []
  private closed = false

  constructor(initial?: { readonly value: A }) {
    if (initial !== undefined) this.set(initial.value)
  }

  /** Makes `a` the value to take next (a waiting fiber gets it at once). */
  set(a: A): void {
    if (this.closed) return
    const waiter = this.waiters.shift()
    if (waiter !== undefined) {
      this.value = undefined
      this.full = false
      waiter(Effect.succeed(a))
    } else {
      this.value = a
      this.full = true
    }
  }

  /** The newest value not taken yet; waits when there is none. Interrupted once closed. */
  readonly take: Effect.Effect<A> = Effect.async<A>((resume) => {
    if (this.full) {
      const a = this.value as A
      this.value = undefined
      this.full = false
      resume(Effect.succeed(a))
      return
    }
    if (this.closed) {
      resume(Effect.interrupt)
      return
    }
    this.waiters.push(resume)
    return Effect.sync(() => {
      const i = this.waiters.indexOf(resume)
      if (i >= 0) this.waiters.splice(i, 1)
    })
  })

  /** No more values: waiting and later takers are interrupted. */
  close(): void {
    this.closed = true
    this.value = undefined
    this.full = false
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w(Effect.interrupt)
  }
}
