/**
 * Whose token a stored record is: the gateway user and the gateway (its base
 * URL, normalised). TokenManager reuses a stored token only when the record's
 * identity equals the current one; anything else (another user, another
 * gateway, no identity at all) is discarded with the reason this module gives.
 *
 * @internal
 */
import type { TokenIdentity } from "../TokenStore.js"

/**
 * A base URL for comparison: scheme and host lower-cased, a default port
 * dropped, then the path without trailing slashes; user info, query and
 * fragment left out. Text that is not a URL is only trimmed of trailing slashes.
 */
export const normaliseBaseUrl = (baseUrl: string): string => {
  const text = baseUrl.trim()
  try {
    const url = new URL(text)
    return `${url.protocol}//${url.host.toLowerCase()}${url.pathname.replace(/\/+$/, "")}`
  } catch {
    return text.replace(/\/+$/, "")
  }
}

/** The identity of `userName` at the gateway `baseUrl` (the user name compared exactly, the URL normalised). */
export const make = (userName: string, baseUrl: string): TokenIdentity => ({
  userName,
  baseUrl: normaliseBaseUrl(baseUrl)
})

/**
 * Why a record with `stored` identity must not be used by `current`, or
 * undefined when it may. Names the gateways (not secret) but not the users.
 */
export const mismatch = (stored: TokenIdentity | undefined, current: TokenIdentity): string | undefined => {
  if (stored === undefined) return "it names no user or gateway (a record from an older version or another store)"
  if (stored.userName !== current.userName) return "it was issued to another user"
  const baseUrl = normaliseBaseUrl(stored.baseUrl)
  if (baseUrl !== current.baseUrl) return `it was issued by another gateway (${baseUrl}, now ${current.baseUrl})`
  return undefined
}
