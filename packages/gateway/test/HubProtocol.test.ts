import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import fc from "fast-check"
import { HubProtocol as P } from "../src/index.js"

const RS = "\u001e"

const right = <A, E>(e: Either.Either<A, E>): A => {
  if (Either.isLeft(e)) throw new Error(`expected Right, got ${String(e.left)}`)
  return e.right
}
const left = <A, E>(e: Either.Either<A, E>): E => {
  if (Either.isRight(e)) throw new Error(`expected Left, got ${JSON.stringify(e.right)}`)
  return e.left
}

describe("HubProtocol framing", () => {
  it("splits one message holding several frames", () => {
    const reader = new P.FrameReader()
    assert.deepStrictEqual(reader.push(`{"type":6}${RS}{"type":6}${RS}{"type":7}${RS}`), [
      `{"type":6}`,
      `{"type":6}`,
      `{"type":7}`
    ])
    assert.strictEqual(reader.pending, "")
  })

  it("keeps a partial trailing frame for the next message", () => {
    const reader = new P.FrameReader()
    assert.deepStrictEqual(reader.push(`{"type":6}${RS}{"type":1,"tar`), [`{"type":6}`])
    assert.strictEqual(reader.pending, `{"type":1,"tar`)
    assert.deepStrictEqual(reader.push(`get":"X","arguments":[]}`), [])
    assert.deepStrictEqual(reader.push(`${RS}`), [`{"type":1,"target":"X","arguments":[]}`])
    assert.strictEqual(reader.pending, "")
  })

  it("yields nothing for an empty message and keeps empty frames as empty strings", () => {
    assert.deepStrictEqual(P.splitFrames("", ""), [[], ""])
    assert.deepStrictEqual(P.splitFrames("", `${RS}`), [[""], ""])
  })

  it("encodes frames with the record separator", () => {
    assert.strictEqual(P.encodeMessage(P.ping), `{"type":6}${RS}`)
    assert.strictEqual(P.encodeMessages([P.ping, P.close()]), `{"type":6}${RS}{"type":7}${RS}`)
  })
})

describe("HubProtocol handshake", () => {
  it("writes and reads the request", () => {
    const text = P.encodeHandshakeRequest()
    assert.strictEqual(text, `{"protocol":"json","version":1}${RS}`)
    assert.deepStrictEqual(right(P.decodeHandshakeRequest(text.slice(0, -1))), { protocol: "json", version: 1 })
  })

  it("writes and reads a success and an error response", () => {
    assert.strictEqual(P.encodeHandshakeResponse(), `{}${RS}`)
    assert.deepStrictEqual(right(P.decodeHandshakeResponse("{}")), {})
    const err = P.encodeHandshakeResponse("Requested protocol 'x' is not available.")
    assert.deepStrictEqual(right(P.decodeHandshakeResponse(err.slice(0, -1))), {
      error: "Requested protocol 'x' is not available."
    })
  })

  it("rejects a malformed handshake with a typed error", () => {
    assert.strictEqual(left(P.decodeHandshakeRequest(`{"protocol":"json"}`)).reason, "InvalidHandshake")
    assert.strictEqual(left(P.decodeHandshakeRequest(`nope`)).reason, "InvalidJson")
    assert.strictEqual(left(P.decodeHandshakeResponse(`[]`)).reason, "InvalidHandshake")
    assert.strictEqual(left(P.decodeHandshakeResponse(`{"error":3}`)).reason, "InvalidHandshake")
  })

  it("a handshake response and the first messages may share one WebSocket message", () => {
    const reader = new P.FrameReader()
    const [hs, ...rest] = reader.push(`{}${RS}{"type":6}${RS}`)
    assert.deepStrictEqual(right(P.decodeHandshakeResponse(hs)), {})
    assert.deepStrictEqual(rest.map((f) => right(P.decodeFrame(f))), [{ type: 6 }])
  })
})

describe("HubProtocol messages", () => {
  const cases: ReadonlyArray<readonly [string, P.HubMessage]> = [
    ["Invocation without id", P.invocation("GatewayQuote", ["CON.F.US.MNQ.U26", { lastPrice: 1 }])],
    ["Invocation with id", P.invocation("SubscribeOrders", [465], "7")],
    ["StreamItem", { type: 2, invocationId: "3", item: { a: [1, 2] } }],
    ["Completion with result", P.completion("7", { ok: true })],
    ["Completion with null result", P.completion("7", null)],
    ["Completion void", P.completion("8")],
    ["Completion with error", P.completionError("9", "Unknown hub method 'Nope'")],
    ["StreamInvocation", { type: 4, invocationId: "4", target: "Counter", arguments: [10] }],
    ["CancelInvocation", { type: 5, invocationId: "4" }],
    ["Ping", P.ping],
    ["Close", P.close()],
    ["Close with error", P.close("Server timeout", true)]
  ]
  for (const [name, message] of cases) {
    it(`round-trips ${name}`, () => {
      const text = P.encodeMessage(message)
      const [frames, rest] = P.splitFrames("", text)
      assert.strictEqual(rest, "")
      assert.deepStrictEqual(right(P.decodeFrame(frames[0])), message)
      // The wire shape is also what the Schema describes.
      assert.deepStrictEqual(Schema.decodeUnknownSync(P.HubMessage)(message), message)
    })
  }

  it("treats null optional fields as absent", () => {
    assert.deepStrictEqual(right(P.decodeFrame(`{"type":7,"error":null}`)), { type: 7 })
    assert.deepStrictEqual(right(P.decodeFrame(`{"type":1,"target":"T","arguments":[],"invocationId":null}`)), {
      type: 1,
      target: "T",
      arguments: []
    })
  })

  it("turns malformed input into a typed error", () => {
    const bad: ReadonlyArray<readonly [string, P.HubProtocolError["reason"]]> = [
      [`{"type":1,`, "InvalidJson"],
      [`[1,2]`, "InvalidMessage"],
      [`{"target":"T"}`, "InvalidMessage"],
      [`{"type":42}`, "UnknownType"],
      [`{"type":1,"target":5,"arguments":[]}`, "InvalidMessage"],
      [`{"type":1,"target":"T"}`, "InvalidMessage"],
      [`{"type":1,"target":"T","arguments":[],"invocationId":3}`, "InvalidMessage"],
      [`{"type":2,"item":1}`, "InvalidMessage"],
      [`{"type":3,"invocationId":"1","result":1,"error":"x"}`, "InvalidMessage"],
      [`{"type":3,"invocationId":"1","error":5}`, "InvalidMessage"],
      [`{"type":4,"invocationId":"1","target":"T"}`, "InvalidMessage"],
      [`{"type":5}`, "InvalidMessage"],
      [`{"type":7,"allowReconnect":"yes"}`, "InvalidMessage"]
    ]
    for (const [text, reason] of bad) {
      const e = left(P.decodeFrame(text))
      assert.strictEqual(e._tag, "HubProtocolError")
      assert.strictEqual(e.reason, reason, text)
      assert.strictEqual(e.frame, text)
    }
  })

  it("decodeMessages stops at the first bad frame", () => {
    const reader = new P.FrameReader()
    const e = left(P.decodeMessages(reader, `{"type":6}${RS}{"type":99}${RS}`))
    assert.strictEqual(e.reason, "UnknownType")
    assert.deepStrictEqual(right(P.decodeMessages(new P.FrameReader(), `{"type":6}${RS}{"type":6}`)), [{ type: 6 }])
  })
})

// ---------------------------------------------------------------- properties

const json: fc.Arbitrary<unknown> = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)))
const text = fc.string({ unit: "binary" })
const id = fc.integer({ min: 0, max: 1_000_000 }).map(String)

const message: fc.Arbitrary<P.HubMessage> = fc.oneof(
  fc.record({ target: text, args: fc.array(json, { maxLength: 4 }), id: fc.option(id, { nil: undefined }) })
    .map(({ args, id, target }) => P.invocation(target, args, id)),
  fc.record({ id, item: json }).map(({ id, item }): P.HubMessage => ({ type: 2, invocationId: id, item })),
  fc.record({ id, result: json }).map(({ id, result }) => P.completion(id, result)),
  fc.record({ id, error: text }).map(({ error, id }) => P.completionError(id, error)),
  fc.record({ id, target: text, args: fc.array(json, { maxLength: 3 }) })
    .map(({ args, id, target }): P.HubMessage => ({ type: 4, invocationId: id, target, arguments: args })),
  id.map((id): P.HubMessage => ({ type: 5, invocationId: id })),
  fc.constant(P.ping),
  fc.record({ error: fc.option(text, { nil: undefined }), allow: fc.option(fc.boolean(), { nil: undefined }) })
    .map(({ allow, error }) => P.close(error, allow))
)

describe("HubProtocol properties", () => {
  it("any split of a valid stream reassembles into the same messages", () => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 8 }), (messages, cuts) => {
        const wire = P.encodeMessages(messages)
        const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b)
        const pieces: Array<string> = []
        let at = 0
        for (const p of points) {
          pieces.push(wire.slice(at, p))
          at = p
        }
        pieces.push(wire.slice(at))
        const reader = new P.FrameReader()
        const decoded = pieces.flatMap((piece) => right(P.decodeMessages(reader, piece)))
        assert.deepStrictEqual(decoded, messages)
        assert.strictEqual(reader.pending, "")
      })
    )
  })

  it("a string holding the separator survives (JSON escapes it)", () => {
    const m = P.invocation(`a${RS}b`, [`${RS}`])
    const reader = new P.FrameReader()
    assert.deepStrictEqual(right(P.decodeMessages(reader, P.encodeMessage(m))), [m])
  })
})
