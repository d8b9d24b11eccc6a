/**
 * Acceptance on loopback sockets: the seed's integration test 2 ("SignalR
 * Reconnection with State Sync") with the simulator served on an ephemeral
 * port (`Server.layerSimulator({ port: 0 })`), REST over real HTTP
 * (NodeHttpClient) and both hubs through the real `@microsoft/signalr`
 * client (SignalRTransport), composed as apps/risk's Runtime does.
 *
 * The same scenario as the in-process test (`utils/reconnectScenario.ts`):
 * the user hub is dropped and reconnects are refused (HTTP 503 at the
 * upgrade) until another channel has traded; then the refusal is lifted and
 * the reconciler must find what was missed. Backoff delays are shortened so
 * the reconnect comes within a second; every wait is bounded (20 s) and
 * nothing asserts on wall-clock time.
 */
import { describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { missedWhileAway } from "./utils/reconnectScenario.js"
import { socketStack } from "./utils/stack.js"
import { realTime } from "./utils/waits.js"

describe("integration (loopback sockets, real @microsoft/signalr client)", () => {
  it.live("2. SignalR reconnection with state sync: what another channel did while we were away is reconciled", () =>
    missedWhileAway(realTime, {
      refuse: (sim) => sim.hubs.refuse("60 seconds", { hub: "user", status: 503 }),
      lift: (sim) => sim.hubs.refuse(0, { hub: "user" })
    }).pipe(
      Effect.scoped,
      Effect.provide(socketStack({
        simulator: { seed: 11 },
        realtime: {
          signalr: {
            reconnection: { delays: [0, 100, 250, 500], maxDelayMs: 500 },
            subscriptions: { resubscribeDelay: 100 }
          },
          stateReconciliation: { minInterval: 200 }
        }
      }))
    ))
})
