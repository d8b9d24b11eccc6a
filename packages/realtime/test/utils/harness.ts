/**
 * Builds a HubConnection over the fake transport and fake TokenManager, with
 * its lifecycle and events collected from the very start.
 */
import type { Config as ResilienceConfig } from "@tradeguard/resilience"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { Config, HubConnection, type HubEvent } from "../../src/index.js"
import { type FakeHub, makeFakeHub } from "./FakeTransport.js"
import { type FakeTokens, makeFakeTokens } from "./FakeTokens.js"

/** Lets every fiber that can run, run (no time passes). */
export const flush: Effect.Effect<void> = Effect.promise(() => new Promise<void>((r) => setImmediate(r))).pipe(
  Effect.repeatN(5)
)

export interface Harness {
  readonly server: FakeHub
  readonly tokens: FakeTokens
  readonly conn: HubConnection.Service
  /** Lifecycle events seen so far. */
  readonly lifecycle: Effect.Effect<Array<HubConnection.LifecycleEvent>>
  /** Hub events seen so far (drains them). */
  readonly events: Effect.Effect<Array<HubEvent.HubEvent>>
  readonly state: Effect.Effect<HubConnection.ConnectionState>
}

export const setup = (
  options: {
    readonly hub?: HubConnection.Hub
    readonly config?: ResilienceConfig.DeepPartial<Config.RealtimeConfigInput>
    /** Declared before the first connect. */
    readonly subscriptions?: ReadonlyArray<readonly [string, ...Array<unknown>]>
    readonly before?: (server: FakeHub, tokens: FakeTokens) => void
  } = {}
): Effect.Effect<Harness, never, Scope.Scope> =>
  Effect.gen(function*() {
    const server = yield* makeFakeHub
    const tokens = yield* makeFakeTokens
    options.before?.(server, tokens)
    const hub = options.hub ?? "user"
    const conn = yield* HubConnection.make({ hub, url: `https://hub.test/hubs/${hub}`, autoStart: false }).pipe(
      Effect.provide(Layer.mergeAll(server.layer, tokens.layer, Config.RealtimeConfig.layer(options.config ?? {})))
    )
    const lifecycleQ = yield* conn.subscribeLifecycle
    const eventsQ = yield* conn.subscribeEvents
    const seen: Array<HubConnection.LifecycleEvent> = []
    for (const [method, ...args] of options.subscriptions ?? []) yield* Effect.orDie(conn.subscribe(method, ...args))
    yield* conn.start
    yield* flush
    return {
      server,
      tokens,
      conn,
      lifecycle: Effect.map(Queue.takeAll(lifecycleQ), (c) => {
        seen.push(...Chunk.toReadonlyArray(c))
        return [...seen]
      }),
      events: Effect.map(Queue.takeAll(eventsQ), (c) => [...Chunk.toReadonlyArray(c)]),
      state: conn.state.get
    }
  })

/** Waits (in fiber time) until the state matches. */
export const awaitState = (conn: HubConnection.Service, f: (s: HubConnection.ConnectionState) => boolean) =>
  conn.state.changes.pipe(Stream.filter(f), Stream.take(1), Stream.runDrain)

export const tagsOf = (events: ReadonlyArray<{ readonly _tag: string }>) => events.map((e) => e._tag)
