/**
 * Pure: what `config check` warns about in the `risk:` section (accepted, but
 * probably not what the user meant): no rule at all (nothing is enforced), and
 * a `perAccount` entry for an account the explicit `accounts` list does not
 * guard (its rules never apply).
 *
 * @internal
 */
import { RiskConfig } from "@tradeguard/rules"

/** The `risk:` warnings, each `path: message`. */
export const riskWarnings = (risk: RiskConfig.RiskConfig): Array<string> => {
  const found: Array<string> = []
  if (!RiskConfig.hasAnyRule(risk)) {
    found.push(
      "risk: no rule is configured (risk.defaults and risk.perAccount set none): nothing is enforced " +
        "(see config.example.yaml for every rule)"
    )
  }
  const accounts = risk.accounts
  if (accounts !== "all") {
    const listed = `[${accounts.join(", ")}]`
    for (const id of Object.keys(risk.perAccount)) {
      if (!accounts.includes(Number(id))) {
        found.push(`risk.perAccount.${id}: account ${id} is not in risk.accounts ${listed}: its rules never apply`)
      }
    }
  }
  return found
}
