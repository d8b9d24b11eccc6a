import * as NodeContext from "@effect/platform-node/NodeContext"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as Cli from "../src/Cli.js"
import { captured } from "./utils/console.js"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..")

const tradeguard = (...args: ReadonlyArray<string>) =>
  captured(Cli.main(["node", "tradeguard", ...args])).pipe(
    Effect.map(([code, lines]) => ({ code, out: lines.out.join("\n"), err: lines.err.join("\n") })),
    Effect.provide(NodeContext.layer)
  )

const file = (name: string, text: string) => {
  const p = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tradeguard-cli-")), name)
  fs.writeFileSync(p, text)
  return p
}

/** One rule, so a file does not warn that nothing is enforced. */
const oneRule = "risk:\n  defaults:\n    dailyLossLimit: { amount: 1000 }\n"

const noRawCause = (err: string) => {
  assert.notInclude(err, "level=ERROR")
  assert.notInclude(err, "_tag")
}

describe("Cli", () => {
  it.effect("config check of a valid file: the summary, exit 0", () =>
    Effect.gen(function*() {
      const r = yield* tradeguard("config", "check", file("config.yaml", "api:\n  timeout: 1000\n" + oneRule))
      assert.strictEqual(r.code, 0)
      assert.include(r.out, "valid. gateway https://api.topstepx.com, token storage encrypted, limits history 50/30s general 200/60s")
      assert.strictEqual(r.err, "")
    }))

  it.effect("config check prints warnings and still exits 0", () =>
    Effect.gen(function*() {
      const r = yield* tradeguard("config", "check", file("c.yaml", "errorHandling:\n  rateLimit:\n    general: { requests: 300 }\n" + oneRule))
      assert.strictEqual(r.code, 0)
      assert.match(r.err, /^warning: errorHandling\.rateLimit\.general: 300 per 60 s/)
    }))

  it.effect("config check of an invalid file: every problem by its path, exit 1", () =>
    Effect.gen(function*() {
      const bad = file("c.yaml", "api:\n  baseUrl: not a url\nrisk:\n  defaults:\n    tradingHours: { timeZone: Mars/Olympus }\n")
      const r = yield* tradeguard("config", "check", bad)
      assert.strictEqual(r.code, 1)
      assert.include(r.err, `${bad}: invalid configuration`)
      assert.include(r.err, "  - api.baseUrl: expected an absolute http/https URL")
      assert.include(r.err, "  - risk.defaults.tradingHours.timeZone: unknown time zone \"Mars/Olympus\"")
    }))

  it.effect("config check accepts the store's database keys: synchronous full, busyTimeoutMs 250, exit 0", () =>
    Effect.gen(function*() {
      const r = yield* tradeguard("config", "check", file("c.yaml", "database:\n  synchronous: full\n  busyTimeoutMs: 250\n" + oneRule))
      assert.strictEqual(r.code, 0)
      assert.include(r.out, "valid.")
      assert.strictEqual(r.err, "")
    }))

  it.effect("config check of bad database keys: one line per key, naming normal | full, exit 1", () =>
    Effect.gen(function*() {
      const bad = file("c.yaml", "database:\n  synchronous: off\n  busyTimeoutMs: -5\n")
      const r = yield* tradeguard("config", "check", bad)
      assert.strictEqual(r.code, 1)
      assert.strictEqual(
        r.err,
        `${bad}: invalid configuration\n` +
          "  - database.synchronous: Expected \"normal\" | \"full\", actual \"off\"\n" +
          "  - database.busyTimeoutMs: Expected a non-negative number, actual -5"
      )
    }))

  it.effect("config check of an empty file: valid (every key at its default), exit 0, with the warning that no rule is configured", () =>
    Effect.gen(function*() {
      const r = yield* tradeguard("config", "check", file("config.yaml", ""))
      assert.strictEqual(r.code, 0)
      assert.include(r.out, "valid. gateway https://api.topstepx.com, token storage encrypted")
      assert.match(r.err, /^warning: risk: no rule is configured .*nothing is enforced/)
    }))

  it.effect("config check warns, exit 0, when perAccount names an account the accounts list does not guard", () =>
    Effect.gen(function*() {
      const r = yield* tradeguard("config", "check", file("c.yaml",
        "risk:\n  accounts: [100001]\n  defaults:\n    dailyLossLimit: {}\n" +
          "  perAccount:\n    \"100001\": { tradingHours: null }\n    \"100003\": { dailyLossLimit: { amount: 500 } }\n"))
      assert.strictEqual(r.code, 0)
      assert.strictEqual(
        r.err,
        "warning: risk.perAccount.100003: account 100003 is not in risk.accounts [100001]: its rules never apply"
      )
    }))

  it.effect("config check of the old risk block: each old key names its new place, exit 1", () =>
    Effect.gen(function*() {
      const old = file("c.yaml",
        "risk:\n  dailyLossLimit: { enabled: true, amount: 1000 }\n  maxPositionSize: { enabled: true, default: 5 }\n")
      const r = yield* tradeguard("config", "check", old)
      assert.strictEqual(r.code, 1)
      assert.strictEqual(
        r.err,
        `${old}: invalid configuration\n` +
          "  - risk.dailyLossLimit: moved to risk.defaults.dailyLossLimit ({ amount })\n" +
          "  - risk.dailyLossLimit.enabled: a rule is on when present; remove `enabled` (null in perAccount turns a default rule off)\n" +
          "  - risk.maxPositionSize: replaced by risk.defaults.maxContracts ({ total, perSymbol })"
      )
    }))

  it.effect("config check of each shipped example: valid, no warning, exit 0", () =>
    Effect.forEach(["config.example.yaml", "examples/prop-50k.yaml"], (name) =>
      Effect.gen(function*() {
        const r = yield* tradeguard("config", "check", path.join(root, name))
        assert.strictEqual(r.code, 0, r.err)
        assert.include(r.out, "valid.")
        assert.strictEqual(r.err, "", name)
      })))

  it.effect("config check of a missing file is one clear line, exit 1 (was: a raw JSON cause line)", () =>
    Effect.gen(function*() {
      const r = yield* tradeguard("config", "check", "missing/config.yaml")
      assert.strictEqual(r.code, 1)
      assert.strictEqual(r.err, "missing/config.yaml: cannot read the configuration: no such file")
    }))

  it.effect("config check of a folder is one clear line, exit 1 (was: a raw JSON cause line)", () =>
    Effect.gen(function*() {
      const r = yield* tradeguard("config", "check", ".")
      assert.strictEqual(r.code, 1)
      assert.strictEqual(r.err, ".: cannot read the configuration: a directory, not a YAML file")
    }))

  it.effect("an unknown command is a usage error, exit 2 (was: a raw JSON cause line)", () =>
    Effect.gen(function*() {
      const r = yield* tradeguard("bogus")
      assert.strictEqual(r.code, 2)
      assert.include(r.err, "Invalid subcommand for tradeguard - use one of 'run', 'status', 'unlock', 'audit', 'chaos', 'demo', 'sim', 'config'")
      assert.include(r.err, "Run `tradeguard --help` for usage.")
      noRawCause(r.err)
    }))

  it.effect("demo --seed abc is a usage error, exit 2 (was: a raw JSON cause line)", () =>
    Effect.gen(function*() {
      const r = yield* tradeguard("demo", "--seed", "abc")
      assert.strictEqual(r.code, 2)
      assert.include(r.err, "'abc' is not a integer")
      noRawCause(r.err)
    }))

  it.effect("--help lists the commands, exit 0", () =>
    Effect.gen(function*() {
      const r = yield* tradeguard("--help")
      assert.strictEqual(r.code, 0)
      assert.include(r.out, "config check [<file>]")
      assert.include(r.out, "demo [--seed integer]")
    }))

  it.effect("a failure a command did not expect is one line, exit 1", () =>
    Effect.gen(function*() {
      const [code, lines] = yield* captured(Cli.report(Effect.fail(new Error("the gateway is down"))))
      assert.strictEqual(code, 1)
      assert.deepStrictEqual(lines.err, ["tradeguard: the gateway is down"])
      const [died, dying] = yield* captured(Cli.report(Effect.die("boom")))
      assert.strictEqual(died, 1)
      assert.include(dying.err[0]!, "tradeguard: unexpected failure")
      const [, other] = yield* captured(Cli.report(Effect.fail("no session")))
      assert.deepStrictEqual(other.err, ["tradeguard: no session"])
    }))
})
