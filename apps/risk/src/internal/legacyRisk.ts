/**
 * Pure: the keys of the old `risk:` block (before the rules package) found in
 * a parsed config file, each as one `path: where it went` line, so a user
 * upgrading is told where a key moved instead of only "is unexpected". The
 * old block had `risk.dailyLossLimit`, `risk.maxPositionSize` and
 * `risk.tradingHours` at the top of `risk`, an `enabled` flag in each rule and
 * `timezone` spelt with a small z.
 *
 * @internal
 */
import { RiskConfig } from "@tradeguard/rules"

/** One old key: where it is (as the config errors write paths) and what to do. */
export interface LegacyKey {
  readonly path: string
  readonly message: string
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** The three rules of the old block, by their old name: where each went. */
const moved: Readonly<Record<string, string>> = {
  dailyLossLimit: "moved to risk.defaults.dailyLossLimit ({ amount })",
  maxPositionSize: "replaced by risk.defaults.maxContracts ({ total, perSymbol })",
  tradingHours: "moved to risk.defaults.tradingHours (timeZone, open, close, days, flatBy)"
}

const enabledMessage = (value: unknown): string =>
  "a rule is on when present; remove `enabled` (null in perAccount turns a default rule off)" +
  (value === false ? "; this one says false: leave the rule out to keep it off" : "")

/** `enabled` and `timezone` inside one rule's block at `at`. */
const insideRule = (at: string, rule: unknown): Array<LegacyKey> => {
  if (!isRecord(rule)) return []
  const found: Array<LegacyKey> = []
  if ("enabled" in rule) found.push({ path: `${at}.enabled`, message: enabledMessage(rule.enabled) })
  if ("timezone" in rule) found.push({ path: `${at}.timezone`, message: "renamed timeZone (capital Z)" })
  return found
}

/** The rules of one block (`risk.defaults` or one `risk.perAccount` entry). */
const inRules = (at: string, rules: unknown): Array<LegacyKey> =>
  isRecord(rules)
    ? RiskConfig.ruleNames.flatMap((name) => (name in rules ? insideRule(`${at}.${name}`, rules[name]) : []))
    : []

/**
 * Every old key in `input` (the whole parsed file), in the order of the file's sections: a rule at the top of
 * `risk` (the old three name their new place; any other rule name belongs in `risk.defaults` too), `enabled`
 * inside a rule, `timezone` for `timeZone`.
 */
export const legacyKeys = (input: unknown): Array<LegacyKey> => {
  if (!isRecord(input) || !isRecord(input.risk)) return []
  const risk = input.risk
  const found: Array<LegacyKey> = []
  for (const [key, value] of Object.entries(risk)) {
    const message = moved[key] ??
      ((RiskConfig.ruleNames as ReadonlyArray<string>).includes(key) ? `belongs in risk.defaults.${key}` : undefined)
    if (message === undefined) continue
    found.push({ path: `risk.${key}`, message })
    if (key !== "maxPositionSize") found.push(...insideRule(`risk.${key}`, value))
  }
  found.push(...inRules("risk.defaults", risk.defaults))
  if (isRecord(risk.perAccount)) {
    for (const [id, rules] of Object.entries(risk.perAccount)) found.push(...inRules(`risk.perAccount.${id}`, rules))
  }
  return found
}

/**
 * The decoding problems with the old keys explained: each schema line at an old key's path (its "is
 * unexpected") gives way to the line naming the new place; the old keys' lines come first.
 */
export const explain = (legacy: ReadonlyArray<LegacyKey>, problems: ReadonlyArray<string>): Array<string> => {
  const paths = legacy.map((k) => k.path)
  const covered = (line: string) => paths.some((p) => line.startsWith(`${p}: `))
  return [...legacy.map((k) => `${k.path}: ${k.message}`), ...problems.filter((line) => !covered(line))]
}
