import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { ResilienceConfig } from "../src/Config.js"
import * as Crypto from "../src/internal/crypto.js"
import * as TokenStore from "../src/TokenStore.js"
import { captureLogs, HOUR, makeFakeGateway, makeTokenManager, mintJwt } from "./utils/tokenFakes.js"

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), "tradeguard-token-"))
const hexKey = () => Redacted.make(crypto.randomBytes(32).toString("hex"))
const token = (t: string, expiresAt = 24 * HOUR): TokenStore.StoredToken => ({
  token: Redacted.make(t),
  expiresAt,
  obtainedAt: 1000
})
const fileStore = (file: string, key = hexKey()) => TokenStore.makeEncryptedFile({ path: file, key })
const loadError = (store: TokenStore.Service) => Effect.flip(store.load)
/** A token file as written before identities were stored (format 1: token and times only). */
const writeOldFormat = (file: string, key: Redacted.Redacted<string>, jwt: string, expiresAt = 24 * HOUR) =>
  fs.writeFileSync(
    file,
    Crypto.seal(
      Crypto.parseKey(Redacted.value(key))!,
      Buffer.from(JSON.stringify({ v: 1, token: jwt, expiresAt, obtainedAt: 0 }), "utf8")
    )
  )

describe("TokenStore (memory)", () => {
  it.effect("saves, loads and clears", () =>
    Effect.gen(function*() {
      const store = yield* TokenStore.makeMemory()
      assert.isTrue(Option.isNone(yield* store.load))
      yield* store.save(token("abc"))
      const loaded = yield* store.load
      assert.isTrue(Option.isSome(loaded) && Redacted.value(loaded.value.token) === "abc")
      yield* store.clear
      assert.isTrue(Option.isNone(yield* store.load))
    }))
})

describe("TokenStore (encrypted file)", () => {
  it.effect("round-trips a token; the file holds no plaintext; a missing file loads as none", () =>
    Effect.gen(function*() {
      const file = path.join(tempDir(), "token.enc")
      const key = hexKey()
      const store = yield* fileStore(file, key)
      assert.isTrue(Option.isNone(yield* store.load))
      const jwt = mintJwt(86400, "round-trip")
      yield* store.save(token(jwt, 86_400_000))
      const bytes = fs.readFileSync(file)
      assert.isFalse(bytes.toString("latin1").includes(jwt.split(".")[1]!))
      const again = yield* fileStore(file, key)
      const loaded = yield* again.load
      assert.isTrue(Option.isSome(loaded))
      if (Option.isSome(loaded)) {
        assert.strictEqual(Redacted.value(loaded.value.token), jwt)
        assert.strictEqual(loaded.value.expiresAt, 86_400_000)
        assert.strictEqual(loaded.value.obtainedAt, 1000)
      }
    }))

  it.effect("keeps the token's user and gateway: saved inside the sealed payload, loaded back", () =>
    Effect.gen(function*() {
      const file = path.join(tempDir(), "token.enc")
      const key = hexKey()
      const identity = { userName: "trader-7", baseUrl: "https://gw.example" }
      yield* (yield* fileStore(file, key)).save({ ...token("t"), identity })
      assert.isFalse(fs.readFileSync(file).toString("latin1").includes("trader-7"), "not in plaintext")
      const loaded = yield* (yield* fileStore(file, key)).load
      assert.deepStrictEqual(Option.getOrThrow(loaded).identity, identity)
    }))

  it.effect("an old-format file (no user or gateway) still loads, with no identity", () =>
    Effect.gen(function*() {
      const file = path.join(tempDir(), "token.enc")
      const key = hexKey()
      writeOldFormat(file, key, "from-v1")
      const loaded = Option.getOrThrow(yield* (yield* fileStore(file, key)).load)
      assert.strictEqual(Redacted.value(loaded.token), "from-v1")
      assert.isUndefined(loaded.identity)
    }))

  it.effect("creates the directory, writes the file 0600, atomically (no temp file left behind)", () =>
    Effect.gen(function*() {
      const dir = path.join(tempDir(), "nested", "deeper")
      const file = path.join(dir, "token.enc")
      const store = yield* fileStore(file)
      for (let i = 0; i < 10; i++) yield* store.save(token(`t${i}`))
      assert.strictEqual(fs.statSync(file).mode & 0o777, 0o600)
      assert.deepStrictEqual(fs.readdirSync(dir), ["token.enc"])
    }))

  it.effect("replaces a pre-existing world-readable file with a 0600 one", () =>
    Effect.gen(function*() {
      const file = path.join(tempDir(), "token.enc")
      fs.writeFileSync(file, "old", { mode: 0o644 })
      yield* (yield* fileStore(file)).save(token("t"))
      assert.strictEqual(fs.statSync(file).mode & 0o777, 0o600)
    }))

  it.effect("uses a fresh IV per write: the same token twice gives different bytes", () =>
    Effect.gen(function*() {
      const file = path.join(tempDir(), "token.enc")
      const store = yield* fileStore(file)
      yield* store.save(token("same"))
      const first = fs.readFileSync(file)
      yield* store.save(token("same"))
      const second = fs.readFileSync(file)
      assert.isFalse(first.equals(second))
      assert.isFalse(first.subarray(4, 16).equals(second.subarray(4, 16)))
    }))

  it.effect("a wrong key is a typed Decrypt error, not a garbage token", () =>
    Effect.gen(function*() {
      const file = path.join(tempDir(), "token.enc")
      yield* (yield* fileStore(file)).save(token("secret"))
      const error = yield* loadError(yield* fileStore(file))
      assert.strictEqual(error._tag, "TokenStoreError")
      assert.strictEqual(error.reason, "Decrypt")
    }))

  it.effect("a tampered file (one flipped bit anywhere) fails authentication", () =>
    Effect.gen(function*() {
      const file = path.join(tempDir(), "token.enc")
      const key = hexKey()
      yield* (yield* fileStore(file, key)).save(token("secret"))
      const original = fs.readFileSync(file)
      for (const at of [5, 20, original.length - 1]) {
        const tampered = Buffer.from(original)
        tampered[at] = tampered[at]! ^ 0x01
        fs.writeFileSync(file, tampered)
        const error = yield* loadError(yield* fileStore(file, key))
        assert.strictEqual(error.reason, "Decrypt", `byte ${at}`)
      }
    }))

  it.effect("a truncated or foreign file is a typed error", () =>
    Effect.gen(function*() {
      const file = path.join(tempDir(), "token.enc")
      const key = hexKey()
      yield* (yield* fileStore(file, key)).save(token("secret"))
      const original = fs.readFileSync(file)
      fs.writeFileSync(file, original.subarray(0, original.length - 3))
      assert.strictEqual((yield* loadError(yield* fileStore(file, key))).reason, "Decrypt")
      fs.writeFileSync(file, original.subarray(0, 10))
      assert.strictEqual((yield* loadError(yield* fileStore(file, key))).reason, "Corrupt")
      fs.writeFileSync(file, "{\"token\":\"plaintext\"} and more bytes to pass the header length")
      assert.strictEqual((yield* loadError(yield* fileStore(file, key))).reason, "Corrupt")
    }))

  it.effect("accepts a key as 64 hex characters or base64 of 32 bytes; anything else is a config error", () =>
    Effect.gen(function*() {
      const file = path.join(tempDir(), "token.enc")
      const bytes = crypto.randomBytes(32)
      const hex = yield* TokenStore.makeEncryptedFile({ path: file, key: Redacted.make(bytes.toString("hex")) })
      yield* hex.save(token("k"))
      const b64 = yield* TokenStore.makeEncryptedFile({ path: file, key: Redacted.make(bytes.toString("base64")) })
      assert.isTrue(Option.isSome(yield* b64.load))
      for (const bad of ["short", "ab".repeat(31), crypto.randomBytes(16).toString("base64")]) {
        const error = yield* Effect.flip(TokenStore.makeEncryptedFile({ path: file, key: Redacted.make(bad), keyName: "K" }))
        assert.strictEqual(error._tag, "TokenStoreConfigError")
        assert.strictEqual(error.path, "K")
        assert.notInclude(error.message, bad)
      }
    }))
})

describe("TokenStore.layer (from authentication.storage)", () => {
  const withEnv = (env: Record<string, string>) => Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
  const build = (storage: Record<string, unknown>) =>
    Effect.scoped(Layer.build(TokenStore.layer.pipe(Layer.provide(ResilienceConfig.layer({ authentication: { storage } })))))

  it.effect("memory when storage.type is memory", () =>
    Effect.gen(function*() {
      const ctx = yield* build({ type: "memory" })
      assert.isDefined(ctx)
    }))

  it.effect("encrypted with the key from the environment variable named by keyEnv", () =>
    Effect.gen(function*() {
      const file = path.join(tempDir(), "t.enc")
      const key = crypto.randomBytes(32).toString("hex")
      const store = yield* TokenStore.make.pipe(
        Effect.provide(ResilienceConfig.layer({ authentication: { storage: { path: file, keyEnv: "MY_KEY" } } })),
        withEnv({ MY_KEY: key })
      )
      yield* store.save(token("from-env"))
      const direct = yield* TokenStore.makeEncryptedFile({ path: file, key: Redacted.make(key) })
      assert.isTrue(Option.isSome(yield* direct.load))
    }))

  it.effect("a missing key variable or keySource keyring is a clear TokenStoreConfigError", () =>
    Effect.gen(function*() {
      const missing = yield* Effect.flip(build({ keyEnv: "NOT_SET_ANYWHERE" }).pipe(withEnv({})))
      assert.strictEqual(missing.path, "NOT_SET_ANYWHERE")
      assert.include(missing.message, "not set")
      const keyring = yield* Effect.flip(build({ keySource: "keyring" }))
      assert.strictEqual(keyring.path, "authentication.storage.keySource")
      assert.include(keyring.message, "not implemented")
    }))
})

describe("TokenManager over an encrypted TokenStore", () => {
  it.scoped("a wrong key: warning, fresh login, no crash; the new token overwrites the file", () => {
    const lines: Array<string> = []
    return captureLogs(
      Effect.gen(function*() {
        const file = path.join(tempDir(), "token.enc")
        yield* (yield* fileStore(file)).save(token(mintJwt(86400, "old"), 24 * HOUR))
        const key = hexKey()
        const fake = makeFakeGateway()
        const tm = yield* makeTokenManager(fake, { store: TokenStore.layerEncryptedFile({ path: file, key }).pipe(Layer.orDie) })
        assert.strictEqual(fake.count("login"), 1)
        assert.strictEqual(Redacted.value(yield* tm.get), fake.issued[0])
        assert.isTrue(lines.some((l) => l.includes("stored token unusable (Decrypt)") && l.includes("\"level\":\"WARN\"")))
        const reread = yield* (yield* fileStore(file, key)).load
        assert.isTrue(Option.isSome(reread) && Redacted.value(reread.value.token) === fake.issued[0])
      }),
      lines
    )
  })

  it.scoped("an old-format token file (no user or gateway) is discarded with a warning and a fresh login follows", () => {
    const lines: Array<string> = []
    return captureLogs(
      Effect.gen(function*() {
        const file = path.join(tempDir(), "token.enc")
        const key = hexKey()
        const old = mintJwt(20 * 3600, "written-by-an-older-version")
        writeOldFormat(file, key, old, 20 * HOUR)
        const fake = makeFakeGateway()
        const tm = yield* makeTokenManager(fake, { store: TokenStore.layerEncryptedFile({ path: file, key }).pipe(Layer.orDie) })
        assert.strictEqual(fake.count("login"), 1)
        assert.strictEqual(Redacted.value(yield* tm.get), fake.issued[0])
        assert.isTrue(lines.some((l) => l.includes("stored token discarded") && l.includes("\"level\":\"WARN\"")))
        const reread = Option.getOrThrow(yield* (yield* fileStore(file, key)).load)
        assert.strictEqual(Redacted.value(reread.token), fake.issued[0])
        assert.deepStrictEqual(reread.identity, { userName: "trader", baseUrl: "http://fake" })
      }),
      lines
    )
  })

  it.scoped("a restart reuses the token saved by the previous run (no second login)", () =>
    Effect.gen(function*() {
      const file = path.join(tempDir(), "token.enc")
      const key = hexKey()
      const layer = TokenStore.layerEncryptedFile({ path: file, key }).pipe(Layer.orDie)
      const fake = makeFakeGateway()
      const first = yield* Effect.scoped(Effect.flatMap(makeTokenManager(fake, { store: layer }), (tm) => tm.get))
      const second = yield* makeTokenManager(fake, { store: layer })
      assert.strictEqual(Redacted.value(yield* second.get), Redacted.value(first))
      assert.strictEqual(fake.count("login"), 1)
    }))
})
