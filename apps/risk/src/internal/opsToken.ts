/**
 * The ops token: where it comes from, where it is kept, and the constant-time check of a request's bearer.
 *
 * @internal
 */
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"

/** Whether `host` binds loopback only (127.0.0.0/8, ::1, localhost). */
export const isLoopback = (host: string): boolean => {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1")
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === "::ffff:127.0.0.1"
}

/** `ops.token` beside the database file (the working directory for an in-memory database). */
export const tokenFileOf = (databasePath: string): string =>
  databasePath === ":memory:" ? path.resolve("ops.token") : path.join(path.dirname(path.resolve(databasePath)), "ops.token")

const digest = (s: string) => crypto.createHash("sha256").update(s, "utf8").digest()

/** Whether the `Authorization` header carries `Bearer <token>`, compared in constant time over equal-length digests. */
export const authorized = (header: string | undefined, token: string): boolean => {
  if (header === undefined) return false
  const m = /^Bearer\s+(.+)$/i.exec(header.trim())
  const given = m === null ? "" : m[1]!.trim()
  // compare even a missing bearer, so a miss takes as long as a wrong one
  const same = crypto.timingSafeEqual(digest(given), digest(token))
  return m !== null && same
}

/** A fresh token: 32 random bytes, hex. */
export const generate = (): string => crypto.randomBytes(32).toString("hex")

/** Writes `token` to `file` readable by its owner only (0600), creating its directory. */
export const write = (file: string, token: string): void => {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600 })
  fs.chmodSync(file, 0o600)
}

/** The token in `file`, if it is there and not empty. */
export const read = (file: string): string | undefined => {
  try {
    const t = fs.readFileSync(file, "utf8").trim()
    return t === "" ? undefined : t
  } catch {
    return undefined
  }
}
