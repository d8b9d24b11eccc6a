import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as TestClock from "effect/TestClock"
import { Simulator } from "../src/index.js"
import { ACCOUNT, ES, MNQ } from "./utils/sim.js"

describe("ground truth", () => {
  it.scoped("a ground-truth read (peek) creates no fill the hubs have not sent (regression: the truth read woke the exchange)", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const feed = yield* sim.exchange.subscribe // someone listens: the exchange wakes every minute
      const userId = yield* sim.exchange.ownerOf(ACCOUNT)
      const q = yield* sim.exchange.quote(MNQ)
      // Near-market limits on both sides: the price path reaches some of them within the minute.
      for (let k = 1; k <= 4; k++) {
        yield* sim.exchange.place(userId, { accountId: ACCOUNT, contractId: MNQ, type: 1, side: 0, size: 1, limitPrice: q.bestBid - 0.25 * k })
        yield* sim.exchange.place(userId, { accountId: ACCOUNT, contractId: MNQ, type: 1, side: 1, size: 1, limitPrice: q.bestAsk + 0.25 * k })
      }
      const atWake = yield* sim.exchange.peek(ACCOUNT)
      yield* Queue.takeAll(feed)
      yield* TestClock.adjust("50 seconds") // no wake in between
      const truth = yield* sim.exchange.peek(ACCOUNT)
      assert.deepStrictEqual(truth, atWake, "the truth as of the last wake")
      assert.strictEqual(yield* Queue.size(feed), 0, "nothing published by the read")
      // A wake (what `snapshot` does) brings the market to now: fills, published on the feed.
      yield* sim.exchange.advance
      const woken = yield* sim.exchange.peek(ACCOUNT)
      assert.isAbove(woken.trades.length, atWake.trades.length, "the price path reached some limits meanwhile")
      assert.isAbove(yield* Queue.size(feed), 0)
      assert.deepStrictEqual(woken, yield* sim.exchange.snapshot(ACCOUNT), "after the same wake, both reads agree")
      const missing = yield* Effect.flip(sim.exchange.peek(42))
      assert.strictEqual(missing._tag, "AccountNotFound")
    }).pipe(Effect.provide(Simulator.layer({ tickInterval: "1 second", wakeInterval: "1 minute" }))))

  it.scoped("a wake that changes no price leaves the truth's quote as last sent (regression: its timestamp moved, unsent)", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const feed = yield* sim.exchange.subscribe // the exchange wakes every tick
      const contracts = [MNQ, ES]
      const client = new Map<string, Record<string, unknown>>()
      for (const c of contracts) client.set(c, { ...(yield* sim.exchange.quote(c)) })
      yield* Queue.takeAll(feed)
      let quiet = 0
      for (let s = 0; s < 120; s++) {
        yield* TestClock.adjust("1 second")
        const sent = Chunk.toReadonlyArray(yield* Queue.takeAll(feed))
        for (const c of contracts) {
          const deltas = sent.filter((e) => e._tag === "QuoteUpdated" && e.contractId === c)
          if (deltas.length === 0) quiet++
          for (const e of deltas) if (e._tag === "QuoteUpdated") Object.assign(client.get(c)!, e.quote)
          assert.deepStrictEqual({ ...(yield* sim.exchange.quote(c)) }, client.get(c), `quote of ${c} at ${s + 1} s`)
        }
      }
      assert.isAbove(quiet, 0, "some wakes changed no price")
    }).pipe(Effect.provide(Simulator.layer({ tickInterval: "1 second" }))))
})
