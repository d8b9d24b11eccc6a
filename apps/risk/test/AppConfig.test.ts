import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { RiskConfig } from "@tradeguard/rules"
import { AppConfig } from "../src/index.js"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..")

/** The problems of a file that must be refused. */
const problems = (yaml: string) =>
  Effect.map(Effect.flip(AppConfig.parse("c.yaml", yaml)), (e) => e.problems.join("\n"))

/** Every leaf key of the defaults (arrays are leaves), as a path. */
const leaves = (value: unknown, at: ReadonlyArray<string> = []): Array<ReadonlyArray<string>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)
    ? Object.entries(value).flatMap(([k, v]) => leaves(v, [...at, k]))
    : [at]

const only = (at: ReadonlyArray<string>, value: unknown): unknown =>
  at.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value)

const valueAt = (at: ReadonlyArray<string>): unknown =>
  at.reduce<unknown>((v, key) => (v as Record<string, unknown>)[key], AppConfig.defaults)

const ownGateway = "api:\n  baseUrl: https://gw.example.com\nsignalr:\n  hubs:\n" +
  "    userHubUrl: wss://rtc.example.com/hubs/user\n    marketHubUrl: wss://rtc.example.com/hubs/market\n"

describe("AppConfig", () => {
  it("an empty file gives the seed's values", () => {
    const c = AppConfig.defaults
    assert.strictEqual(c.authentication.tokenRefresh.bufferSeconds, 7200)
    assert.deepStrictEqual(c.authentication.tokenRefresh.retryDelayMs, [1000, 5000, 15000])
    assert.deepStrictEqual(c.errorHandling.retries.retryableErrors, [408, 429, 500, 502, 503, 504])
    assert.deepStrictEqual(c.errorHandling.rateLimit.history, { requests: 50, windowSeconds: 30 })
    assert.strictEqual(c.errorHandling.circuitBreaker.failureThreshold, 5)
    assert.strictEqual(c.orderManagement.idempotency.cacheTTL, 3600)
    assert.strictEqual(c.database.retention.enforcementLogs, 30)
    assert.strictEqual(c.logging.level, "INFO")
    assert.deepStrictEqual(c.signalr.reconnection.delays, [0, 2000, 10000, 30000, 60000])
    assert.strictEqual(c.signalr.health.staleThreshold, 120000)
    assert.strictEqual(c.stateReconciliation.minInterval, 5000)
  })

  it.effect("a partial file keeps the other defaults", () =>
    Effect.gen(function*() {
      const c = yield* AppConfig.parse("c.yaml", "errorHandling:\n  circuitBreaker:\n    failureThreshold: 3\n")
      assert.strictEqual(c.errorHandling.circuitBreaker.failureThreshold, 3)
      assert.strictEqual(c.errorHandling.circuitBreaker.halfOpenRequests, 3)
      assert.strictEqual(c.api.timeout, 30000)
    }))

  it.effect("errors name the path of every bad value", () =>
    Effect.gen(function*() {
      const e = yield* Effect.flip(
        AppConfig.parse(
          "c.yaml",
          "authentication:\n  tokenRefresh:\n    retryDelayMs: [1000, x, 15000]\nerrorHandling:\n  rateLimit:\n    queueSize: -1\n"
        )
      )
      assert.strictEqual(e._tag, "ConfigError")
      const text = e.problems.join("\n")
      assert.include(text, "authentication.tokenRefresh.retryDelayMs[1]")
      assert.include(text, "errorHandling.rateLimit.queueSize")
    }))

  it.effect("an unknown key is an error, not a silent default", () =>
    Effect.gen(function*() {
      const e = yield* Effect.flip(AppConfig.parse("c.yaml", "errorHandling:\n  circuitBreakr: {}\n"))
      assert.include(e.problems.join("\n"), "circuitBreakr")
    }))

  it.effect("broken YAML is a ConfigError", () =>
    Effect.gen(function*() {
      const e = yield* Effect.flip(AppConfig.parse("c.yaml", "api: [unclosed"))
      assert.include(e.problems[0]!, "not valid YAML")
    }))

  it.effect("orderManagement is the orders package's section: partialFills.onTimeout defaults to keep, a bad value names its path", () =>
    Effect.gen(function*() {
      assert.strictEqual(AppConfig.defaults.orderManagement.partialFills.onTimeout, "keep")
      const c = yield* AppConfig.parse("c.yaml", "orderManagement: { partialFills: { onTimeout: cancelRest } }")
      assert.strictEqual(c.orderManagement.partialFills.onTimeout, "cancelRest")
      assert.strictEqual(c.orderManagement.partialFills.completeTimeout, 60000)
      const text = yield* problems("orderManagement: { partialFills: { onTimeout: sometimes } }")
      assert.include(text, "orderManagement.partialFills.onTimeout")
    }))

  it.effect("the shipped config.example.yaml decodes", () =>
    AppConfig.parse("config.example.yaml", fs.readFileSync(path.join(root, "config.example.yaml"), "utf8")))
})

describe("AppConfig: database (the store's section)", () => {
  it.effect("database.synchronous: full and busyTimeoutMs: 250 are accepted (was: refused as unknown keys)", () =>
    Effect.gen(function*() {
      assert.strictEqual(AppConfig.defaults.database.synchronous, "normal")
      assert.strictEqual(AppConfig.defaults.database.busyTimeoutMs, 5000)
      const c = yield* AppConfig.parse("c.yaml", "database:\n  synchronous: full\n  busyTimeoutMs: 250\n")
      assert.strictEqual(c.database.synchronous, "full")
      assert.strictEqual(c.database.busyTimeoutMs, 250)
      assert.strictEqual(c.database.path, ".tradeguard/tradeguard.db")
      assert.strictEqual(c.database.retention.orderHistory, 90)
      const never = yield* AppConfig.parse("c.yaml", "database: { busyTimeoutMs: 0 }")
      assert.strictEqual(never.database.busyTimeoutMs, 0, "0: fail at once on a lock")
    }))

  it.effect("a bad database.synchronous is one line naming both allowed values (was: one line per allowed value)", () =>
    Effect.gen(function*() {
      const e = yield* Effect.flip(AppConfig.parse("c.yaml", "database:\n  synchronous: off\n"))
      assert.deepStrictEqual(e.problems, ["database.synchronous: Expected \"normal\" | \"full\", actual \"off\""])
      assert.include(yield* problems("database: { synchronous: FULL }"), "Expected \"normal\" | \"full\", actual \"FULL\"")
    }))

  it.effect("database.busyTimeoutMs must be whole milliseconds, 0 or more: -1, 2.5 and \"5000\" are refused by path", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* problems("database: { busyTimeoutMs: -1 }"), "database.busyTimeoutMs: Expected a non-negative number, actual -1")
      assert.strictEqual(yield* problems("database: { busyTimeoutMs: 2.5 }"), "database.busyTimeoutMs: Expected an integer, actual 2.5")
      assert.strictEqual(yield* problems("database: { busyTimeoutMs: \"5000\" }"), "database.busyTimeoutMs: Expected number, actual \"5000\"")
    }))

  it.effect("a misspelt database key is refused by name, with the keys the section has", () =>
    Effect.gen(function*() {
      const text = yield* problems("database:\n  busyTimeout: 100\n")
      assert.include(text, "database.busyTimeout: is unexpected")
      assert.include(text, "\"synchronous\" | \"busyTimeoutMs\"")
    }))

  it.effect("a schemaVersion newer than this build migrates to, or an empty path, is refused", () =>
    Effect.gen(function*() {
      assert.include(yield* problems("database: { schemaVersion: 5 }"), "database.schemaVersion: Expected a number between 1 and 4, actual 5")
      assert.include(yield* problems("database: { path: \"\" }"), "database.path: Expected a non empty string")
      const memory = yield* AppConfig.parse("c.yaml", "database: { path: \":memory:\" }")
      assert.strictEqual(memory.database.path, ":memory:")
    }))
})

describe("AppConfig: the shape of the file", () => {
  it.effect("an empty config.yaml, or one with only comments, is the seed's values", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* AppConfig.parse("c.yaml", ""), AppConfig.defaults)
      assert.deepStrictEqual(yield* AppConfig.parse("c.yaml", "# everything at its default\n"), AppConfig.defaults)
    }))

  it.effect("a section that is not a mapping says \"a mapping of keys\" (was: \"Expected Struct (Encoded side)\")", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* problems("database: 5\n"), "database: Expected a mapping of keys, actual 5")
      assert.strictEqual(yield* problems("- api\n- database\n"), "<root>: Expected a mapping of keys, actual [\"api\",\"database\"]")
    }))
})

describe("AppConfig: partial blocks", () => {
  it.effect("errorHandling.rateLimit.history: {requests: 30} keeps windowSeconds 30 (was: windowSeconds is missing)", () =>
    Effect.gen(function*() {
      const c = yield* AppConfig.parse("c.yaml", "errorHandling:\n  rateLimit:\n    history: { requests: 30 }\n")
      assert.deepStrictEqual(c.errorHandling.rateLimit.history, { requests: 30, windowSeconds: 30 })
    }))

  it.effect("any single key given alone keeps the defaults of every other key, in every nested block", () =>
    Effect.gen(function*() {
      const paths = leaves(AppConfig.defaults)
      assert.isAbove(paths.length, 50)
      for (const at of paths) {
        const c = yield* AppConfig.decode("c.yaml", only(at, valueAt(at))).pipe(
          Effect.mapError((e) => new Error(`${at.join(".")} alone: ${e.problems.join("; ")}`))
        )
        assert.deepStrictEqual(c, AppConfig.defaults, at.join("."))
      }
    }))
})

describe("AppConfig: URLs", () => {
  it.effect("api.baseUrl \"not a url\" is refused with its path (was: accepted)", () =>
    Effect.gen(function*() {
      assert.include(yield* problems("api:\n  baseUrl: not a url\n"), "api.baseUrl: expected an absolute http/https URL")
      assert.include(yield* problems("signalr:\n  hubs:\n    marketHubUrl: rtc\n"), "signalr.hubs.marketHubUrl: expected an absolute")
    }))

  it.effect("plaintext http:// or ws:// to a host that is not loopback is refused unless api.allowInsecure (was: accepted)", () =>
    Effect.gen(function*() {
      const plain = "api:\n  baseUrl: http://gw.example.com\nsignalr:\n  hubs:\n" +
        "    userHubUrl: ws://gw.example.com/hubs/user\n    marketHubUrl: https://gw.example.com/hubs/market\n"
      const text = yield* problems(plain)
      assert.include(text, "api.baseUrl: plaintext \"http://gw.example.com\" to a host that is not loopback")
      assert.include(text, "signalr.hubs.userHubUrl: plaintext")
      assert.notInclude(text, "marketHubUrl")
      const allowed = yield* AppConfig.parse("c.yaml", plain.replace("api:\n", "api:\n  allowInsecure: true\n"))
      assert.isTrue(allowed.api.allowInsecure)
    }))

  it.effect("plaintext to loopback is fine: 127.0.0.0/8, ::1, localhost", () =>
    Effect.forEach(["http://127.0.0.1:5000", "http://127.9.8.7", "http://[::1]:5000", "http://localhost:5000"], (base) =>
      AppConfig.decode("c.yaml", {
        api: { baseUrl: base },
        signalr: { hubs: { userHubUrl: `${base.replace("http", "ws")}/hubs/user`, marketHubUrl: `${base}/hubs/market` } }
      })))

  it.effect("api.baseUrl changed while the hub URLs stay at TopstepX's is refused (was: accepted)", () =>
    Effect.gen(function*() {
      const text = yield* problems(
        "api:\n  baseUrl: https://gw.example.com\nsignalr:\n  hubs:\n" +
          "    userHubUrl: https://rtc.topstepx.com/hubs/user\n    marketHubUrl: https://rtc.topstepx.com/hubs/market\n"
      )
      assert.include(text, "signalr.hubs.userHubUrl: still the TopstepX hub while api.baseUrl is \"https://gw.example.com\"")
      assert.include(text, "signalr.hubs.marketHubUrl: still the TopstepX hub")
      yield* AppConfig.parse("c.yaml", ownGateway)
    }))

  it.effect("a file that sets only api.baseUrl to the demo gateway gets the demo gateway's hubs (was: TopstepX's, refused)", () =>
    Effect.gen(function*() {
      const c = yield* AppConfig.parse("c.yaml", "api:\n  baseUrl: https://gateway-api-demo.s2f.projectx.com\n")
      assert.strictEqual(c.signalr.hubs.userHubUrl, "https://gateway-rtc-demo.s2f.projectx.com/hubs/user")
      assert.strictEqual(c.signalr.hubs.marketHubUrl, "https://gateway-rtc-demo.s2f.projectx.com/hubs/market")
      assert.strictEqual(c.authentication.storage.type, "encrypted", "the daemon keeps the seed's token file")
    }))

  it.effect("a hub moved away from TopstepX while api.baseUrl stays TopstepX's is refused", () =>
    Effect.gen(function*() {
      const text = yield* problems("signalr:\n  hubs:\n    userHubUrl: wss://rtc.example.com/hubs/user\n")
      assert.include(text, "signalr.hubs.userHubUrl: \"wss://rtc.example.com/hubs/user\" is not a TopstepX hub")
      assert.notInclude(text, "marketHubUrl")
      yield* AppConfig.parse("c.yaml", "signalr:\n  hubs:\n    userHubUrl: wss://rtc.topstepx.com/hubs/user\n")
    }))
})

describe("AppConfig: other checks", () => {
  it.effect("keySource keyring is refused by the config itself, with the reason (was: only at start-up)", () =>
    Effect.gen(function*() {
      const text = yield* problems("authentication:\n  storage:\n    keySource: keyring\n")
      assert.include(text, "authentication.storage.keySource: \"keyring\" is not implemented")
      assert.include(text, "$TRADEGUARD_TOKEN_KEY")
      yield* AppConfig.parse("c.yaml", "authentication:\n  storage:\n    type: memory\n    keySource: keyring\n")
    }))

  it.effect("retries.backoffBase above maxBackoffMs is refused (was: accepted)", () =>
    Effect.gen(function*() {
      const text = yield* problems("errorHandling:\n  retries: { backoffBase: 5000, maxBackoffMs: 1000 }\n")
      assert.include(text, "errorHandling.retries.backoffBase: 5000 is above maxBackoffMs (1000)")
      yield* AppConfig.parse("c.yaml", "errorHandling:\n  retries: { backoffBase: 1000, maxBackoffMs: 1000 }\n")
    }))

  it.effect("risk.defaults.tradingHours.timeZone must be a real IANA zone (was: \"Mars/Olympus\" accepted)", () =>
    Effect.gen(function*() {
      const text = yield* problems("risk:\n  defaults:\n    tradingHours: { timeZone: Mars/Olympus }\n")
      assert.include(text, "risk.defaults.tradingHours.timeZone: unknown time zone \"Mars/Olympus\"")
      assert.include(yield* problems("tradingDay:\n  timeZone: Mars/Olympus\n"), "tradingDay.timeZone: unknown time zone")
      const c = yield* AppConfig.parse("c.yaml", "risk:\n  defaults:\n    tradingHours: { timeZone: Europe/Berlin }\n")
      assert.strictEqual(c.risk.defaults.tradingHours?.timeZone, "Europe/Berlin")
    }))
})

describe("AppConfig: risk (the rules package's section)", () => {
  it.effect("the risk section is @tradeguard/rules' RiskConfig: defaults, a partial rule, perAccount replacement and null", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(AppConfig.defaults.risk, RiskConfig.defaults)
      const c = yield* AppConfig.parse(
        "c.yaml",
        "risk:\n  mode: monitor\n  defaults:\n    dailyLossLimit: {}\n    tradingHours: { flatBy: \"15:08\" }\n" +
          "  perAccount:\n    \"100002\": { dailyLossLimit: { amount: 3000 }, tradingHours: null }\n"
      )
      assert.strictEqual(c.risk.mode, "monitor")
      assert.deepStrictEqual(c.risk.defaults.dailyLossLimit, { amount: 1000 })
      assert.strictEqual(c.risk.defaults.tradingHours?.close, "15:10")
      const own = RiskConfig.rulesFor(c.risk, 100002)
      assert.deepStrictEqual(own.dailyLossLimit, { amount: 3000 })
      assert.isUndefined(own.tradingHours)
    }))

  it.effect("an old risk block is refused, each old key naming its new place (was: \"is unexpected\" only)", () =>
    Effect.gen(function*() {
      const e = yield* Effect.flip(AppConfig.parse(
        "c.yaml",
        "risk:\n  accounts: all\n  dailyLossLimit: { enabled: true, amount: 1000 }\n" +
          "  maxPositionSize: { enabled: true, default: 5, perSymbol: { \"F.US.MNQ\": 10 } }\n" +
          "  tradingHours: { enabled: false, timezone: \"America/Chicago\", open: \"08:30\", close: \"15:10\" }\n"
      ))
      assert.deepStrictEqual(e.problems, [
        "risk.dailyLossLimit: moved to risk.defaults.dailyLossLimit ({ amount })",
        "risk.dailyLossLimit.enabled: a rule is on when present; remove `enabled` (null in perAccount turns a default rule off)",
        "risk.maxPositionSize: replaced by risk.defaults.maxContracts ({ total, perSymbol })",
        "risk.tradingHours: moved to risk.defaults.tradingHours (timeZone, open, close, days, flatBy)",
        "risk.tradingHours.enabled: a rule is on when present; remove `enabled` (null in perAccount turns a default rule off); " +
        "this one says false: leave the rule out to keep it off",
        "risk.tradingHours.timezone: renamed timeZone (capital Z)"
      ])
    }))

  it.effect("enabled and timezone inside a rule of defaults or perAccount: one line each, by path, nothing else", () =>
    Effect.gen(function*() {
      const e = yield* Effect.flip(AppConfig.parse(
        "c.yaml",
        "risk:\n  defaults:\n    dailyLossLimit: { enabled: true, amount: 1000 }\n    tradingHours: { timezone: Europe/Berlin }\n" +
          "  perAccount:\n    \"100002\": { positionMaxLoss: { enabled: false } }\n"
      ))
      assert.deepStrictEqual(e.problems, [
        "risk.defaults.dailyLossLimit.enabled: a rule is on when present; remove `enabled` (null in perAccount turns a default rule off)",
        "risk.defaults.tradingHours.timezone: renamed timeZone (capital Z)",
        "risk.perAccount.100002.positionMaxLoss.enabled: a rule is on when present; remove `enabled` (null in perAccount turns a " +
        "default rule off); this one says false: leave the rule out to keep it off"
      ])
    }))

  it.effect("a new rule written at the top of risk says it belongs in risk.defaults", () =>
    Effect.gen(function*() {
      assert.strictEqual(
        yield* problems("risk:\n  positionMaxLoss: { amount: 300 }\n"),
        "risk.positionMaxLoss: belongs in risk.defaults.positionMaxLoss"
      )
    }))

  it.effect("bad rule values name their path once: a missing required field, a bad amount in perAccount, a key that is no account id", () =>
    Effect.gen(function*() {
      const e = yield* Effect.flip(AppConfig.parse(
        "c.yaml",
        "risk:\n  defaults:\n    maxLossLimit: { amount: 2000 }\n    newsBlackout: { events: [\"2026-12-04 13:30\"] }\n" +
          "  perAccount:\n    abc: {}\n    \"100002\": { dailyLossLimit: { amount: -5 } }\n"
      ))
      assert.deepStrictEqual(e.problems, [
        "risk.defaults.maxLossLimit.startingBalance: is missing",
        "risk.defaults.newsBlackout.events[0]: expected an ISO 8601 time with a zone, e.g. 2026-12-04T13:30:00Z, actual \"2026-12-04 13:30\"",
        "risk.perAccount.abc: is not an account id (digits, e.g. \"100002\")",
        "risk.perAccount.100002.dailyLossLimit.amount: Expected a positive amount in account currency (dollars), actual -5"
      ])
    }))

  it.effect("each shipped example decodes with no error and no \"no rule\" warning", () =>
    Effect.forEach(["config.example.yaml", "examples/prop-50k.yaml"], (name) =>
      Effect.gen(function*() {
        const c = yield* AppConfig.parse(name, fs.readFileSync(path.join(root, name), "utf8"))
        assert.deepStrictEqual(AppConfig.warnings(c), [], name)
        assert.isTrue(RiskConfig.hasAnyRule(c.risk), name)
      })))

  it.effect("config.example.yaml turns every rule on (each documented) and weights the micros 0.1", () =>
    Effect.gen(function*() {
      const c = yield* AppConfig.parse("config.example.yaml", fs.readFileSync(path.join(root, "config.example.yaml"), "utf8"))
      assert.deepStrictEqual(Object.keys(c.risk.defaults).sort(), [...RiskConfig.ruleNames].sort())
      for (const micro of ["MNQ", "MES", "M2K", "MYM", "MGC"]) assert.strictEqual(RiskConfig.weightOf(c.risk, `F.US.${micro}`), 0.1)
      assert.strictEqual(RiskConfig.weightOf(c.risk, "F.US.MCLE"), 0.1)
    }))

  it.effect("examples/prop-50k.yaml: the 50K evaluation's numbers", () =>
    Effect.gen(function*() {
      const c = yield* AppConfig.parse("prop-50k.yaml", fs.readFileSync(path.join(root, "examples/prop-50k.yaml"), "utf8"))
      const rules = RiskConfig.rulesFor(c.risk, 100001)
      assert.deepStrictEqual(rules.dailyLossLimit, { amount: 1000 })
      assert.deepStrictEqual(rules.maxLossLimit, { amount: 2000, trailing: "endOfDay", startingBalance: 50000 })
      assert.strictEqual(rules.maxContracts?.total, 5)
      assert.deepStrictEqual(rules.scalingPlan?.map((t) => t.maxContracts), [2, 3, 5])
      assert.deepStrictEqual([rules.tradingHours?.timeZone, rules.tradingHours?.flatBy], ["America/Chicago", "15:08"])
      assert.strictEqual(rules.consistency?.maxBestDayShare, 0.5)
    }))
})

describe("AppConfig.warnings", () => {
  const all = (yaml: string) => Effect.map(AppConfig.parse("c.yaml", yaml), AppConfig.warnings)
  /** The warnings but "no rule is configured" (most of these files set no rule). */
  const warn = (yaml: string) => Effect.map(all(yaml), (w) => w.filter((line) => !line.startsWith("risk: no rule")))

  it("the seed's values warn only that no risk rule is configured", () => {
    assert.deepStrictEqual(AppConfig.warnings(AppConfig.defaults), [
      "risk: no rule is configured (risk.defaults and risk.perAccount set none): nothing is enforced " +
      "(see config.example.yaml for every rule)"
    ])
  })

  it.effect("a perAccount entry outside an explicit accounts list warns, by path; with accounts: all it does not", () =>
    Effect.gen(function*() {
      const body = "  defaults:\n    dailyLossLimit: {}\n  perAccount:\n    \"100002\": { dailyLossLimit: null }\n" +
        "    \"100003\": { tradingHours: null }\n"
      assert.deepStrictEqual(yield* warn(`risk:\n  accounts: [100001, 100002]\n${body}`), [
        "risk.perAccount.100003: account 100003 is not in risk.accounts [100001, 100002]: its rules never apply"
      ])
      assert.deepStrictEqual(yield* all(`risk:\n  accounts: all\n${body}`), [])
    }))

  it.effect("a rule only in perAccount is a rule: no \"no rule\" warning", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* all("risk:\n  perAccount:\n    \"100002\": { dailyLossLimit: {} }\n"), [])
      const nulls = yield* all("risk:\n  perAccount:\n    \"100002\": { dailyLossLimit: null }\n")
      assert.strictEqual(nulls.length, 1, "null only turns a rule off")
    }))

  it.effect("a history limit above 50 / 30 s warns, naming the newest documentation's 30 / 30 s", () =>
    Effect.gen(function*() {
      const w = yield* warn("errorHandling:\n  rateLimit:\n    history: { requests: 60 }\n")
      assert.deepStrictEqual(w, [
        "errorHandling.rateLimit.history: 60 per 30 s lets up to 60 requests through in 30 s, more than the gateway's " +
        "50 / 30 s (the newest gateway documentation even says 30 / 30 s): expect 429s"
      ])
    }))

  it.effect("a shorter window is a bigger budget too: 25 per 10 s is 75 in 30 s; 20 per 20 s is only 40", () =>
    Effect.gen(function*() {
      const w = yield* warn("errorHandling:\n  rateLimit:\n    history: { requests: 25, windowSeconds: 10 }\n")
      assert.include(w[0]!, "lets up to 75 requests through in 30 s")
      assert.deepStrictEqual(yield* warn("errorHandling:\n  rateLimit:\n    history: { requests: 20, windowSeconds: 20 }\n"), [])
    }))

  it.effect("a general limit above 200 / 60 s warns; a longer window with the same rate does too (a burst fits)", () =>
    Effect.gen(function*() {
      const w = yield* warn("errorHandling:\n  rateLimit:\n    general: { requests: 400, windowSeconds: 120 }\n")
      assert.deepStrictEqual(w, [
        "errorHandling.rateLimit.general: 400 per 120 s lets up to 400 requests through in 60 s, more than the gateway's " +
        "200 / 60 s: expect 429s"
      ])
      assert.deepStrictEqual(yield* warn("errorHandling:\n  rateLimit:\n    general: { requests: 100 }\n"), [])
    }))
})

describe("AppConfig.load", () => {
  const load = (file: string) => Effect.flip(AppConfig.load(file)).pipe(Effect.provide(NodeFileSystem.layer))

  it.effect("a missing file is one clear ConfigUnreadable", () =>
    Effect.gen(function*() {
      const e = yield* load("missing/config.yaml")
      assert.strictEqual(e.message, "missing/config.yaml: cannot read the configuration: no such file")
    }))

  it.effect("a directory is one clear ConfigUnreadable", () =>
    Effect.gen(function*() {
      const e = yield* load(os.tmpdir())
      assert.strictEqual(e.message, `${os.tmpdir()}: cannot read the configuration: a directory, not a YAML file`)
    }))

  it.effect("a device is not a config file either", () =>
    Effect.gen(function*() {
      const e = yield* load("/dev/null")
      assert.strictEqual(e.message, "/dev/null: cannot read the configuration: not a regular file (CharacterDevice), not a YAML file")
    }))

  it.effect("a path through a regular file is one clear ConfigUnreadable (was: the platform's message, the path three times)", () =>
    Effect.gen(function*() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tradeguard-config-"))
      fs.writeFileSync(path.join(dir, "config"), "")
      const file = path.join(dir, "config", "config.yaml")
      const e = yield* load(file)
      assert.strictEqual(e.message, `${file}: cannot read the configuration: a part of the path is a file, not a directory`)
    }))

  it.effect("a symbolic link to itself: the system's reason, once", () =>
    Effect.gen(function*() {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tradeguard-config-")), "config.yaml")
      fs.symlinkSync(file, file)
      const e = yield* load(file)
      assert.match(e.message, /: cannot read the configuration: too many (levels of )?symbolic links/)
      assert.strictEqual(e.message.split(file).length, 2, "the path once")
    }))

  it.effect("a readable file is decoded", () =>
    Effect.gen(function*() {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tradeguard-config-")), "config.yaml")
      fs.writeFileSync(file, "api:\n  timeout: 1000\n")
      const c = yield* AppConfig.load(file).pipe(Effect.provide(NodeFileSystem.layer))
      assert.strictEqual(c.api.timeout, 1000)
    }))
})
