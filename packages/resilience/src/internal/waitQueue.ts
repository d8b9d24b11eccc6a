/**
 * The RateLimiter's waiting line: per rate-limit class, two FIFO lists
 * (enforcement ahead of normal), intrusive doubly linked so that an
 * interrupted waiter leaves in O(1). Pure data structure, no Effect.
 *
 * @internal
 */

export type Priority = "enforcement" | "normal"

export interface Waiter<C extends string = string, S = unknown> {
  /** Arrival order across all lists (lower = older). */
  readonly seq: number
  readonly cls: C
  readonly priority: Priority
  readonly endpoint: string
  readonly enqueuedAt: number
  /** The caller reports when its call completes: admit it with a held slot. */
  readonly track: boolean
  /** Its slot once admitted (when `track`). */
  slot: S | undefined
  /** Completes the parked caller (set when it parks). */
  resume: ((admitted: boolean) => void) | undefined
  /** `admitted`/`dropped` once it left the line for good. */
  state: "waiting" | "admitted" | "dropped"
  prev: Waiter<C, S> | undefined
  next: Waiter<C, S> | undefined
  list: List<C, S> | undefined
}

export interface List<C extends string = string, S = unknown> {
  head: Waiter<C, S> | undefined
  tail: Waiter<C, S> | undefined
  size: number
}

export const makeList = <C extends string, S>(): List<C, S> => ({ head: undefined, tail: undefined, size: 0 })

export const push = <C extends string, S>(list: List<C, S>, w: Waiter<C, S>): void => {
  w.list = list
  w.prev = list.tail
  w.next = undefined
  if (list.tail) list.tail.next = w
  else list.head = w
  list.tail = w
  list.size++
}

/** Removes `w` from whatever list holds it; a no-op when it is in none. */
export const remove = <C extends string, S>(w: Waiter<C, S>): boolean => {
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
export interface ClassLines<C extends string = string, S = unknown> {
  readonly enforcement: List<C, S>
  readonly normal: List<C, S>
}

export const makeLines = <C extends string, S>(): ClassLines<C, S> => ({ enforcement: makeList(), normal: makeList() })

/** The older of two candidates (by arrival). */
export const older = <C extends string, S>(
  a: Waiter<C, S> | undefined,
  b: Waiter<C, S> | undefined
): Waiter<C, S> | undefined =>
  a === undefined ? b : b === undefined ? a : a.seq <= b.seq ? a : b

/** The newer of two candidates (by arrival). */
export const newer = <C extends string, S>(
  a: Waiter<C, S> | undefined,
  b: Waiter<C, S> | undefined
): Waiter<C, S> | undefined =>
  a === undefined ? b : b === undefined ? a : a.seq >= b.seq ? a : b
