/**
 * Seeded pseudo-random numbers: a small mutable generator (mulberry32) for
 * sequences, and a stateless hash for values that must be a pure function of
 * their inputs (the price path, tick volumes).
 *
 * @internal
 */

const mix = (h: number, v: number): number => {
  let k = Math.imul(v | 0, 0xcc9e2d51)
  k = (k << 15) | (k >>> 17)
  k = Math.imul(k, 0x1b873593)
  h ^= k
  h = (h << 13) | (h >>> 19)
  return (Math.imul(h, 5) + 0xe6546b64) | 0
}

const finalize = (h: number): number => {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** A 32-bit hash of integers (numbers beyond 32 bits are split into two words). */
export const hash32 = (...values: ReadonlyArray<number>): number => {
  let h = 0x9747b28c
  for (const v of values) {
    const lo = v >>> 0
    const hi = Math.floor(v / 4294967296) | 0
    h = mix(mix(h, lo), hi)
  }
  return finalize(h ^ values.length)
}

/** A 32-bit hash of a string. */
export const hashString = (s: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h >>> 0
}

/** A uniform number in [0, 1) derived from the hash of the inputs. */
export const unit = (...values: ReadonlyArray<number>): number => hash32(...values) / 4294967296

/** A seeded generator (mulberry32). The same seed gives the same sequence. */
export class Prng {
  private state: number
  constructor(seed: number) {
    this.state = hash32(seed)
  }
  /** The next uint32. */
  nextUint32(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }
  /** The next number in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296
  }
  /** `true` with probability `p`. Always draws, so the sequence does not depend on `p`. */
  chance(p: number): boolean {
    return this.next() < p
  }
  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return max <= min ? min : min + Math.floor(this.next() * (max - min + 1))
  }
}
