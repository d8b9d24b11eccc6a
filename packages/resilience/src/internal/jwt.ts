/**
 * Reads the `exp` claim of a JWT without verifying it (the gateway verifies;
 * we only need to know when to refresh). Never logs or throws.
 *
 * @internal
 */

/** A token's lifetime when its `exp` cannot be read (reference section 2: 24 hours). */
export const defaultLifetimeMillis = 24 * 60 * 60 * 1000

/** Epoch millis of the JWT's `exp` claim, or undefined when the token is not a readable JWT. */
export const expiresAtOf = (token: string): number | undefined => {
  const parts = token.split(".")
  if (parts.length !== 3 || parts[1] === undefined || parts[1] === "") return undefined
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"))
    if (typeof payload !== "object" || payload === null || !("exp" in payload)) return undefined
    const exp = payload.exp
    return typeof exp === "number" && Number.isFinite(exp) && exp > 0 ? exp * 1000 : undefined
  } catch {
    return undefined
  }
}

/** `exp` from the token, else `obtainedAt` + 24 h. */
export const expiryOf = (token: string, obtainedAt: number): number =>
  expiresAtOf(token) ?? obtainedAt + defaultLifetimeMillis
