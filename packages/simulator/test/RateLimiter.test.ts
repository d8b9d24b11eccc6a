import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { client, layer, login, MNQ } from "./utils/sim.js"

const search = (token: Redacted.Redacted<string>) =>
  Effect.flatMap(client, (c) => c.accountSearch({ onlyActiveAccounts: true }, token))

const bars = (token: Redacted.Redacted<string>) =>
  Effect.flatMap(client, (c) =>
    c.historyRetrieveBars({
      contractId: MNQ,
      live: false,
      startTime: "1970-01-01T00:00:00Z",
      endTime: "1970-01-01T00:01:00Z",
      unit: 1,
      unitNumber: 1,
      limit: 1,
      includePartialBar: true
    }, token))

const times = <A, E, R>(n: number, effect: Effect.Effect<A, E, R>) => Effect.replicateEffect(effect, n, { discard: true })

const retryAfterSeconds = (e: { readonly _tag: string }) =>
  e._tag === "RateLimited" && "retryAfter" in e && e.retryAfter !== undefined
    ? Duration.toSeconds(e.retryAfter as Duration.Duration)
    : undefined

describe("rate limits (sliding window per user)", () => {
  it.effect("the 201st Account/search within 60 s is 429 with Retry-After; it passes once the window slides", () =>
    Effect.gen(function*() {
      const token = yield* login()
      yield* times(100, search(token))
      yield* TestClock.adjust("30 seconds")
      yield* times(100, search(token))
      const limited = yield* Effect.flip(search(token))
      assert.strictEqual(limited._tag, "RateLimited")
      assert.strictEqual(retryAfterSeconds(limited), 30, "the first 100 leave the window at 60 s")
      yield* TestClock.adjust("29 seconds")
      assert.strictEqual(retryAfterSeconds(yield* Effect.flip(search(token))), 1)
      yield* TestClock.adjust("1 second")
      yield* times(100, search(token))
      assert.strictEqual((yield* Effect.flip(search(token)))._tag, "RateLimited", "sliding, not fixed: 100 are still in")
    }).pipe(Effect.provide(layer())))

  it.effect("the 51st retrieveBars within 30 s is 429; other endpoints keep their own budget", () =>
    Effect.gen(function*() {
      const token = yield* login()
      yield* times(50, bars(token))
      const limited = yield* Effect.flip(bars(token))
      assert.strictEqual(limited._tag, "RateLimited")
      assert.strictEqual(retryAfterSeconds(limited), 30)
      yield* search(token)
      yield* TestClock.adjust("30 seconds")
      yield* bars(token)
    }).pipe(Effect.provide(layer())))

  it.effect("the budget is per user, whatever the token", () =>
    Effect.gen(function*() {
      const first = yield* login()
      const second = yield* login()
      const alice = yield* login("alice", "alice-key")
      yield* times(5, search(first))
      assert.strictEqual((yield* Effect.flip(search(second)))._tag, "RateLimited", "same user, another session")
      yield* search(alice)
    }).pipe(Effect.provide(layer({
      users: [{ userName: "alice", apiKey: "alice-key" }],
      rateLimits: { general: { limit: 5, window: "10 seconds" } }
    }))))

  it.effect("limits can be switched off", () =>
    Effect.gen(function*() {
      const token = yield* login()
      yield* times(300, search(token))
    }).pipe(Effect.provide(layer({ rateLimits: { enabled: false } }))))
})
