/**
 * A session the gateway ends (a token expiry, a forced logout): both hubs'
 * FIRST reconnect already carries a fresh token, and the token is renewed
 * once for both hubs and REST. The whole stack as apps/risk composes it (one
 * TokenManager), over the in-process simulator, under TestClock.
 *
 * Before the fix, the hub closed by the gateway reconnected with the revoked
 * token, got a 401, and only its next attempt (2 s later) got through.
 */
import { assert, describe, it } from "@effect/vitest"
import { TokenManager } from "@tradeguard/resilience"
import { Simulator } from "@tradeguard/simulator"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { HubConnection } from "../src/index.js"
import { inProcessStack, USER } from "./utils/stack.js"
import { flush, testClock, waitFor } from "./utils/waits.js"

/** Both hubs connected with their subscriptions replayed, after `reconnects` reconnects each. */
const bothBack = (user: HubConnection.Service, market: HubConnection.Service, reconnects: number) =>
  waitFor(
    testClock,
    `both hubs reconnected ${reconnects} time(s)`,
    Effect.gen(function*() {
      for (const hub of [user, market]) {
        const s = yield* hub.state.get
        if (s._tag !== "Connected" || !s.subscribed || (yield* hub.health).reconnects < reconnects) return false
      }
      return true
    })
  )

const scenario = (
  revoke: (sim: Simulator.Service) => Effect.Effect<unknown>,
  before: Effect.Effect<void> = Effect.void,
  tokenLifetime: Duration.DurationInput = "24 hours"
) =>
  Effect.gen(function*() {
    const sim = yield* Simulator.Simulator
    const tokens = yield* TokenManager.TokenManager
    const user = yield* HubConnection.UserHub
    const market = yield* HubConnection.MarketHub
    yield* bothBack(user, market, 0)
    yield* before
    const socketToken = (yield* tokens.info)!.token
    const changesBefore = (yield* user.health).tokenChanges

    yield* revoke(sim)
    yield* flush
    yield* bothBack(user, market, 1)

    for (const hub of [user, market]) {
      const h = yield* hub.health
      assert.strictEqual(h.failedAttempts, 0, `${hub.hub} hub: no connect attempt was refused`)
      assert.strictEqual(h.reconnects, 1, `${hub.hub} hub: one reconnect`)
      assert.strictEqual(h.tokenRefusals, 1, `${hub.hub} hub: the refused token was dropped once`)
    }
    const after = (yield* tokens.info)!.token
    assert.notStrictEqual(Redacted.value(after), Redacted.value(socketToken))
    // one new token for both hubs and REST: one login, not one per hub
    assert.strictEqual((yield* user.health).tokenChanges - changesBefore, 1)
    // REST goes on with the same fresh token, without a 401 of its own
    assert.isTrue(yield* Effect.isSuccess(sim.auth.authenticate(Redacted.value(after))))
  }).pipe(
    Effect.scoped,
    Effect.provide(inProcessStack({ simulator: { seed: 5, wakeInterval: "1 minute", tokenLifetime } }))
  )

describe("HubConnection: a session the gateway ended", () => {
  it.effect("token expiry: the gateway closes both hubs; each reconnects at its first attempt with a fresh token", () =>
    scenario((sim) => sim.auth.expireTokens(USER)))

  it.effect("forced logout: GatewayLogout on the user hub, the market hub closed; both reconnect at their first attempt", () =>
    scenario((sim) => sim.auth.forceLogout(USER)))

  it.effect("forced logout after a renewal: the renewed token of the ended session is not used either", () =>
    scenario(
      (sim) => sim.auth.forceLogout(USER),
      // 1 h tokens: the background refresh renews by validate at half-life; the sockets keep the first token
      Effect.zipRight(TestClock.adjust("31 minutes"), flush),
      "1 hour"
    ))
})
