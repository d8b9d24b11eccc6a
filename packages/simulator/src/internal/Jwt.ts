/**
 * HS256 JSON Web Tokens with node:crypto: sign and verify the signature and
 * the claims' shape. Expiry and revocation are the caller's business.
 *
 * @internal
 */
import * as Either from "effect/Either"
import { createHmac, timingSafeEqual } from "node:crypto"

export interface Claims {
  /** The user name. */
  readonly sub: string
  /** The user id. */
  readonly uid: number
  /** The session id. */
  readonly sid: string
  /** The token id. */
  readonly jti: string
  /** Issued at, seconds since the epoch. */
  readonly iat: number
  /** Expires at, seconds since the epoch. */
  readonly exp: number
}

const b64 = (s: string | Buffer): string => Buffer.from(s).toString("base64url")
const header = b64(JSON.stringify({ alg: "HS256", typ: "JWT" }))

const mac = (input: string, secret: string): Buffer => createHmac("sha256", secret).update(input).digest()

export const sign = (claims: Claims, secret: string): string => {
  const body = `${header}.${b64(JSON.stringify(claims))}`
  return `${body}.${mac(body, secret).toString("base64url")}`
}

const isClaims = (u: unknown): u is Claims => {
  if (typeof u !== "object" || u === null) return false
  const c = u as Record<string, unknown>
  return typeof c["sub"] === "string" && typeof c["uid"] === "number" && typeof c["sid"] === "string" &&
    typeof c["jti"] === "string" && typeof c["iat"] === "number" && typeof c["exp"] === "number"
}

/** The claims of a well-formed token signed with `secret`. */
export const verify = (token: string, secret: string): Either.Either<Claims, "malformed" | "signature"> => {
  const parts = token.split(".")
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return Either.left("malformed")
  const [h, p, s] = parts as [string, string, string]
  let claims: unknown
  try {
    const head = JSON.parse(Buffer.from(h, "base64url").toString("utf8")) as unknown
    if (typeof head !== "object" || head === null || (head as { alg?: unknown }).alg !== "HS256") {
      return Either.left("malformed")
    }
    claims = JSON.parse(Buffer.from(p, "base64url").toString("utf8"))
  } catch {
    return Either.left("malformed")
  }
  if (!isClaims(claims)) return Either.left("malformed")
  const expected = mac(`${h}.${p}`, secret)
  const given = Buffer.from(s, "base64url")
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return Either.left("signature")
  return Either.right(claims)
}
