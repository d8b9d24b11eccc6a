import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { OrderConfig } from "../../src/index.js"
import * as V from "../../src/internal/verification.js"
import { order } from "../utils/fixtures.js"

const config = OrderConfig.make().verification
const KEY = "acct465:buy-mnq"

/** Runs events through the machine from `start`, collecting every action. */
const run = (events: ReadonlyArray<V.Event>, step: V.Step = V.start(KEY, config)) => {
  let [state, actions] = step
  const all: Array<V.Action> = [...actions]
  for (const e of events) {
    ;[state, actions] = V.transition(state, e)
    all.push(...actions)
  }
  return { state, actions: all }
}
const sends = (actions: ReadonlyArray<V.Action>) =>
  actions.filter((a): a is Extract<V.Action, { _tag: "Send" }> => a._tag === "Send").map((a) => a.customTag)
const completes = (actions: ReadonlyArray<V.Action>) =>
  actions.filter((a): a is Extract<V.Action, { _tag: "Complete" }> => a._tag === "Complete").map((a) => a.outcome)

const sent: V.Event = { _tag: "Sent" }
const ambiguous: V.Event = { _tag: "Ambiguous", cause: "dropped reply" }
const absent: V.Event = { _tag: "SearchAbsent" }
const searchFailed: V.Event = { _tag: "SearchFailed", reason: "timeout" }
const refused: V.Event = { _tag: "Rejected", errorCode: 2, message: "customTag already used" }
const found = (id: number, customTag: string): V.Event => ({ _tag: "SearchFound", order: order({ id, customTag }) })

describe("Order Verification", () => {
  it("status verification after placement: a reply with an order id is Placed with the tag <key>.1, one Send", () => {
    const { actions, state } = run([sent, { _tag: "Replied", orderId: 9001 }])
    assert.deepStrictEqual(sends(actions), [`${KEY}.1`])
    assert.deepStrictEqual(completes(actions), [{ _tag: "Placed", orderId: 9001, customTag: `${KEY}.1` }])
    assert.strictEqual(state.phase._tag, "Done")
  })

  it("a dropped reply after the order was applied: the resend with the same tag is refused, the search finds it, it is adopted — one order", () => {
    const { actions } = run([sent, ambiguous, absent, sent, refused, found(9001, `${KEY}.1`)])
    assert.deepStrictEqual(sends(actions), [`${KEY}.1`, `${KEY}.1`])
    assert.deepInclude(actions, { _tag: "Adopt", orderId: 9001, customTag: `${KEY}.1` })
    assert.deepStrictEqual(completes(actions), [{ _tag: "Placed", orderId: 9001, customTag: `${KEY}.1` }])
  })

  it("network failure during placement: the first search finds the order, it is adopted without any resend", () => {
    const { actions } = run([sent, ambiguous, found(9001, `${KEY}.1`)])
    assert.deepStrictEqual(sends(actions), [`${KEY}.1`])
    assert.deepInclude(actions, { _tag: "Search", tags: [`${KEY}.1`] })
    assert.deepStrictEqual(completes(actions), [{ _tag: "Placed", orderId: 9001, customTag: `${KEY}.1` }])
  })

  it("the user hub shows the order during verification: adopted, the pending search result is ignored", () => {
    const { actions } = run([sent, ambiguous, { _tag: "HubSaw", order: order({ id: 9001, customTag: `${KEY}.1` }) }, absent])
    assert.deepStrictEqual(sends(actions), [`${KEY}.1`])
    assert.strictEqual(completes(actions).length, 1)
  })

  it("the hub shows the order before the reply arrives: adopted once, the late reply changes nothing", () => {
    const { actions } = run([sent, { _tag: "HubSaw", order: order({ id: 9001, customTag: `${KEY}.1` }) }, { _tag: "Replied", orderId: 9001 }])
    assert.deepStrictEqual(completes(actions), [{ _tag: "Placed", orderId: 9001, customTag: `${KEY}.1` }])
  })

  it("a bracket leg seen on the hub (<tag>-SL with parentOrderId) proves the entry: the parent is adopted", () => {
    const leg = order({ id: 9002, customTag: `${KEY}.1-SL`, parentOrderId: 9001, status: 8 })
    const { actions } = run([sent, ambiguous, { _tag: "HubSaw", order: leg }])
    assert.deepInclude(actions, { _tag: "Adopt", orderId: 9001, customTag: `${KEY}.1` })
  })

  it("orders of other intents, foreign tags and legs without a parent are not adopted", () => {
    const others = [
      order({ id: 1, customTag: "another-key.1" }),
      order({ id: 2, customTag: "manual order" }),
      order({ id: 3 }),
      order({ id: 4, customTag: `${KEY}.7` }),
      order({ id: 5, customTag: `${KEY}.1-TP` })
    ]
    const { actions, state } = run([sent, ambiguous, ...others.map((o): V.Event => ({ _tag: "HubSaw", order: o }))])
    assert.strictEqual(completes(actions).length, 0)
    assert.strictEqual(state.phase._tag, "Searching")
  })

  it("proven absent: the resend uses the SAME tag, never <key>.2", () => {
    const { actions } = run([sent, ambiguous, absent])
    assert.deepStrictEqual(sends(actions), [`${KEY}.1`, `${KEY}.1`])
  })

  it("a refused resend that the search cannot find: the tag was used up by a rejection, the intent is Rejected", () => {
    const { actions } = run([sent, ambiguous, absent, sent, refused, absent])
    assert.deepStrictEqual(completes(actions), [{ _tag: "Rejected", errorCode: 2, message: "customTag already used", customTag: `${KEY}.1` }])
  })

  it("proven absent after the retries: the next attempt uses tag n+1 only after a business rejection", () => {
    const noRetry = run([sent, ambiguous, absent, sent, refused, absent])
    assert.deepStrictEqual(sends(noRetry.actions), [`${KEY}.1`, `${KEY}.1`])
    const retried = run([{ _tag: "RetryRequested" }], [noRetry.state, []])
    assert.deepStrictEqual(sends(retried.actions), [`${KEY}.2`])
    const next = run([sent, ambiguous], [retried.state, []])
    assert.deepInclude(next.actions, { _tag: "Search", tags: [`${KEY}.1`, `${KEY}.2`] })
  })

  it("a business rejection (InsufficientFunds) is Rejected(errorCode) at once; a retry asked for sends <key>.2", () => {
    const { actions, state } = run([sent, { _tag: "Rejected", errorCode: 3 }, { _tag: "RetryRequested" }])
    assert.deepStrictEqual(completes(actions), [{ _tag: "Rejected", errorCode: 3, customTag: `${KEY}.1` }])
    assert.deepStrictEqual(sends(actions), [`${KEY}.1`, `${KEY}.2`])
    assert.strictEqual(state.n, 2)
  })

  it("a failure before sending (circuit open) is Failed; a retry asked for sends <key>.2", () => {
    const { actions } = run([sent, { _tag: "FailedPermanently", reason: "circuit open" }, { _tag: "RetryRequested" }])
    assert.deepStrictEqual(completes(actions), [{ _tag: "Failed", reason: "circuit open" }])
    assert.deepStrictEqual(sends(actions), [`${KEY}.1`, `${KEY}.2`])
  })

  it("a retry asked for after Placed or while verifying sends nothing", () => {
    const placed = run([sent, { _tag: "Replied", orderId: 1 }, { _tag: "RetryRequested" }])
    assert.deepStrictEqual(sends(placed.actions), [`${KEY}.1`])
    const verifying = run([sent, ambiguous, { _tag: "RetryRequested" }])
    assert.deepStrictEqual(sends(verifying.actions), [`${KEY}.1`])
  })

  it("timeout handling: each failed search round is retried, maxRetries rounds after the first", () => {
    const { actions, state } = run([sent, ambiguous, searchFailed, searchFailed, searchFailed])
    assert.strictEqual(actions.filter((a) => a._tag === "Search").length, 4)
    assert.strictEqual(state.phase._tag, "Searching")
  })

  it("still unknown after maxRetries: Verifying + Alert + a scheduled re-check, no send", () => {
    const { actions, state } = run([sent, ambiguous, searchFailed, searchFailed, searchFailed, searchFailed])
    assert.deepStrictEqual(sends(actions), [`${KEY}.1`])
    assert.deepStrictEqual(completes(actions), [{ _tag: "Verifying", customTag: `${KEY}.1` }])
    assert.strictEqual(actions.filter((a) => a._tag === "Alert").length, 1)
    assert.deepInclude(actions, { _tag: "Schedule", delayMillis: 5000 })
    assert.strictEqual(state.phase._tag, "Verifying")
  })

  it("a Verifying intent keeps re-checking on its schedule without alerting again, and adopts the order once it shows", () => {
    const unknown = [sent, ambiguous, searchFailed, searchFailed, searchFailed, searchFailed]
    const { actions } = run([...unknown, { _tag: "Timer" }, searchFailed, { _tag: "Timer" }, found(9001, `${KEY}.1`)])
    assert.strictEqual(actions.filter((a) => a._tag === "Alert").length, 1)
    assert.strictEqual(actions.filter((a) => a._tag === "Schedule").length, 2)
    assert.deepStrictEqual(sends(actions), [`${KEY}.1`])
    assert.deepStrictEqual(completes(actions).at(-1), { _tag: "Placed", orderId: 9001, customTag: `${KEY}.1` })
  })

  it("a re-check that proves the tag absent resends the same tag", () => {
    const unknown = [sent, ambiguous, searchFailed, searchFailed, searchFailed, searchFailed]
    const { actions } = run([...unknown, { _tag: "Timer" }, absent])
    assert.deepStrictEqual(sends(actions), [`${KEY}.1`, `${KEY}.1`])
  })

  it("a refused resend whose search stays unknown keeps the refusal: a later re-check that finds nothing is Rejected(2)", () => {
    const { actions } = run([sent, ambiguous, absent, sent, refused, searchFailed, searchFailed, searchFailed, searchFailed, { _tag: "Timer" }, absent])
    assert.deepStrictEqual(completes(actions).map((o) => o._tag), ["Verifying", "Rejected"])
    assert.deepStrictEqual(sends(actions), [`${KEY}.1`, `${KEY}.1`])
  })

  it("a stall past the timeout and then a late landing: never a second order", () => {
    // The first request stalls; the search finds nothing; the resend (same tag) is refused because the stalled
    // request landed in the meantime; the search now finds it.
    const { actions } = run([sent, ambiguous, absent, sent, refused, found(9001, `${KEY}.1`)])
    assert.deepStrictEqual(new Set(sends(actions)).size, 1)
    assert.deepStrictEqual(completes(actions), [{ _tag: "Placed", orderId: 9001, customTag: `${KEY}.1` }])
  })

  it("a late reply during verification (the stalled request answered after all) is adopted: no resend", () => {
    const searching = run([sent, ambiguous, { _tag: "Replied", orderId: 9001 }, absent])
    assert.deepStrictEqual(sends(searching.actions), [`${KEY}.1`])
    assert.deepStrictEqual(completes(searching.actions), [{ _tag: "Placed", orderId: 9001, customTag: `${KEY}.1` }])
    const unknown = [sent, ambiguous, searchFailed, searchFailed, searchFailed, searchFailed]
    const verifying = run([...unknown, { _tag: "Replied", orderId: 9001 }, { _tag: "Timer" }])
    assert.deepStrictEqual(completes(verifying.actions).map((o) => o._tag), ["Verifying", "Placed"])
    assert.strictEqual(verifying.actions.filter((a) => a._tag === "Search").length, 4)
  })

  it("an order that appears on the hub after the intent was closed as Rejected is adopted with an alert, never lost", () => {
    const { actions } = run([sent, ambiguous, absent, sent, refused, absent, { _tag: "HubSaw", order: order({ id: 9001, customTag: `${KEY}.1` }) }])
    assert.deepStrictEqual(completes(actions).map((o) => o._tag), ["Rejected", "Placed"])
    assert.isTrue(actions.some((a) => a._tag === "Alert"))
  })

  it("verification.enabled: false hands OutcomeUnknown to the caller unverified: no search, no resend", () => {
    const disabled = OrderConfig.make({ verification: { enabled: false } }).verification
    const { actions, state } = run([sent, ambiguous, absent, { _tag: "Timer" }], V.start(KEY, disabled))
    assert.deepStrictEqual(actions.map((a) => a._tag), ["Send", "Unverified"])
    assert.strictEqual(state.phase._tag, "Unverified")
  })

  it("a permanent failure before anything was applied is Failed; after a resend it is verified first", () => {
    const first = run([sent, { _tag: "FailedPermanently", reason: "401" }])
    assert.deepStrictEqual(completes(first.actions), [{ _tag: "Failed", reason: "401" }])
    const resend = run([sent, ambiguous, absent, sent, { _tag: "FailedPermanently", reason: "401" }])
    assert.strictEqual(resend.state.phase._tag, "Searching")
  })

  it("start-up: an intent found not terminal is searched for before anything is sent", () => {
    const { actions } = run([found(9001, `${KEY}.2`)], V.resume(KEY, 2, config))
    assert.deepStrictEqual(actions[0], { _tag: "Search", tags: [`${KEY}.1`, `${KEY}.2`] })
    assert.deepStrictEqual(sends(actions), [])
    assert.deepStrictEqual(completes(actions), [{ _tag: "Placed", orderId: 9001, customTag: `${KEY}.2` }])
  })

  it("events that do not apply in a phase change nothing", () => {
    const [s0] = V.start(KEY, config)
    for (const e of [absent, searchFailed, { _tag: "Timer" }, { _tag: "RetryRequested" }, found(1, `${KEY}.1`)] as const) {
      assert.deepStrictEqual(V.transition(s0, e), [s0, []])
    }
    const [s1] = V.transition(s0, sent)
    assert.deepStrictEqual(V.transition(s1, sent), [s1, []])
    const searching = run([sent, ambiguous]).state
    assert.deepStrictEqual(V.transition(searching, sent), [searching, []])
    const unverified = run([sent, ambiguous], V.start(KEY, { ...config, enabled: false })).state
    assert.deepStrictEqual(V.transition(unverified, absent), [unverified, []])
    const verifying = run([sent, ambiguous, searchFailed, searchFailed, searchFailed, searchFailed]).state
    assert.deepStrictEqual(V.transition(verifying, absent), [verifying, []])
    const placed = run([sent, { _tag: "Replied", orderId: 1 }]).state
    assert.deepStrictEqual(V.transition(placed, { _tag: "HubSaw", order: order({ id: 1, customTag: `${KEY}.1` }) }), [placed, []])
  })

  const event: fc.Arbitrary<V.Event> = fc.oneof(
    fc.constant<V.Event>(sent),
    fc.integer({ min: 1, max: 5 }).map((orderId): V.Event => ({ _tag: "Replied", orderId })),
    fc.constantFrom(2, 3, 5).map((errorCode): V.Event => ({ _tag: "Rejected", errorCode })),
    fc.constant<V.Event>(ambiguous),
    fc.constant<V.Event>({ _tag: "FailedPermanently", reason: "x" }),
    fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 3 })).map(([id, n]) => found(id, `${KEY}.${n}`)),
    fc.constant<V.Event>(absent),
    fc.constant<V.Event>(searchFailed),
    fc.constant<V.Event>({ _tag: "RetryRequested" }),
    fc.constant<V.Event>({ _tag: "Timer" })
  )

  it("property: for any interleaving, a Send with a new tag only ever follows a business rejection or a failure before sending, and nothing is sent after Placed", () => {
    fc.assert(fc.property(fc.array(event, { maxLength: 60 }), (events) => {
      let [state, actions] = V.start(KEY, config)
      let lastTag = sends(actions)[0]
      let rejectedSince = false
      let placed = false
      for (const e of events) {
        ;[state, actions] = V.transition(state, e)
        for (const a of actions) {
          if (a._tag === "Complete" && (a.outcome._tag === "Rejected" || a.outcome._tag === "Failed")) rejectedSince = true
          if (a._tag === "Complete" && a.outcome._tag === "Placed") placed = true
          if (a._tag === "Send") {
            if (placed) return false
            if (a.customTag !== lastTag && !rejectedSince) return false
            if (a.customTag !== lastTag) rejectedSince = false
            lastTag = a.customTag
          }
        }
      }
      return true
    }), { numRuns: 2000 })
  })
})
