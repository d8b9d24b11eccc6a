import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import * as AppConfig from "../src/AppConfig.js"
import * as Format from "../src/internal/loggingFormat.js"
import * as Logging from "../src/Logging.js"

const jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJkZW1vIiwiZXhwIjoxfQ.c2lnbmF0dXJlLWhlcmU"

const run = <A, E>(
  program: Effect.Effect<A, E>,
  logging: Partial<Logging.LoggingConfig> = {},
  options: Logging.Options = {}
) =>
  Effect.gen(function*() {
    const lines: Array<string> = []
    yield* program.pipe(
      Effect.provide(Logging.layer({ ...AppConfig.defaults.logging, ...logging }, {
        secretEnv: [],
        ...options,
        write: (l) => void lines.push(l)
      }))
    )
    return lines
  })

describe("Logging", () => {
  it("logging.format defaults to pretty and takes json", () => {
    assert.strictEqual(AppConfig.defaults.logging.format, "pretty")
    assert.throws(() => AppConfig.defaults && AppConfig.decode("c", { logging: { format: "xml" } }).pipe(Effect.runSync))
  })

  it.effect("json: one JSON object per line with the log's time, level, message, annotations, spans and cause", () =>
    Effect.gen(function*() {
      yield* TestClock.adjust("1 hour")
      const lines = yield* run(
        Effect.logWarning("hub down", 2).pipe(
          Effect.zipRight(Effect.logError("failed", new Error("boom")).pipe(Effect.annotateLogs({ step: "token" }))),
          Effect.zipRight(Effect.logError("with cause").pipe(Effect.zipRight(Effect.fail("x")), Effect.catchAll((e) => Effect.logError("caught", e)))),
          Effect.zipRight(Effect.logWarning("spanned").pipe(Effect.withLogSpan("reconnect"))),
          Effect.zipRight(Effect.fail(new Error("die")).pipe(Effect.tapErrorCause((c) => Effect.logError("cause").pipe(Effect.annotateLogs("n", 1n), Effect.zipRight(Effect.logError(c)))), Effect.ignore)),
          Effect.annotateLogs({ account: 100001, module: "realtime/HubConnection" })
        ),
        { format: "json" }
      )
      const objects = lines.map((l) => JSON.parse(l) as Record<string, unknown>)
      assert.isAtLeast(objects.length, 5)
      assert.deepStrictEqual(objects[0], {
        time: "1970-01-01T01:00:00.000Z",
        level: "WARN",
        message: "hub down 2",
        annotations: { account: 100001, module: "realtime/HubConnection" }
      })
      assert.strictEqual(objects[1]!["level"], "ERROR")
      assert.include(objects[1]!["message"] as string, "boom")
      assert.deepStrictEqual((objects[1]!["annotations"] as Record<string, unknown>)["step"], "token")
      const spanned = objects.find((o) => o["message"] === "spanned")!
      assert.deepStrictEqual(spanned["spans"], { reconnect: 0 })
      const withCause = objects.filter((o) => typeof o["cause"] === "string")
      assert.isAbove(withCause.length, 0)
      assert.include(withCause[0]!["cause"] as string, "die")
      assert.strictEqual((objects.find((o) => o["message"] === "cause")!["annotations"] as Record<string, unknown>)["n"], "1")
    }))

  it.effect("pretty: one line per event with time, level, message and annotations", () =>
    Effect.gen(function*() {
      const lines = yield* run(
        Effect.logInfo("connected").pipe(
          Effect.zipRight(Effect.logWarning("hub\ndown").pipe(Effect.annotateLogs({ reason: "refused by server", n: 2 }))),
          Effect.zipRight(Effect.fail("x").pipe(Effect.tapErrorCause((c) => Effect.logError("failed", c)), Effect.ignore)),
          Effect.zipRight(Effect.logInfo("retry").pipe(Effect.withLogSpan("login"))),
          Effect.annotateLogs("account", 100001)
        )
      )
      assert.strictEqual(lines.length, 4)
      assert.strictEqual(lines[0], "1970-01-01T00:00:00.000Z INFO  connected account=100001")
      assert.include(lines[1]!, "WARN ")
      assert.include(lines[1]!, `reason="refused by server"`)
      assert.include(lines[1]!, "n=2")
      for (const l of lines) assert.notInclude(l, "\n")
      assert.match(lines[2]!, /ERROR failed .*cause="/)
      assert.match(lines[3]!, /login=0ms$/)
    }))

  it.effect("logging.level is the minimum level", () =>
    Effect.gen(function*() {
      const all = Effect.logDebug("d").pipe(
        Effect.zipRight(Effect.logInfo("i")),
        Effect.zipRight(Effect.logWarning("w")),
        Effect.zipRight(Effect.logError("e"))
      )
      const levels = (lines: ReadonlyArray<string>) => lines.map((l) => (JSON.parse(l) as { level: string }).level)
      assert.deepStrictEqual(levels(yield* run(all, { format: "json", level: "DEBUG" })), ["DEBUG", "INFO", "WARN", "ERROR"])
      assert.deepStrictEqual(levels(yield* run(all, { format: "json", level: "INFO" })), ["INFO", "WARN", "ERROR"])
      assert.deepStrictEqual(levels(yield* run(all, { format: "json", level: "WARNING" })), ["WARN", "ERROR"])
      assert.deepStrictEqual(levels(yield* run(all, { format: "json", level: "ERROR" })), ["ERROR"])
    }))

  it.effect("secrets are redacted from messages, annotations and causes", () =>
    Effect.gen(function*() {
      process.env["TRADEGUARD_TEST_KEY"] = "f".repeat(64)
      const lines = yield* run(
        Effect.logWarning(`login with demo-api-key gave ${jwt}`).pipe(
          Effect.zipRight(Effect.logInfo("request").pipe(Effect.annotateLogs({
            authorization: "Bearer abc.def",
            apiKey: "plain",
            header: `Bearer ${"x".repeat(20)}`,
            url: "wss://rtc.example.com/hubs/user?access_token=s3cr3t&id=1",
            nested: { deep: [`key ${"f".repeat(64)}`], token: "t0k3n" },
            hidden: Redacted.make("never"),
            count: 3
          }))),
          Effect.zipRight(Effect.logError("post failed: https://hooks.slack.com/services/T000/B000/XXXX and https://discord.com/api/webhooks/1/abc and https://api.telegram.org/bot123:AAA/sendMessage and https://user:pw@example.com/x")),
          Effect.zipRight(Effect.fail(new Error(`token ${jwt}`)).pipe(Effect.tapErrorCause((c) => Effect.logError("failed", c)), Effect.ignore)),
          Effect.zipRight(Effect.logInfo("ordinary words, account 100001, no secret"))
        ),
        { format: "json" },
        { secrets: ["demo-api-key"], secretEnv: ["TRADEGUARD_TEST_KEY", "TRADEGUARD_UNSET_VAR"] }
      )
      delete process.env["TRADEGUARD_TEST_KEY"]
      const text = lines.join("\n")
      for (const secret of ["demo-api-key", "eyJhbGci", "abc.def", "plain", "x".repeat(20), "s3cr3t", "f".repeat(64), "t0k3n", "never", "hooks.slack.com", "discord.com", "bot123", "user:pw"]) {
        assert.notInclude(text, secret)
      }
      const objects = lines.map((l) => JSON.parse(l) as { message: string; annotations?: Record<string, unknown> })
      assert.strictEqual(objects[0]!.message, "login with [redacted] gave [redacted]")
      assert.deepStrictEqual(objects[1]!.annotations!["header"], "Bearer [redacted]")
      assert.deepStrictEqual(objects[1]!.annotations!["url"], "wss://rtc.example.com/hubs/user?access_token=[redacted]&id=1")
      assert.deepStrictEqual(objects[1]!.annotations!["count"], 3)
      assert.strictEqual(objects[4]!.message, "ordinary words, account 100001, no secret")
    }))

  it.effect("layerFor hides the values of the config's key and webhook variables", () =>
    Effect.gen(function*() {
      const config = {
        ...AppConfig.defaults,
        logging: { ...AppConfig.defaults.logging, format: "json" as const },
        authentication: { ...AppConfig.defaults.authentication, storage: { ...AppConfig.defaults.authentication.storage, keyEnv: "MY_KEY_VAR" } },
        alerts: { ...AppConfig.defaults.alerts, webhookUrlEnv: "MY_HOOK_VAR" }
      }
      process.env["MY_KEY_VAR"] = "k".repeat(40)
      process.env["MY_HOOK_VAR"] = "https://example.com/hook/zzzz"
      const lines: Array<string> = []
      yield* Effect.logError(`key ${"k".repeat(40)} hook https://example.com/hook/zzzz`).pipe(
        Effect.provide(Logging.layerFor(config, { write: (l) => void lines.push(l) }))
      )
      delete process.env["MY_KEY_VAR"]
      delete process.env["MY_HOOK_VAR"]
      assert.strictEqual((JSON.parse(lines[0]!) as { message: string }).message, "key [redacted] hook [redacted]")
    }))

  it("annotation values of every kind become JSON", () => {
    const circular: Record<string, unknown> = { a: 1 }
    circular["self"] = circular
    assert.deepStrictEqual(
      [null, undefined, true, 1n, new TypeError("bad"), { n: 2n }, () => 1, Symbol.for("s")].map(Format.jsonable),
      [null, undefined, true, "1", { name: "TypeError", message: "bad" }, { n: "2" }, "() => 1", "Symbol(s)"]
    )
    assert.isString(Format.jsonable(circular))
    assert.strictEqual(Format.messageText([new RangeError("r"), { a: 1 }, "x"]), "RangeError: r {\"a\":1} x")
  })

  it("redact and levelOf", () => {
    assert.strictEqual(Logging.redact("a secret-value b", ["secret-value"]), "a [redacted] b")
    assert.strictEqual(Logging.redact("Authorization: Bearer abc"), "Authorization: Bearer [redacted]")
    assert.strictEqual(Logging.levelOf("WARNING").label, "WARN")
  })

  it.effect("the default writes to the Console", () =>
    Effect.gen(function*() {
      const out: Array<string> = []
      const base = yield* Effect.console
      yield* Effect.logWarning("to console").pipe(
        Effect.provide(Logging.layer(AppConfig.defaults.logging)),
        Effect.withConsole({ ...base, unsafe: { ...base.unsafe, log: (...a: ReadonlyArray<unknown>) => void out.push(a.map(String).join(" ")) } })
      )
      assert.strictEqual(out.length, 1)
      assert.include(out[0]!, "WARN  to console")
    }))
})
