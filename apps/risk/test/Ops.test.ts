import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as AppConfig from "../src/AppConfig.js"
import * as Ops from "../src/Ops.js"

const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), "tradeguard-ops-"))

const unlocks: Array<[number, string]> = []
const handlers = (over: Partial<Ops.Handlers> = {}): Ops.Handlers => ({
  readiness: Effect.succeed({ ready: false, reasons: [{ code: "starting", detail: "token" }] }),
  status: Effect.succeed({ hello: "status" }),
  unlock: (account, reason) =>
    Effect.sync(() => {
      unlocks.push([account, reason])
      return { account, unlocked: account === 465 }
    }),
  ...over
})

const get = (url: string, init: RequestInit = {}) =>
  Effect.promise(async () => {
    const r = await fetch(url, init)
    return { status: r.status, type: r.headers.get("content-type") ?? "", body: await r.text() }
  })

const post = (url: string, body: unknown, token?: string) =>
  get(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body: typeof body === "string" ? body : JSON.stringify(body)
  })

describe("Ops", () => {
  it.effect("the ops section: loopback port 9464 by default; port, host and tokenEnv are checked, by path", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(AppConfig.defaults.ops, { host: "127.0.0.1", port: 9464, tokenEnv: "TRADEGUARD_OPS_TOKEN" })
      const ok = yield* AppConfig.decode("c.yaml", { ops: { host: "::1", port: 0 } })
      assert.deepStrictEqual(ok.ops, { host: "::1", port: 0, tokenEnv: "TRADEGUARD_OPS_TOKEN" })
      assert.strictEqual((yield* AppConfig.decode("c.yaml", { ops: { host: "ops.internal" } })).ops.host, "ops.internal")
      const bad = yield* Effect.flip(AppConfig.decode("c.yaml", { ops: { host: "not a host!", port: 70000, tokenEnv: "1-X" } }))
      const text = bad.problems.join("\n")
      assert.include(text, "ops.host")
      assert.include(text, "ops.port")
      assert.include(text, "between 0 and 65535")
      assert.include(text, "ops.tokenEnv")
      assert.include((yield* Effect.flip(AppConfig.decode("c.yaml", { ops: { port: 1.5 } }))).problems.join("\n"), "ops.port")
    }))

  it("knows loopback binds", () => {
    for (const h of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LOCALHOST"]) assert.isTrue(Ops.isLoopback(h), h)
    for (const h of ["0.0.0.0", "192.168.1.2", "::", "example.com"]) assert.isFalse(Ops.isLoopback(h), h)
  })

  it("checks the bearer token", () => {
    assert.isTrue(Ops.authorized("Bearer abc", "abc"))
    assert.isTrue(Ops.authorized("bearer  abc ", "abc"))
    assert.isFalse(Ops.authorized(undefined, "abc"))
    assert.isFalse(Ops.authorized("Bearer abd", "abc"))
    assert.isFalse(Ops.authorized("Bearer abcd", "abc"))
    assert.isFalse(Ops.authorized("Basic abc", "abc"))
    assert.isFalse(Ops.authorized("abc", "abc"))
  })

  it("keeps the token beside the database", () => {
    assert.strictEqual(Ops.tokenFile("/var/lib/tg/tradeguard.db"), "/var/lib/tg/ops.token")
    assert.strictEqual(Ops.tokenFile(":memory:"), path.resolve("ops.token"))
    assert.strictEqual(Ops.urlOf("::1", 80), "http://[::1]:80")
  })

  it.effect("takes the token from the environment variable", () =>
    Effect.gen(function*() {
      const t = yield* Ops.resolveToken({ host: "0.0.0.0", port: 0, tokenEnv: "MY_TOKEN" }, "/nowhere/x.db", { MY_TOKEN: " s3cret " })
      assert.deepStrictEqual(t, { token: "s3cret", source: "env", file: undefined })
    }))

  it.effect("refuses a bind that is not loopback without the token, naming the variable", () =>
    Effect.gen(function*() {
      const e = yield* Effect.flip(Ops.resolveToken({ host: "0.0.0.0", port: 0, tokenEnv: "MY_TOKEN" }, "/x/y.db", {}))
      assert.strictEqual(e._tag, "OpsUnavailable")
      assert.include(e.message, "MY_TOKEN")
      assert.include(e.message, "0.0.0.0")
    }))

  it.effect("on loopback without the variable, generates a token and writes it 0600 beside the database", () =>
    Effect.gen(function*() {
      const d = dir()
      const t = yield* Ops.resolveToken(AppConfig.defaults.ops, path.join(d, "sub", "tradeguard.db"), {})
      assert.strictEqual(t.source, "file")
      assert.strictEqual(t.file, path.join(d, "sub", "ops.token"))
      assert.match(t.token, /^[0-9a-f]{64}$/)
      assert.strictEqual(fs.readFileSync(t.file!, "utf8").trim(), t.token)
      assert.strictEqual(fs.statSync(t.file!).mode & 0o777, 0o600)
      const again = yield* Ops.resolveToken(AppConfig.defaults.ops, path.join(d, "sub", "tradeguard.db"), {})
      assert.notStrictEqual(again.token, t.token)
    }))

  it.effect("a token file that cannot be written is one clear error", () =>
    Effect.gen(function*() {
      const d = dir()
      fs.writeFileSync(path.join(d, "file"), "")
      const e = yield* Effect.flip(Ops.resolveToken(AppConfig.defaults.ops, path.join(d, "file", "tradeguard.db"), {}))
      assert.include(e.message, "cannot write the token file")
    }))

  it.scoped("on loopback: reads are open, unlock needs the token", () =>
    Effect.gen(function*() {
      const ops = yield* Ops.serve({ host: "127.0.0.1", port: 0 }, handlers(), "tok")
      assert.match(ops.url, /^http:\/\/127\.0\.0\.1:\d+$/)
      assert.notStrictEqual(ops.port, 0)
      const health = yield* get(`${ops.url}/healthz`)
      assert.strictEqual(health.status, 200)
      const ready = yield* get(`${ops.url}/readyz`)
      assert.strictEqual(ready.status, 503)
      assert.deepStrictEqual(JSON.parse(ready.body), { ready: false, reasons: [{ code: "starting", detail: "token" }] })
      assert.deepStrictEqual(JSON.parse((yield* get(`${ops.url}/status`)).body), { hello: "status" })
      const metrics = yield* get(`${ops.url}/metrics`)
      assert.strictEqual(metrics.status, 503)
      assert.include(metrics.body, "metrics not wired")
      assert.strictEqual((yield* get(`${ops.url}/nope`)).status, 404)

      assert.strictEqual((yield* post(`${ops.url}/unlock`, { account: 465, reason: "r" })).status, 401)
      assert.strictEqual((yield* post(`${ops.url}/unlock`, { account: 465, reason: "r" }, "wrong")).status, 401)
      const ok = yield* post(`${ops.url}/unlock`, { account: 465, reason: " called the desk " }, "tok")
      assert.strictEqual(ok.status, 200)
      assert.deepStrictEqual(JSON.parse(ok.body), { account: 465, unlocked: true })
      assert.deepStrictEqual(unlocks.at(-1), [465, "called the desk"])
      const none = yield* post(`${ops.url}/unlock`, { account: 7, reason: "r" }, "tok")
      assert.strictEqual(none.status, 404)
      assert.strictEqual((yield* post(`${ops.url}/unlock`, { account: 465, reason: " " }, "tok")).status, 400)
      assert.strictEqual((yield* post(`${ops.url}/unlock`, "not json", "tok")).status, 400)
    }))

  it.scoped("an unlock the daemon cannot do yet is 503 with the reason", () =>
    Effect.gen(function*() {
      const ops = yield* Ops.serve({ host: "127.0.0.1", port: 0 }, handlers({
        unlock: () => Effect.fail(new Ops.OpsUnavailable({ reason: "not running yet" })),
        readiness: Effect.succeed({ ready: true, reasons: [] }),
        metrics: Effect.succeed({ contentType: "text/plain; version=0.0.4", body: "tradeguard_up 1\n" })
      }), "tok")
      const r = yield* post(`${ops.url}/unlock`, { account: 1, reason: "r" }, "tok")
      assert.strictEqual(r.status, 503)
      assert.include(JSON.parse(r.body).error, "not running yet")
      assert.strictEqual((yield* get(`${ops.url}/readyz`)).status, 200)
      const m = yield* get(`${ops.url}/metrics`)
      assert.strictEqual(m.status, 200)
      assert.strictEqual(m.body, "tradeguard_up 1\n")
      assert.include(m.type, "version=0.0.4")
    }))

  it.scoped("anywhere but loopback: every request but /healthz needs the token", () =>
    Effect.gen(function*() {
      // a wildcard bind is not loopback; it is reached on 127.0.0.1
      const ops = yield* Ops.serve({ host: "0.0.0.0", port: 0 }, handlers(), "tok")
      const at = `http://127.0.0.1:${ops.port}`
      assert.strictEqual((yield* get(`${at}/healthz`)).status, 200)
      for (const p of ["/readyz", "/status", "/metrics"]) {
        assert.strictEqual((yield* get(`${at}${p}`)).status, 401, p)
        assert.strictEqual((yield* get(`${at}${p}`, { headers: { authorization: "Bearer nope" } })).status, 401, p)
      }
      assert.strictEqual((yield* get(`${at}/readyz`, { headers: { authorization: "Bearer tok" } })).status, 503)
      assert.strictEqual((yield* get(`${at}/status`, { headers: { authorization: "Bearer tok" } })).status, 200)
    }))

  it.scoped("a port in use is one clear error", () =>
    Effect.gen(function*() {
      const first = yield* Ops.serve({ host: "127.0.0.1", port: 0 }, handlers(), "tok")
      const e = yield* Effect.flip(Ops.serve({ host: "127.0.0.1", port: first.port }, handlers(), "tok"))
      assert.include(e.message, `cannot listen on http://127.0.0.1:${first.port}`)
    }))
})
