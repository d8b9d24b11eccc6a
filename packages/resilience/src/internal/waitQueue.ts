/**
 * The RateLimiter's waiting line: per rate-limit class, two FIFO lists
 * (enforcement ahead of normal), intrusive doubly linked so that an
 * interrupted waiter leaves in O(1). Pure data structure, no Effect.
 *
 * @internal
 */

export type Priority = "enforcement" | "normal"

export interface Waiter<C extends string = string> {
  /** Arrival order across all lists (lower = older). */
  readonly seq: number
  readonly cls: C
  readonly priority: Priority
  readonly endpoint: string
  readonly enqueuedAt: number
  /** Completes the parked caller (set when it parks). */
  resume: ((admitted: boolean) => void) | undefined
  /** `admitted`/`dropped` once it left the line for good. */
  state: "waiting" | "admitted" | "dropped"
  prev: Waiter<C> | undefined
  next: Waiter<C> | undefined
  list: List<C> | undefined
}

export interface List<C extends string = string> {
  head: Waiter<C> | undefined
  tail: Waiter<C> | undefined
  size: number
}

export const makeList = <C extends string>(): List<C> => ({ head: undefined, tail: undefined, size: 0 })

export const push = <C extends string>(list: List<C>, w: Waiter<C>): void => {
  w.list = list
  w.prev = list.tail
  w.next = undefined
  if (list.tail) list.tail.next = w
  else list.head = w
  list.tail = w
  list.size++
}

/** Removes `w` from whatever list holds it; a no-op when it is in none. */
export const remove = <C extends string>(w: Waiter<C>): boolean => {
  const list = w.list
  if (list === undefined) return false
  if (w.prev) w.prev.next = w.next
  else list.head = w.next
  if (w.next) w.next.prev = w.prev
  else list.tail = w.prev
  w.prev = w.next = w.list = undefined
  list.size--
  return true
}

/** The lines of one rate-limit class. */
export interface ClassLines<C extends string = string> {
  readonly enforcement: List<C>
  readonly normal: List<C>
}

export const makeLines = <C extends string>(): ClassLines<C> => ({ enforcement: makeList(), normal: makeList() })

/** The older of two candidates (by arrival). */
export const older = <C extends string>(a: Waiter<C> | undefined, b: Waiter<C> | undefined): Waiter<C> | undefined =>
  a === undefined ? b : b === undefined ? a : a.seq <= b.seq ? a : b

/** The newer of two candidates (by arrival). */
export const newer = <C extends string>(a: Waiter<C> | undefined, b: Waiter<C> | undefined): Waiter<C> | undefined =>
  a === undefined ? b : b === undefined ? a : a.seq >= b.seq ? a : b
