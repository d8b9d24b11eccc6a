/**
 * The ASP.NET Core SignalR JSON hub protocol (version 1), pure and shared by
 * the client side (in-process transport) and the simulator's hubs.
 *
 * On the wire every frame is a JSON object followed by the record separator
 * 0x1E. One WebSocket text message may carry several frames, and a frame may
 * in principle be split over two messages: {@link FrameReader} keeps the
 * partial tail for the next message.
 *
 * When to use: anything that reads or writes raw hub frames. Code that talks
 * to a hub through `@microsoft/signalr` never sees frames (the library does
 * the framing, handshake and pings itself).
 *
 * Hot path: {@link decodeFrame} is `JSON.parse` plus a cheap switch on `type`
 * and a few `typeof` checks; the Schemas below describe the messages (and
 * serve {@link HubMessage} for tooling) but are not run per frame.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"

/**
 * The record separator that ends every frame (0x1E).
 *
 * @since 0.1.0
 */
export const RecordSeparator = "\u001e"

/**
 * The numeric `type` of each hub message.
 *
 * @since 0.1.0
 */
export const MessageType = {
  Invocation: 1,
  StreamItem: 2,
  Completion: 3,
  StreamInvocation: 4,
  CancelInvocation: 5,
  Ping: 6,
  Close: 7
} as const
/**
 * One of the values of {@link MessageType}.
 *
 * @since 0.1.0
 */
export type MessageType = (typeof MessageType)[keyof typeof MessageType]

// ---------------------------------------------------------------- schemas

/**
 * Client to server, first frame: `{"protocol":"json","version":1}`.
 *
 * @since 0.1.0
 */
export const HandshakeRequest = Schema.Struct({ protocol: Schema.String, version: Schema.Number })
/**
 * The decoded type of {@link HandshakeRequest}.
 *
 * @since 0.1.0
 */
export type HandshakeRequest = typeof HandshakeRequest.Type

/**
 * Server to client, first frame: `{}` on success, `{"error":"..."}` on failure.
 *
 * @since 0.1.0
 */
export const HandshakeResponse = Schema.Struct({ error: Schema.optional(Schema.String) })
/**
 * The decoded type of {@link HandshakeResponse}.
 *
 * @since 0.1.0
 */
export type HandshakeResponse = typeof HandshakeResponse.Type

const Args = Schema.Array(Schema.Unknown)

/**
 * Type 1: call `target` with `arguments`; with an `invocationId` a Completion is expected.
 *
 * @since 0.1.0
 */
export const Invocation = Schema.Struct({
  type: Schema.Literal(1),
  target: Schema.String,
  arguments: Args,
  invocationId: Schema.optional(Schema.String),
  streamIds: Schema.optional(Schema.Array(Schema.String))
})
/**
 * The decoded type of {@link Invocation}.
 *
 * @since 0.1.0
 */
export type Invocation = typeof Invocation.Type

/**
 * Type 2: one item of a server-to-client stream.
 *
 * @since 0.1.0
 */
export const StreamItem = Schema.Struct({
  type: Schema.Literal(2),
  invocationId: Schema.String,
  item: Schema.Unknown
})
/**
 * The decoded type of {@link StreamItem}.
 *
 * @since 0.1.0
 */
export type StreamItem = typeof StreamItem.Type

/**
 * Type 3: the end of an invocation: `result` (may be absent for void) or `error`.
 *
 * @since 0.1.0
 */
export const Completion = Schema.Struct({
  type: Schema.Literal(3),
  invocationId: Schema.String,
  result: Schema.optional(Schema.Unknown),
  error: Schema.optional(Schema.String)
})
/**
 * The decoded type of {@link Completion}.
 *
 * @since 0.1.0
 */
export type Completion = typeof Completion.Type

/**
 * Type 4: like an Invocation, but the answer is a stream of StreamItems.
 *
 * @since 0.1.0
 */
export const StreamInvocation = Schema.Struct({
  type: Schema.Literal(4),
  invocationId: Schema.String,
  target: Schema.String,
  arguments: Args,
  streamIds: Schema.optional(Schema.Array(Schema.String))
})
/**
 * The decoded type of {@link StreamInvocation}.
 *
 * @since 0.1.0
 */
export type StreamInvocation = typeof StreamInvocation.Type

/**
 * Type 5: the client cancels a stream it started.
 *
 * @since 0.1.0
 */
export const CancelInvocation = Schema.Struct({ type: Schema.Literal(5), invocationId: Schema.String })
/**
 * The decoded type of {@link CancelInvocation}.
 *
 * @since 0.1.0
 */
export type CancelInvocation = typeof CancelInvocation.Type

/**
 * Type 6: keep-alive, both ways.
 *
 * @since 0.1.0
 */
export const Ping = Schema.Struct({ type: Schema.Literal(6) })
/**
 * The decoded type of {@link Ping}.
 *
 * @since 0.1.0
 */
export type Ping = typeof Ping.Type

/**
 * Type 7: the connection is being closed, with the reason when it was an error.
 *
 * @since 0.1.0
 */
export const Close = Schema.Struct({
  type: Schema.Literal(7),
  error: Schema.optional(Schema.String),
  allowReconnect: Schema.optional(Schema.Boolean)
})
/**
 * The decoded type of {@link Close}.
 *
 * @since 0.1.0
 */
export type Close = typeof Close.Type

/**
 * Any hub message, discriminated by `type`.
 *
 * @since 0.1.0
 */
export const HubMessage = Schema.Union(
  Invocation,
  StreamItem,
  Completion,
  StreamInvocation,
  CancelInvocation,
  Ping,
  Close
)
/**
 * The decoded type of {@link HubMessage}.
 *
 * @since 0.1.0
 */
export type HubMessage = typeof HubMessage.Type

/**
 * A frame or handshake that breaks the protocol. `frame` is cut to 200 characters.
 *
 * @since 0.1.0
 */
export class HubProtocolError extends Schema.TaggedError<HubProtocolError>()("HubProtocolError", {
  reason: Schema.Literal("InvalidJson", "InvalidMessage", "UnknownType", "InvalidHandshake"),
  detail: Schema.String,
  frame: Schema.String
}) {
  override get message() {
    return `hub protocol: ${this.reason}: ${this.detail}`
  }
}

// ---------------------------------------------------------------- constructors

/**
 * An Invocation; pass an `invocationId` when a Completion is expected.
 *
 * @since 0.1.0
 */
export const invocation = (target: string, args: ReadonlyArray<unknown>, invocationId?: string): Invocation =>
  invocationId === undefined
    ? { type: 1, target, arguments: args }
    : { type: 1, target, arguments: args, invocationId }

/**
 * A Completion with a result (`result` may be `null`; omit it for a void method).
 *
 * @since 0.1.0
 */
export const completion = (invocationId: string, result?: unknown): Completion =>
  result === undefined ? { type: 3, invocationId } : { type: 3, invocationId, result }

/**
 * A Completion that reports an error (unknown method, bad arguments, a hub exception).
 *
 * @since 0.1.0
 */
export const completionError = (invocationId: string, error: string): Completion => ({
  type: 3,
  invocationId,
  error
})

/**
 * The ping message (type 6).
 *
 * @since 0.1.0
 */
export const ping: Ping = { type: 6 }

/**
 * A Close; `error` tells the client why, `allowReconnect` whether it may come back.
 *
 * @since 0.1.0
 */
export const close = (error?: string, allowReconnect?: boolean): Close => {
  const out: { type: 7; error?: string; allowReconnect?: boolean } = { type: 7 }
  if (error !== undefined) out.error = error
  if (allowReconnect !== undefined) out.allowReconnect = allowReconnect
  return out
}

// ---------------------------------------------------------------- framing

/**
 * Splits `text` (appended to the unfinished `rest` of earlier messages) into
 * complete frames without their separator, and the new unfinished rest.
 * Pure; {@link FrameReader} is the stateful version for a connection.
 *
 * @since 0.1.0
 */
export const splitFrames = (rest: string, text: string): readonly [frames: Array<string>, rest: string] => {
  const data = rest.length === 0 ? text : rest + text
  const frames: Array<string> = []
  let start = 0
  let end = data.indexOf(RecordSeparator, start)
  while (end !== -1) {
    frames.push(data.slice(start, end))
    start = end + 1
    end = data.indexOf(RecordSeparator, start)
  }
  return [frames, start === 0 ? data : data.slice(start)]
}

/**
 * The framing state of one connection: feed it every WebSocket text message,
 * get back the complete frames. A partial trailing frame is kept until the
 * message that completes it arrives.
 *
 * @since 0.1.0
 */
export class FrameReader {
  private rest = ""
  /**
   * The complete frames in `text` (plus what was pending), in order.
   *
   * @since 0.1.0
   */
  push(text: string): Array<string> {
    const [frames, rest] = splitFrames(this.rest, text)
    this.rest = rest
    return frames
  }
  /** The unfinished tail waiting for more input ("" when none). */
  get pending(): string {
    return this.rest
  }
}

/**
 * One frame on the wire: the JSON and the separator.
 *
 * @since 0.1.0
 */
export const frame = (json: string): string => json + RecordSeparator

// ---------------------------------------------------------------- handshake

/**
 * The client's handshake frame, separator included.
 *
 * @since 0.1.0
 */
export const encodeHandshakeRequest = (protocol = "json", version = 1): string =>
  frame(JSON.stringify({ protocol, version }))

/**
 * The server's handshake reply, separator included: `{}` or `{"error":"..."}`.
 *
 * @since 0.1.0
 */
export const encodeHandshakeResponse = (error?: string): string =>
  frame(error === undefined ? "{}" : JSON.stringify({ error }))

const fail = (reason: HubProtocolError["reason"], detail: string, text: string) =>
  Either.left(new HubProtocolError({ reason, detail, frame: text.length > 200 ? text.slice(0, 200) : text }))

const parseJson = (text: string): Either.Either<unknown, HubProtocolError> => {
  try {
    return Either.right(JSON.parse(text))
  } catch (e) {
    return fail("InvalidJson", e instanceof Error ? e.message : String(e), text)
  }
}

const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * Decodes the handshake request frame (without separator).
 *
 * @since 0.1.0
 */
export const decodeHandshakeRequest = (text: string): Either.Either<HandshakeRequest, HubProtocolError> =>
  Either.flatMap(parseJson(text), (u) =>
    isRecord(u) && typeof u.protocol === "string" && typeof u.version === "number"
      ? Either.right({ protocol: u.protocol, version: u.version })
      : fail("InvalidHandshake", "expected {protocol: string, version: number}", text))

/**
 * Decodes the handshake response frame (without separator).
 *
 * @since 0.1.0
 */
export const decodeHandshakeResponse = (text: string): Either.Either<HandshakeResponse, HubProtocolError> =>
  Either.flatMap(parseJson(text), (u) => {
    if (!isRecord(u)) return fail("InvalidHandshake", "expected an object", text)
    if (u.error === undefined || u.error === null) return Either.right({})
    return typeof u.error === "string"
      ? Either.right({ error: u.error })
      : fail("InvalidHandshake", "error must be a string", text)
  })

// ---------------------------------------------------------------- messages

const optString = (u: unknown): boolean => u === undefined || typeof u === "string"
const optStrings = (u: unknown): boolean =>
  u === undefined || (Array.isArray(u) && u.every((s) => typeof s === "string"))

/** Why a parsed object is not a valid message of its type, or undefined when it is. */
const invalid = (m: Record<string, unknown>): string | undefined => {
  switch (m.type) {
    case 1:
      if (typeof m.target !== "string") return "Invocation.target must be a string"
      if (!Array.isArray(m.arguments)) return "Invocation.arguments must be an array"
      if (!optString(m.invocationId)) return "Invocation.invocationId must be a string"
      return optStrings(m.streamIds) ? undefined : "Invocation.streamIds must be strings"
    case 2:
      return typeof m.invocationId === "string" ? undefined : "StreamItem.invocationId must be a string"
    case 3:
      if (typeof m.invocationId !== "string") return "Completion.invocationId must be a string"
      if (m.error !== undefined && typeof m.error !== "string") return "Completion.error must be a string"
      return m.error !== undefined && "result" in m ? "Completion has both result and error" : undefined
    case 4:
      if (typeof m.invocationId !== "string") return "StreamInvocation.invocationId must be a string"
      if (typeof m.target !== "string") return "StreamInvocation.target must be a string"
      if (!Array.isArray(m.arguments)) return "StreamInvocation.arguments must be an array"
      return optStrings(m.streamIds) ? undefined : "StreamInvocation.streamIds must be strings"
    case 5:
      return typeof m.invocationId === "string" ? undefined : "CancelInvocation.invocationId must be a string"
    case 6:
      return undefined
    case 7:
      if (!optString(m.error)) return "Close.error must be a string"
      return m.allowReconnect === undefined || typeof m.allowReconnect === "boolean"
        ? undefined
        : "Close.allowReconnect must be a boolean"
  }
  return undefined
}

const nullableKeys = ["invocationId", "error", "allowReconnect", "streamIds"] as const

/**
 * Decodes one frame (without separator) into a message: `JSON.parse`, a
 * switch on `type` and field checks. Unknown extra fields are kept as they
 * are; a `null` optional field (`"error": null`) is treated as absent.
 *
 * @since 0.1.0
 */
export const decodeFrame = (text: string): Either.Either<HubMessage, HubProtocolError> => {
  const parsed = parseJson(text)
  if (Either.isLeft(parsed)) return Either.left(parsed.left)
  const m = parsed.right
  if (!isRecord(m)) return fail("InvalidMessage", "a frame must be a JSON object", text)
  if (typeof m.type !== "number") return fail("InvalidMessage", "missing numeric type", text)
  if (m.type < 1 || m.type > 7 || !Number.isInteger(m.type)) {
    return fail("UnknownType", `unknown message type ${m.type}`, text)
  }
  for (const k of nullableKeys) if (m[k] === null) delete m[k]
  const why = invalid(m)
  return why === undefined ? Either.right(m as unknown as HubMessage) : fail("InvalidMessage", why, text)
}

/**
 * Decodes every complete frame of `text` through `reader`. Stops at the first
 * bad frame (a peer that breaks the protocol gets its connection closed).
 *
 * @since 0.1.0
 */
export const decodeMessages = (
  reader: FrameReader,
  text: string
): Either.Either<Array<HubMessage>, HubProtocolError> => {
  const frames = reader.push(text)
  const out: Array<HubMessage> = []
  for (const f of frames) {
    const r = decodeFrame(f)
    if (Either.isLeft(r)) return Either.left(r.left)
    out.push(r.right)
  }
  return Either.right(out)
}

/**
 * Encodes one message as a frame (JSON + separator).
 *
 * @since 0.1.0
 */
export const encodeMessage = (message: HubMessage): string => frame(JSON.stringify(message))

/**
 * Encodes several messages into one WebSocket text message (frames back to back).
 *
 * @since 0.1.0
 */
export const encodeMessages = (messages: Iterable<HubMessage>): string => {
  let out = ""
  for (const m of messages) out += JSON.stringify(m) + RecordSeparator
  return out
}
