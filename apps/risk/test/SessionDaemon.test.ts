import * as NodeContext from "@effect/platform-node/NodeContext"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as path from "node:path"
import { createRequire } from "node:module"
import * as Daemon from "../src/Daemon.js"
import type * as Readiness from "../src/Readiness.js"
import { daemonConfig } from "./utils/daemonConfig.js"

/** parse-prometheus-text-format (no types of its own): the families of a scrape. */
const parsePrometheus = createRequire(import.meta.url)("parse-prometheus-text-format") as (
  text: string
) => ReadonlyArray<{ readonly name: string; readonly metrics: ReadonlyArray<{ readonly value?: string }> }>

const configFile = () =>
  daemonConfig("session-daemon", [
    "signalr: { reconnection: { delays: [100, 200, 400], maxDelayMs: 400 } }",
    "risk: { defaults: { dailyLossLimit: { amount: 1000 } } }"
  ])

const get = (url: string) =>
  Effect.promise(async () => {
    const r = await fetch(url)
    return { status: r.status, text: await r.text() }
  })

/** Polls `check` every 100 ms, at most `tries` times; fails naming `what`. */
const until = <A>(what: string, check: Effect.Effect<A | undefined>, tries = 200) =>
  Effect.gen(function*() {
    for (let i = 0; i < tries; i++) {
      const a = yield* check
      if (a !== undefined) return a
      yield* Effect.sleep("100 millis")
    }
    return assert.fail(`never happened: ${what}`)
  })

describe("session conflicts in the running daemon (in process, single-session simulator)", () => {
  it.live("another client logging in as the same user: counted (metric), a session_conflict readiness reason; the daemon logs in again", () =>
    Effect.gen(function*() {
      const { dir, file } = configFile()
      const started = yield* Daemon.start(
        { config: file, simulator: true, simulatorOptions: { singleSessionPerUser: true } },
        { ...process.env, TRADEGUARD_LEASE_DB: path.join(dir, "leases.db") }
      )
      const ops = started.ops.url
      yield* until("ready", Effect.map(get(`${ops}/readyz`), (r) => (r.status === 200 ? r : undefined)))
      // another front-end logs in as the daemon's user: the simulator ends the daemon's session (GatewayLogout)
      yield* Effect.promise(() =>
        fetch(`${started.baseUrl}/api/Auth/loginKey`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ userName: "demo", apiKey: "demo-api-key" })
        })
      )
      const readyz = yield* until("/readyz names the session conflict", Effect.map(get(`${ops}/readyz`), (r) => {
        const body = JSON.parse(r.text) as Readiness.Readiness
        return body.reasons.some((x) => x.code === "session_conflict") ? { status: r.status, body } : undefined
      }))
      assert.strictEqual(readyz.status, 503)
      assert.match(readyz.body.reasons.find((x) => x.code === "session_conflict")!.detail, /another client logs in as this user/)
      const families = parsePrometheus((yield* get(`${ops}/metrics`)).text)
      const counter = families.find((f) => f.name === "tradeguard_session_conflicts_total")
      assert.isDefined(counter)
      assert.isAtLeast(Number(counter!.metrics[0]!.value), 1)
      // reclaim (the default): the daemon logs in again and both hubs come back
      const status = yield* until("both hubs connected again", Effect.map(get(`${ops}/status`), (r) => {
        const body = JSON.parse(r.text) as { hubs: ReadonlyArray<{ state: string }> }
        return body.hubs.length === 2 && body.hubs.every((h) => h.state === "Connected") ? body : undefined
      }))
      assert.strictEqual(status.hubs.length, 2)
    }).pipe(Effect.scoped, Effect.provide(NodeContext.layer)), 60_000)

  it.live("once stopping, /unlock answers 503 (the rules and the database are closing: an unlock would be lost)", () =>
    Effect.gen(function*() {
      const { dir, file } = configFile()
      let during: { status: number; text: string } | undefined
      let ops: { url: string; token: string } | undefined
      yield* Effect.scoped(Effect.gen(function*() {
        const started = yield* Daemon.start(
          { config: file, simulator: true },
          { ...process.env, TRADEGUARD_LEASE_DB: path.join(dir, "leases.db") },
          {
            onPhase: (phase) =>
              phase._tag === "Stopping" && ops !== undefined
                ? Effect.promise(async () => {
                  const r = await fetch(`${ops!.url}/unlock`, {
                    method: "POST",
                    headers: { "content-type": "application/json", authorization: `Bearer ${ops!.token}` },
                    body: JSON.stringify({ account: 100001, reason: "too late" })
                  })
                  during = { status: r.status, text: await r.text() }
                })
                : Effect.void
          }
        )
        ops = { url: started.ops.url, token: started.ops.token.token }
      }))
      assert.isDefined(during)
      assert.strictEqual(during!.status, 503)
      assert.include(during!.text, "not running yet (or stopping)")
    }).pipe(Effect.provide(NodeContext.layer)), 60_000)
})
