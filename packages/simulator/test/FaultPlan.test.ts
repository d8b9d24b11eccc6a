import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { assert, describe, it } from "@effect/vitest"
import type { Errors } from "@tradeguard/gateway"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { FaultPlan, Simulator } from "../src/index.js"
import { ACCOUNT, client, layer, login, market, MNQ, pin, snapshot } from "./utils/sim.js"

const search = (token: Redacted.Redacted<string>) =>
  Effect.flatMap(client, (c) => c.accountSearch({ onlyActiveAccounts: true }, token))

/** The outcome of `n` Account/search calls: "ok" or the error tag and status. */
const pattern = (token: Redacted.Redacted<string>, n: number) =>
  Effect.forEach(Array.from({ length: n }), () =>
    Effect.match(search(token), {
      onSuccess: () => "ok",
      onFailure: (e: Errors.GatewayError) => (e._tag === "ServerError" ? `5xx:${e.status}` : e._tag)
    }))

describe("fault plan", () => {
  it.effect("apply, then drop the reply: GatewayClient sees OutcomeUnknown, yet the order exists", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const token = yield* login()
      yield* pin(21_000)
      yield* sim.setFaults({ dropReply: { probability: 1, endpoints: ["orderPlace"], count: 1 } })
      const lost = yield* Effect.flip(market(token, 0, 1, { customTag: "ambiguous-1" }))
      assert.strictEqual(lost._tag, "OutcomeUnknown")
      assert.strictEqual(lost._tag === "OutcomeUnknown" && lost.customTag, "ambiguous-1")
      const snap = yield* snapshot()
      assert.deepStrictEqual(snap.orders.map((o) => [o.customTag, o.status]), [["ambiguous-1", 2]])
      assert.strictEqual(snap.positions[0]!.size, 1, "it traded")
      const retry = yield* Effect.flip(market(token, 0, 1, { customTag: "ambiguous-1" }))
      assert.strictEqual(retry._tag === "Rejected" && retry.errorCode, 2, "a blind retry is caught by the tag")
      yield* market(token, 0, 1, { customTag: "ambiguous-2" })
      assert.strictEqual((yield* snapshot()).positions[0]!.size, 2, "count: 1 - the next reply arrives")
    }).pipe(Effect.provide(layer())))

  it.effect("dropped replies on cancel, modify and close too; reads are never dropped", () =>
    Effect.gen(function*() {
      const c = yield* client
      const sim = yield* Simulator.Simulator
      const token = yield* login()
      yield* pin(21_000)
      const { orderId } = yield* c.orderPlace(
        { accountId: ACCOUNT, contractId: MNQ, type: 1, side: 0, size: 1, limitPrice: 20_000 },
        token
      )
      yield* market(token, 0, 2)
      yield* sim.setFaults({ dropReply: { probability: 1 } })
      const errors = yield* Effect.all([
        Effect.flip(c.orderModify({ accountId: ACCOUNT, orderId, limitPrice: 20_001 }, token)),
        Effect.flip(c.positionPartialCloseContract({ accountId: ACCOUNT, contractId: MNQ, size: 1 }, token)),
        Effect.flip(c.orderCancel({ accountId: ACCOUNT, orderId }, token)),
        Effect.flip(c.positionCloseContract({ accountId: ACCOUNT, contractId: MNQ }, token))
      ])
      assert.deepStrictEqual(errors.map((e) => e._tag), Array(4).fill("OutcomeUnknown"))
      assert.strictEqual((yield* c.positionSearchOpen({ accountId: ACCOUNT }, token)).positions.length, 0)
      const order = (yield* snapshot()).orders.find((o) => o.id === orderId)!
      assert.deepStrictEqual([order.limitPrice, order.status], [20_001, 3])
    }).pipe(Effect.provide(layer())))

  it.effect("a share of 5xx replies, deterministic for a seed", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const token = yield* login()
      yield* sim.setFaults({ seed: 42, serverErrors: { probability: 0.25, status: 502 } })
      const first = yield* pattern(token, 100)
      const failures = first.filter((p) => p !== "ok")
      assert.isTrue(failures.length >= 10 && failures.length <= 40, `${failures.length} of 100`)
      assert.isTrue(failures.every((p) => p === "5xx:502"))
      yield* sim.setFaults({ seed: 42, serverErrors: { probability: 0.25, status: 502 } })
      assert.deepStrictEqual(yield* pattern(token, 100), first, "same seed, same faults")
      yield* sim.setFaults({ seed: 43, serverErrors: { probability: 0.25, status: 502 } })
      assert.notDeepEqual(yield* pattern(token, 100), first)
    }).pipe(Effect.provide(layer({ rateLimits: { enabled: false } }))))

  it.effect("a 5xx after apply: the order exists although the reply was 503", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const token = yield* login()
      yield* sim.setFaults({ serverErrors: { probability: 1, afterApply: true, endpoints: ["orderPlace"] } })
      const e = yield* Effect.flip(market(token, 0, 1, { customTag: "late" }))
      assert.deepInclude(e, { _tag: "ServerError", status: 503 })
      assert.deepStrictEqual((yield* snapshot()).orders.map((o) => o.customTag), ["late"])
      yield* search(token)
    }).pipe(Effect.provide(layer())))

  it.effect("a 429 burst lasts its duration, with Retry-After", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const token = yield* login()
      yield* sim.setFaults({ rateLimitBursts: { probability: 1, durationMillis: 5_000, count: 1 } })
      const first = yield* Effect.flip(search(token))
      assert.strictEqual(first._tag, "RateLimited")
      assert.strictEqual(first._tag === "RateLimited" ? Duration.toSeconds(first.retryAfter!) : 0, 5)
      yield* TestClock.adjust("3 seconds")
      const second = yield* Effect.flip(search(token))
      assert.strictEqual(second._tag === "RateLimited" ? Duration.toSeconds(second.retryAfter!) : 0, 2)
      yield* TestClock.adjust("2 seconds")
      yield* search(token)
      yield* search(token)
    }).pipe(Effect.provide(layer())))

  it.effect("POST /admin/faults sets the plan at run time; GET reads it; a bad plan is a 400 naming the field", () =>
    Effect.gen(function*() {
      const http = yield* HttpClient.HttpClient
      const token = yield* login()
      const post = (body: unknown) =>
        http.execute(HttpClientRequest.post(`${Simulator.baseUrl}/admin/faults`).pipe(HttpClientRequest.bodyUnsafeJson(body)))
      const ok = yield* post({ serverErrors: { probability: 1, status: 500 } })
      assert.strictEqual(ok.status, 200)
      const e = yield* Effect.flip(search(token))
      assert.deepInclude(e, { _tag: "ServerError", status: 500 })
      const current = yield* (yield* http.get(`${Simulator.baseUrl}/admin/faults`)).json
      assert.deepStrictEqual(current, { serverErrors: { probability: 1, status: 500 } })
      const bad = yield* post({ serverErrors: { probability: 2 } })
      assert.strictEqual(bad.status, 400)
      const body = (yield* bad.json) as { errors: Record<string, unknown> }
      assert.deepStrictEqual(Object.keys(body.errors), ["serverErrors.probability"])
      yield* post({})
      yield* search(token)
    }).pipe(Effect.provide(layer())))

  it.effect("the plan is set at start-up from options and decodes from JSON", () =>
    Effect.gen(function*() {
      const token = yield* login()
      assert.deepInclude(yield* Effect.flip(search(token)), { _tag: "ServerError", status: 504 })
      const decoded = yield* Effect.either(FaultPlan.decodeJson(`{"dropReply":{"probability":0.5},"hub":{"loseEvents":{"probability":0.1}}}`))
      assert.isTrue(Either.isRight(decoded))
      const unknown = yield* Effect.either(FaultPlan.decodeJson(`{"dropreply":{}}`))
      assert.isTrue(Either.isLeft(unknown), "a misspelt rule is an error, not silently ignored")
    }).pipe(Effect.provide(layer({ faults: { serverErrors: { probability: 1, status: 504, endpoints: ["accountSearch"] } } }))))
})
