import { assert, describe, it } from "@effect/vitest"
import * as fc from "effect/FastCheck"
import * as BS from "../src/internal/breakerState.js"

const config: BS.BreakerConfig = { failureThreshold: 5, timeoutMillis: 60_000, halfOpenRequests: 3 }
const acquire: BS.Event = { _tag: "Acquire" }
const tick: BS.Event = { _tag: "Tick" }
const failure = (epoch: number): BS.Event => ({ _tag: "Failure", epoch })
const success = (epoch: number, resets = true): BS.Event => ({ _tag: "Success", epoch, resets })
const step = (s: BS.State, e: BS.Event, now = 0) => BS.transition(config, s, e, now)
const failTimes = (s: BS.State, n: number, now = 0): BS.State => {
  for (let i = 0; i < n; i++) s = step(s, failure(s.epoch), now)[0]
  return s
}
const opened = failTimes(BS.closed, 5, 1_000)
const halfOpened = step(opened, tick, 61_000)[0]

describe("breakerState.transition (pure)", () => {
  it("stays closed through 4 consecutive failures and opens on the 5th", () => {
    const four = failTimes(BS.closed, 4)
    assert.deepStrictEqual(four, { _tag: "Closed", epoch: 0, failures: 4 })
    assert.deepStrictEqual(opened, { _tag: "Open", epoch: 1, openedAt: 1_000, halfOpensAt: 61_000 })
  })

  it("a success resets the consecutive count", () => {
    const s = step(failTimes(BS.closed, 4), success(0))[0]
    assert.deepStrictEqual(s, { _tag: "Closed", epoch: 0, failures: 0 })
    assert.strictEqual(failTimes(s, 4)._tag, "Closed")
  })

  it("a success of a call sent while the count was 0 does not reset failures that came after it", () => {
    const four = failTimes(BS.closed, 4)
    assert.strictEqual(step(four, success(0, false))[0], four)
    assert.strictEqual(failTimes(step(four, success(0, false))[0], 1)._tag, "Open")
  })

  it("tickets carry the epoch and whether the call was sent with a count to reset", () => {
    const four = failTimes(BS.closed, 4)
    assert.deepStrictEqual([BS.epochOf(BS.ticketOf(four)), BS.mayReset(BS.ticketOf(four))], [0, true])
    assert.deepStrictEqual([BS.epochOf(BS.ticketOf(BS.closed)), BS.mayReset(BS.ticketOf(BS.closed))], [0, false])
    assert.deepStrictEqual([BS.epochOf(BS.ticketOf(halfOpened)), BS.mayReset(BS.ticketOf(halfOpened))], [2, false])
    assert.deepStrictEqual([BS.epochOf(BS.ticket(7, true)), BS.mayReset(BS.ticket(7, true))], [7, true])
  })

  it("a success with nothing to reset returns the same state (no allocation)", () => {
    assert.strictEqual(step(BS.closed, success(0))[0], BS.closed)
    assert.strictEqual(step(BS.closed, acquire)[0], BS.closed)
  })

  it("an open circuit refuses with the time it half-opens", () => {
    const [s, decision] = step(opened, acquire, 60_999)
    assert.strictEqual(s, opened)
    assert.deepStrictEqual(decision, { _tag: "Rejected", halfOpensAt: 61_000 })
  })

  it("Tick half-opens only once the timeout is over", () => {
    assert.strictEqual(step(opened, tick, 60_999)[0], opened)
    assert.deepStrictEqual(halfOpened, { _tag: "HalfOpen", epoch: 2, since: 61_000, admitted: 0, succeeded: 0 })
  })

  it("the first call after the timeout is admitted as a probe even before a Tick", () => {
    const [s, decision] = step(opened, acquire, 61_000)
    assert.deepStrictEqual(decision, { _tag: "Admitted", epoch: 2 })
    assert.strictEqual(s._tag === "HalfOpen" && s.admitted, 1)
  })

  it("half-open admits halfOpenRequests probes and refuses the rest", () => {
    const [s, decisions] = BS.run(config, halfOpened, [[acquire, 61_000], [acquire, 61_000], [acquire, 61_000], [
      acquire,
      61_001
    ]])
    assert.deepStrictEqual(decisions.map((d) => d?._tag), ["Admitted", "Admitted", "Admitted", "Rejected"])
    assert.deepStrictEqual(decisions[3], { _tag: "Rejected", halfOpensAt: 61_000 })
    assert.strictEqual(s._tag === "HalfOpen" && s.admitted, 3)
  })

  it("all probes succeeding closes the circuit with a clean count", () => {
    const [s] = BS.run(config, halfOpened, [
      [acquire, 61_000],
      [acquire, 61_000],
      [acquire, 61_000],
      [success(2), 61_010],
      [success(2), 61_020]
    ])
    assert.strictEqual(s._tag, "HalfOpen")
    const [closed] = step(s, success(2), 61_030)
    assert.deepStrictEqual(closed, { _tag: "Closed", epoch: 3, failures: 0 })
  })

  it("one failing probe opens the circuit again for a full timeout", () => {
    const [s] = BS.run(config, halfOpened, [[acquire, 61_000], [acquire, 61_000], [success(2), 61_010], [
      failure(2),
      61_020
    ]])
    assert.deepStrictEqual(s, { _tag: "Open", epoch: 3, openedAt: 61_020, halfOpensAt: 121_020 })
  })

  it("outcomes of calls admitted before a change of state are ignored", () => {
    // a reply from before the circuit opened arrives while half-open: not a probe result
    assert.strictEqual(step(halfOpened, failure(0), 61_500)[0], halfOpened)
    assert.strictEqual(step(halfOpened, success(1), 61_500)[0], halfOpened)
    // and a late failure from an old closed epoch does not count in a new one
    const reclosed: BS.State = { _tag: "Closed", epoch: 3, failures: 0 }
    assert.strictEqual(step(reclosed, failure(0))[0], reclosed)
  })

  it("a released probe (interrupted) frees its slot", () => {
    const [s] = BS.run(config, halfOpened, [[acquire, 0], [acquire, 0], [acquire, 0], [{ _tag: "Release", epoch: 2 }, 0]])
    assert.strictEqual(s._tag === "HalfOpen" && s.admitted, 2)
    assert.strictEqual(step(s, acquire)[1]?._tag, "Admitted")
  })

  it("property: invariants hold for any sequence of events", () => {
    const event = fc.oneof(
      fc.constant<BS.Event>(acquire),
      fc.constant<BS.Event>(tick),
      fc.tuple(fc.constantFrom("Success", "Failure", "Release"), fc.integer({ min: -1, max: 0 }), fc.boolean()).map((
        [tag, back, resets]
      ) => ({ tag, back, resets }))
    )
    fc.assert(fc.property(fc.array(fc.tuple(event, fc.integer({ min: 0, max: 40_000 })), { maxLength: 200 }), (
      events
    ) => {
      let s = BS.closed
      let now = 0
      for (const [e, dt] of events) {
        now += dt
        const ev: BS.Event = "tag" in e ? { _tag: e.tag as "Success", epoch: s.epoch + e.back, resets: e.resets } : e
        const [next, decision] = step(s, ev, now)
        assert.isAtLeast(next.epoch, s.epoch)
        if (next._tag === "Closed") assert.isBelow(next.failures, config.failureThreshold)
        if (next._tag === "HalfOpen") {
          assert.isAtMost(next.admitted, config.halfOpenRequests)
          assert.isBelow(next.succeeded, config.halfOpenRequests)
        }
        if (next._tag === "Open" && s._tag !== "Open") {
          assert.strictEqual(next.halfOpensAt, now + config.timeoutMillis)
          assert.isTrue(ev._tag === "Failure")
        }
        if (decision?._tag === "Rejected") assert.notStrictEqual(next._tag, "Closed")
        if (s._tag === "Open" && now < s.halfOpensAt) assert.strictEqual(next, s)
        s = next
      }
    }))
  })
})
