/**
 * Canonical JSON (keys sorted at every depth, `undefined` fields left out) and its hash: the basis of a
 * request fingerprint.
 *
 * @internal
 */
import { createHash } from "node:crypto"

const canonical = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(canonical)
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return Object.fromEntries(entries.map(([k, v]) => [k, canonical(v)]))
  }
  return value
}

/** The JSON of `value` with keys sorted at every depth and absent fields left out. */
export const canonicalJson = (value: unknown): string => JSON.stringify(canonical(value))

/** SHA-256 of a string, hex. */
export const sha256Hex = (text: string): string => createHash("sha256").update(text).digest("hex")
