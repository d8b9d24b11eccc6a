/**
 * A bounded set of ids that remembers the most recent `capacity` ids (FIFO
 * eviction): "was this trade delivered already?" in O(1), in bounded memory.
 *
 * @internal
 */
export class IdSet {
  private readonly ids = new Set<number>()
  /** The ids in arrival order (a Float64Array: no boxed number per id for the GC to move). */
  private readonly ring: Float64Array
  private next = 0

  constructor(readonly capacity: number) {
    this.ring = new Float64Array(capacity)
  }

  /** Adds `id`; false when it was already there. */
  add(id: number): boolean {
    if (this.ids.has(id)) return false
    if (this.ids.size >= this.capacity) this.ids.delete(this.ring[this.next]!)
    this.ring[this.next] = id
    this.next = (this.next + 1) % this.capacity
    this.ids.add(id)
    return true
  }

  has(id: number): boolean {
    return this.ids.has(id)
  }

  get size(): number {
    return this.ids.size
  }
}
