import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { AppConfig } from "../src/index.js"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..")

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

  it.effect("the shipped config.example.yaml decodes", () =>
    AppConfig.parse("config.example.yaml", fs.readFileSync(path.join(root, "config.example.yaml"), "utf8")))
})
