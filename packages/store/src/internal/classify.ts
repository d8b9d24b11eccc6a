/**
 * Why a database file could not be used, from the error SQLite (or the file
 * system) gave: the `code` found along the `cause` chain.
 */

/** The reasons of `DatabaseUnavailable`. */
export type Reason = "Corrupt" | "Locked" | "ReadOnly" | "Io"

const codeOf = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
    ? error.code
    : undefined

/** The errors along the `cause` chain, outermost first (at most 8: a cycle stops). */
export const causes = (error: unknown): ReadonlyArray<unknown> => {
  const chain: Array<unknown> = []
  let current: unknown = error
  while (current !== undefined && current !== null && chain.length < 8) {
    chain.push(current)
    current = typeof current === "object" && "cause" in current ? current.cause : undefined
  }
  return chain
}

/** The reason for an SQLite or file-system error code. */
export const reasonOfCode = (code: string | undefined): Reason => {
  if (code === undefined) return "Io"
  if (code.startsWith("SQLITE_NOTADB") || code.startsWith("SQLITE_CORRUPT")) return "Corrupt"
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) return "Locked"
  if (code.startsWith("SQLITE_READONLY") || code === "EROFS") return "ReadOnly"
  return "Io"
}

/** The reason and a one-line detail (the innermost message) of `error`. */
export const classify = (error: unknown): { readonly reason: Reason; readonly detail: string } => {
  const chain = causes(error)
  const code = chain.map(codeOf).find((c) => c !== undefined)
  const innermost = chain.at(-1)
  const detail = innermost instanceof Error ? innermost.message : String(innermost)
  return { reason: reasonOfCode(code), detail: code === undefined ? detail : `${code}: ${detail}` }
}
