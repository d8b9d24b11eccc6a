/**
 * A fake gateway for TokenManager tests: it mints JWTs with a chosen `exp`
 * (under TestClock time), counts loginKey / validate calls, can be told to
 * fail them, and offers a protected read (`accountSearch`) that answers 401
 * to a token it did not issue, revoked, or that expired.
 */
import { Endpoints, Errors, GatewayClient } from "@tradeguard/gateway"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { type DeepPartial, ResilienceConfig, type ResilienceConfigInput } from "../../src/Config.js"
import * as TokenManager from "../../src/TokenManager.js"
import * as TokenStore from "../../src/TokenStore.js"

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")

/** A JWT-shaped token whose payload has `exp` (seconds). */
export const mintJwt = (expSeconds: number, id: string | number): string =>
  `${b64url({ alg: "HS256", typ: "JWT" })}.${b64url({ sub: "trader", jti: String(id), exp: expSeconds })}.c2lnbmF0dXJl`

export const HOUR = 3_600_000

/** Whose tokens the fake issues: the test credentials at the fake's base URL (a stored record naming them is reused). */
export const fakeIdentity: TokenStore.TokenIdentity = { userName: "trader", baseUrl: "http://fake" }

export interface FakeGateway {
  readonly client: GatewayClient.Service
  /** Every auth call with its TestClock time. */
  readonly calls: Array<{ readonly name: "login" | "validate" | "accountSearch"; readonly at: number }>
  readonly count: (name: "login" | "validate" | "accountSearch") => number
  /** Tokens issued so far (plain text, for assertions only). */
  readonly issued: Array<string>
  /** Lifetime of new tokens (default 24 h). */
  lifetimeMillis: number
  /** When set, loginKey / validate fail with it (until cleared). */
  failLogin: Errors.GatewayError | undefined
  failValidate: Errors.GatewayError | undefined
  /** How long loginKey / validate take (TestClock time). */
  latency: Duration.DurationInput
  /** Issue tokens without a readable `exp`. */
  opaqueTokens: boolean
  /** Makes every token issued so far answer 401. */
  readonly revokeAll: () => void
  /** Makes the fake accept `token` (e.g. one "stored by an earlier run") until `expiresAt`. */
  readonly register: (token: string, expiresAt: number) => void
}

const notUsed = (name: string) => () => Effect.die(`fake gateway: ${name} is not faked`)

export const makeFakeGateway = (): FakeGateway => {
  const revoked = new Set<string>()
  const expiry = new Map<string, number>()
  let serial = 0
  const fake: FakeGateway = {
    calls: [],
    count: (name) => fake.calls.filter((c) => c.name === name).length,
    issued: [],
    lifetimeMillis: 24 * HOUR,
    failLogin: undefined,
    failValidate: undefined,
    latency: 0,
    opaqueTokens: false,
    revokeAll: () => fake.issued.forEach((t) => revoked.add(t)),
    register: (token, expiresAt) => {
      expiry.set(token, expiresAt)
    },
    client: undefined as unknown as GatewayClient.Service
  }
  const record = (name: "login" | "validate" | "accountSearch") =>
    Effect.flatMap(Clock.currentTimeMillis, (at) => Effect.sync(() => fake.calls.push({ name, at })))
  const issue = Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const exp = now + fake.lifetimeMillis
    const token = fake.opaqueTokens ? `opaque-${++serial}` : mintJwt(Math.floor(exp / 1000), ++serial)
    fake.issued.push(token)
    expiry.set(token, exp)
    return Redacted.make(token)
  })
  const accepts = (token: Redacted.Redacted<string> | undefined) =>
    Effect.map(Clock.currentTimeMillis, (now) => {
      if (token === undefined) return false
      const t = Redacted.value(token)
      const exp = expiry.get(t)
      return exp !== undefined && now < exp && !revoked.has(t)
    })

  const pause = Effect.suspend(() =>
    Duration.toMillis(fake.latency) > 0 ? Effect.sleep(fake.latency) : Effect.void
  )
  const methods = Object.fromEntries(Object.keys(Endpoints.all).map((name) => [name, notUsed(name)]))
  const client = {
    ...methods,
    authLoginKey: () =>
      Effect.gen(function*() {
        yield* record("login")
        yield* pause
        if (fake.failLogin) return yield* Effect.fail(fake.failLogin)
        return { token: yield* issue }
      }),
    authValidate: (_: unknown, token?: Redacted.Redacted<string>) =>
      Effect.gen(function*() {
        yield* record("validate")
        yield* pause
        if (fake.failValidate) return yield* Effect.fail(fake.failValidate)
        if (!(yield* accepts(token))) return yield* new Errors.Unauthorized({ endpoint: "authValidate" })
        return { newToken: yield* issue }
      }),
    accountSearch: (_: unknown, token?: Redacted.Redacted<string>) =>
      Effect.gen(function*() {
        yield* record("accountSearch")
        if (!(yield* accepts(token))) return yield* new Errors.Unauthorized({ endpoint: "accountSearch" })
        return { accounts: [] }
      }),
    call: notUsed("call"),
    ping: Effect.succeed("pong"),
    options: { baseUrl: "http://fake" }
  }
  ;(fake as { client: GatewayClient.Service }).client = client as unknown as GatewayClient.Service
  return fake
}

export const serverError = (endpoint = "authValidate", status = 503) => new Errors.ServerError({ endpoint, status })

/** Config for tests: the seed's defaults, overridden. */
export const testConfig = (input: DeepPartial<ResilienceConfigInput> = {}) => ResilienceConfig.layer(input)

/** The services TokenManager.make needs, around a fake gateway. */
export const tokenDeps = (
  fake: FakeGateway,
  options: {
    readonly store?: Layer.Layer<TokenStore.TokenStore>
    readonly config?: DeepPartial<ResilienceConfigInput>
    /** `PROJECTX_USERNAME` (default `trader`). */
    readonly userName?: string
  } = {}
) =>
  Layer.mergeAll(
    Layer.succeed(GatewayClient.GatewayClient, fake.client),
    options.store ?? TokenStore.layerMemory,
    testConfig(options.config),
    TokenManager.Credentials.layer(options.userName ?? "trader", "api-key-secret")
  )

/** Builds a TokenManager over `fake` in the current (test) scope. */
export const makeTokenManager = (
  fake: FakeGateway,
  options: Parameters<typeof tokenDeps>[1] = {}
): Effect.Effect<TokenManager.Service, unknown, Scope.Scope> =>
  Effect.provide(TokenManager.make, tokenDeps(fake, options))

/** Lets every ready fiber run (e.g. the background refresh after a clock change). */
export const settle = Effect.gen(function*() {
  for (let i = 0; i < 50; i++) yield* Effect.yieldNow()
})

/** Captures every log line (message and annotations, stringified) while `effect` runs. */
export const captureLogs = <A, E, R>(effect: Effect.Effect<A, E, R>, lines: Array<string>) =>
  Effect.provide(
    effect,
    Logger.replace(
      Logger.defaultLogger,
      Logger.make(({ annotations, cause, logLevel, message }) => {
        lines.push(JSON.stringify({ level: logLevel.label, message, annotations: [...annotations], cause: String(cause) }))
      })
    )
  )
