/**
 * Deep merge of config inputs: plain objects merge key by key, anything
 * else (arrays, strings, numbers) in `override` replaces `base`. Pure.
 */
const isPlainObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === "object" && x !== null && !Array.isArray(x)

/** `base` with every key of `override` laid over it, sections merged rather than replaced. */
export const deepMerge = <A extends object>(base: A, override: A): A => {
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) }
  for (const [k, v] of Object.entries(override)) {
    if (v === undefined) continue
    const b = out[k]
    out[k] = isPlainObject(b) && isPlainObject(v) ? deepMerge(b, v) : v
  }
  return out as A
}
