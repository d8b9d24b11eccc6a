/**
 * Pure rendering of decoding problems as `config check` prints them: Schema
 * reports a value that is none of a key's allowed values once per allowed
 * value (`database.synchronous: Expected "normal", actual "off"`, then the
 * same for `"full"`); the user wants one line naming every allowed value
 * (`database.synchronous: Expected "normal" | "full", actual "off"`). And
 * Schema's name for an object, `Struct (Encoded side)`, reads as "a mapping
 * of keys" (`database: 5`). A value that may be `null` (a `risk.perAccount`
 * rule) and is a mapping with a bad key is reported by that key alone, not
 * also as "Expected null"; a `risk.perAccount` key that is no account id says
 * so instead of showing the pattern.
 *
 * @internal
 */

/** `path: Expected X, actual Y` (the path is everything before the first `: Expected `). */
const expectedLine = /^(.*?): Expected (.+), actual (.+)$/s

/** What a config file calls an object. */
const alternative = (expected: string): string =>
  expected === "Struct (Encoded side)" ? "a mapping of keys" : expected

interface Merged {
  readonly path: string
  readonly actual: string
  readonly alternatives: Array<string>
}

/**
 * The problems with every group of `Expected ..., actual ...` lines for the same path and the same
 * value merged into one line (alternatives in their order, each once), at the place of the first;
 * every other line unchanged.
 */
export const mergeAlternatives = (problems: ReadonlyArray<string>): Array<string> => {
  const lines: Array<string | Merged> = []
  const byKey = new Map<string, Merged>()
  for (const problem of problems) {
    const match = expectedLine.exec(problem)
    if (match === null) {
      lines.push(problem)
      continue
    }
    const [, path, expected, actual] = match as unknown as [string, string, string, string]
    const key = `${path}\u0000${actual}`
    const seen = byKey.get(key)
    if (seen === undefined) {
      const merged: Merged = { path, actual, alternatives: [alternative(expected)] }
      byKey.set(key, merged)
      lines.push(merged)
    } else if (!seen.alternatives.includes(alternative(expected))) {
      seen.alternatives.push(alternative(expected))
    }
  }
  return lines.map((line) =>
    typeof line === "string" ? line : `${line.path}: Expected ${line.alternatives.join(" | ")}, actual ${line.actual}`
  )
}

/** `path: Expected null, actual {...}`: the `null` alternative of a mapping that has its own problems. */
const nullAlternative = /^(.*?): Expected null, actual \{/s

/** A record key refused by its pattern, e.g. `risk.perAccount.abc: is unexpected, expected: a string matching ...`. */
const badAccountKey = /^(risk\.perAccount\.[^:]*): is unexpected, expected: a string matching the pattern .*$/s

/**
 * The problems without the "Expected null" line of a value that has problems of its own below it
 * (`risk.perAccount.100002.dailyLossLimit.amount: ...` says it all), and with a `risk.perAccount` key that
 * is no account id said in words.
 */
export const tidyRiskLines = (problems: ReadonlyArray<string>): Array<string> =>
  problems.flatMap((line) => {
    const nulled = nullAlternative.exec(line)
    if (nulled !== null && problems.some((other) => other.startsWith(`${nulled[1]}.`))) return []
    const key = badAccountKey.exec(line)
    return key === null ? [line] : [`${key[1]}: is not an account id (digits, e.g. "100002")`]
  })
