/**
 * The seeds of a seeded (chaos) test, chosen from the outside:
 * `TRADEGUARD_CHAOS_SEEDS` (a comma-separated list: `7,42`) or
 * `TRADEGUARD_CHAOS_SEED_COUNT` (that many seeds of {@link seedList}), else the
 * test's own defaults (the CI run). `pnpm chaos:seeds --scenario <name> --seeds
 * <n | list>` sets them.
 *
 * @example
 * ```ts
 * import { Seeds } from "@tradeguard/testing"
 *
 * for (const seed of Seeds.chaosSeeds([7, 42])) console.log(`trial with seed ${seed}`)
 * ```
 *
 * @since 0.2.0
 */

/** One step of mulberry32: the next state and its 32-bit output. */
const step = (a: number): readonly [number, number] => {
  const next = (a + 0x6d2b79f5) >>> 0
  let t = next
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return [next, (t ^ (t >>> 14)) >>> 0]
}

/**
 * mulberry32: a small seeded PRNG in [0, 1), for drawing a seeded trial.
 *
 * @since 0.2.0
 */
export const prng = (seed: number): (() => number) => {
  let a = seed >>> 0
  return () => {
    const [next, out] = step(a)
    a = next
    return out / 4294967296
  }
}

/**
 * The first `n` seeds of a fixed sequence (mulberry32 from 0x5eed), each in [1, 2^31).
 *
 * @since 0.2.0
 */
export const seedList = (n: number): Array<number> => {
  let a = 0x5eed
  const out: Array<number> = []
  while (out.length < n) {
    const [next, bits] = step(a)
    a = next
    out.push(1 + (bits % 0x7fff_ffff))
  }
  return out
}

/**
 * The seeds to run: the environment's, or `defaults`. Throws on a malformed value (a typo must not pass silently).
 *
 * @since 0.2.0
 */
export const chaosSeeds = (defaults: ReadonlyArray<number>, env: NodeJS.ProcessEnv = process.env): ReadonlyArray<number> => {
  const list = env["TRADEGUARD_CHAOS_SEEDS"]?.trim()
  if (list !== undefined && list !== "") {
    const seeds = list.split(",").map((s) => Number(s.trim()))
    if (seeds.some((s) => !Number.isSafeInteger(s) || s < 0)) throw new Error(`TRADEGUARD_CHAOS_SEEDS is not a list of seeds: ${list}`)
    return seeds
  }
  const count = env["TRADEGUARD_CHAOS_SEED_COUNT"]?.trim()
  if (count !== undefined && count !== "") {
    const n = Number(count)
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`TRADEGUARD_CHAOS_SEED_COUNT is not a count: ${count}`)
    return seedList(n)
  }
  return defaults
}
