/**
 * The redaction pass of the daemon's loggers: pure functions over strings and JSON-like values.
 */

/** What a secret is replaced by. */
export const REDACTED = "[redacted]"

const patterns: ReadonlyArray<readonly [RegExp, string]> = [
  // A JWT (the gateway's session token): header.payload.signature, the header always starts `eyJ` (`{"`).
  [/eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, REDACTED],
  // An Authorization header's credentials.
  [/\b(Bearer|Basic)(\s+)[A-Za-z0-9._~+/=-]+/gi, `$1$2${REDACTED}`],
  // Secrets in a query string (SignalR's access_token, webhook tokens, keys).
  [/([?&](?:access_token|token|api[_-]?key|key|secret|password|sig|signature)=)[^&\s"'#]+/gi, `$1${REDACTED}`],
  // Webhook URLs of the chat services: the URL is the credential.
  [/https?:\/\/(?:hooks\.slack\.com|(?:[\w-]+\.)?discord(?:app)?\.com\/api\/webhooks|api\.telegram\.org\/bot)[^\s"'<>]*/gi, REDACTED],
  // Credentials in a URL's user-info part (`https://user:pass@host`).
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/:@"']+:[^\s/@"']+@/gi, `$1${REDACTED}@`]
]

/** Annotation keys whose (string) values are secrets whatever they look like. */
const secretKey = /token|api_?key|password|secret|authorization/i

/** A redactor: the known secret values (shorter than 4 characters are ignored: they would match everywhere). */
export interface Redactor {
  readonly string: (s: string) => string
  readonly value: (v: unknown) => unknown
}

/**
 * Builds a redactor replacing, in every string, the exact `secrets` (read afresh on each call: a key generated
 * after the logger was built is still hidden) and every pattern that looks like a secret.
 */
export const make = (secrets: () => ReadonlyArray<string>): Redactor => {
  const string = (s: string): string => {
    let out = s
    const known = secrets().filter((x) => x.length >= 4).sort((a, b) => b.length - a.length)
    for (const secret of known) if (out.includes(secret)) out = out.split(secret).join(REDACTED)
    for (const [re, by] of patterns) out = out.replace(re, by)
    return out
  }
  const value = (v: unknown, depth = 0): unknown => {
    if (typeof v === "string") return string(v)
    if (v === null || typeof v !== "object" || depth > 8) return v
    if (Array.isArray(v)) return v.map((x) => value(x, depth + 1))
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      out[k] = typeof x === "string" && secretKey.test(k) ? REDACTED : value(x, depth + 1)
    }
    return out
  }
  return { string, value: (v) => value(v) }
}

/** Whether the value of annotation `key` is a secret by its name alone. */
export const isSecretKey = (key: string): boolean => secretKey.test(key)
