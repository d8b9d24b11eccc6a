/**
 * The seeds a chaos scenario runs, from the outside: `TRADEGUARD_CHAOS_SEEDS`
 * (a comma-separated list: `7,42`) or `TRADEGUARD_CHAOS_SEED_COUNT` (n seeds of
 * {@link seedList}), else the scenario's own defaults (the CI run).
 * `pnpm chaos:seeds --scenario <name> --seeds <n | list>` sets them.
 * Same as `@tradeguard/testing`'s Seeds (realtime cannot depend on it: testing is built on realtime; kept in step).
 */

/** The first `n` seeds of a fixed sequence (mulberry32 from 0x5eed), each in [1, 2^31). */
export const seedList = (n: number): Array<number> => {
  let a = 0x5eed
  const out: Array<number> = []
  while (out.length < n) {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    out.push(1 + (((t ^ (t >>> 14)) >>> 0) % 0x7fff_ffff))
  }
  return out
}

/** The seeds to run: the environment's, or `defaults`. Throws on a malformed value (a typo must not pass silently). */
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
