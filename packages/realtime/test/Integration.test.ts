/**
 * Acceptance, in-process under TestClock: the seed's integration test 2
 * ("SignalR Reconnection with State Sync") on the whole stack, as apps/risk
 * composes it, against the in-process simulator: REST through
 * GatewayClient -> TokenManager -> ResilientGateway, the hubs through
 * InProcessTransport over `sim.hubs`, AccountState, StateReconciler.
 *
 * The network is cut by dropping the user hub and refusing reconnects for
 * 30 s: with the seed's backoff [0, 2 s, 10 s, 30 s] the fourth attempt (at
 * +42 s) gets through. See `utils/reconnectScenario.ts` for the steps and
 * what is checked; `Integration.integration.test.ts` runs the same scenario
 * on loopback sockets with the real `@microsoft/signalr` client.
 */
import { describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import { missedWhileAway } from "./utils/reconnectScenario.js"
import { inProcessStack } from "./utils/stack.js"
import { testClock } from "./utils/waits.js"

describe("integration (in-process, TestClock)", () => {
  it.effect("2. SignalR reconnection with state sync: what another channel did while we were away is reconciled", () =>
    missedWhileAway(testClock, {
      refuse: (sim) => sim.hubs.refuse("30 seconds", { hub: "user" }),
      lift: () => TestClock.adjust("42 seconds"),
      reconnectAttempt: 4
    }).pipe(
      Effect.scoped,
      Effect.provide(inProcessStack({ simulator: { seed: 11, wakeInterval: "1 minute" } }))
    ))
})
