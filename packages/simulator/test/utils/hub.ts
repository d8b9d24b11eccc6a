/**
 * Test helpers for the hubs: connect in-process with a REST login's token,
 * read what the server sent, and pick the event invocations out of it.
 */
import type { HubProtocol } from "@tradeguard/gateway"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { Simulator } from "../../src/index.js"
import type { Hubs } from "../../src/index.js"
import { login, type Token } from "./sim.js"

/** Lets the connection fibers run (pump, pinger) without moving the clock. */
export const settle = Effect.forEach(Array.from({ length: 40 }), () => Effect.yieldNow(), { discard: true })

/** Connects to `hub` in-process with `token` (default: a fresh login as demo). */
export const connect = (hub: Hubs.HubName, token?: Token) =>
  Effect.gen(function*() {
    const sim = yield* Simulator.Simulator
    const t = token ?? (yield* login())
    return yield* sim.hubs.connect(hub, Redacted.value(t))
  })

/** Everything the server has sent so far (after letting it run), and whether the connection ended. */
export const drain = (session: Hubs.HubSession) =>
  Effect.gen(function*() {
    yield* settle
    const messages = yield* session.messages.clear
    return { messages: Chunk.toReadonlyArray(messages), done: Option.isNone(session.messages.unsafeSize()) }
  })

export type Invocation = HubProtocol.Invocation

/** The invocations among `messages` (optionally of one target). */
export const invocations = (messages: ReadonlyArray<HubProtocol.HubMessage>, target?: string): Array<Invocation> =>
  messages.filter((m): m is Invocation => m.type === 1 && (target === undefined || m.target === target))

/** The `{action, data}` payloads of user-event invocations of `target`. */
export const userEvents = (messages: ReadonlyArray<HubProtocol.HubMessage>, target: string) =>
  invocations(messages, target).map((m) => m.arguments[0] as { action: number; data: Record<string, unknown> })

/** True when no value of `o` (recursively) is null. */
export const hasNoNulls = (o: unknown): boolean =>
  o !== null && (typeof o !== "object" || Object.values(o).every(hasNoNulls))
