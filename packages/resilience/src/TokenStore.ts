/**
 * TokenStore: where the gateway token survives a restart. A port with two
 * implementations, chosen by `authentication.storage.type`:
 *
 * - `encrypted` ({@link layerEncryptedFile}): AES-256-GCM (node:crypto), the
 *   key from the environment variable `authentication.storage.keyEnv`
 *   (32 bytes as 64 hex characters or base64), a fresh random IV per write,
 *   the auth tag verified on read, the file written 0600 and atomically
 *   (temp file in the same directory, fsync, rename).
 * - `memory` ({@link layerMemory}): for tests and for users who prefer a fresh
 *   login at every start.
 *
 * When to use: TokenManager needs one; provide {@link layer} (from config) in
 * a program, {@link layerMemory} in tests.
 *
 * Gotchas: a wrong key, a truncated or tampered file fail `load` with a typed
 * {@link TokenStoreError}; TokenManager logs a warning and logs in afresh.
 * Errors and logs never carry the token or the key.
 * - A record carries its {@link TokenIdentity} (user and gateway), inside the
 *   authenticated ciphertext in the file. A store only keeps it; TokenManager
 *   compares it and discards a record of another user or gateway, or one that
 *   names none (a file written before identities: format 1, still readable).
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import { ResilienceConfig } from "./Config.js"
import * as AtomicFile from "./internal/atomicFile.js"
import * as Crypto from "./internal/crypto.js"

/**
 * The user and the gateway a token was issued for.
 *
 * @since 0.1.0
 */
export interface TokenIdentity {
  /** `PROJECTX_USERNAME` at login. */
  readonly userName: string
  /** The gateway's base URL (`api.baseUrl`) at login, normalised: lower-case scheme and host, no trailing slash. */
  readonly baseUrl: string
}

/**
 * A token with its metadata, as stored.
 *
 * @since 0.1.0
 */
export interface StoredToken {
  readonly token: Redacted.Redacted<string>
  /** Epoch millis of the JWT's `exp`. */
  readonly expiresAt: number
  /** Epoch millis at which it was obtained. */
  readonly obtainedAt: number
  /** Whose token it is; absent in a record written before identities (TokenManager discards such a record). */
  readonly identity?: TokenIdentity
}

/**
 * Reading or writing the store failed. `reason`: `Io` (filesystem), `Corrupt` (not a token file), `Decrypt` (wrong key, truncated or tampered).
 *
 * @since 0.1.0
 */
export class TokenStoreError extends Schema.TaggedError<TokenStoreError>()("TokenStoreError", {
  reason: Schema.Literal("Io", "Corrupt", "Decrypt"),
  path: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `token store ${this.path}: ${this.reason}: ${this.detail}`
  }
}

/**
 * The store cannot be built from the configuration (missing or malformed key, unsupported key source).
 *
 * @since 0.1.0
 */
export class TokenStoreConfigError extends Schema.TaggedError<TokenStoreConfigError>()("TokenStoreConfigError", {
  /** The config path or environment variable at fault. */
  path: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `${this.path}: ${this.detail}`
  }
}

/**
 * Where the token is kept between runs: load, save, clear.
 *
 * @since 0.1.0
 */
export interface Service {
  /** The stored token, or none when nothing is stored. */
  readonly load: Effect.Effect<Option.Option<StoredToken>, TokenStoreError>
  readonly save: (token: StoredToken) => Effect.Effect<void, TokenStoreError>
  readonly clear: Effect.Effect<void, TokenStoreError>
}

/**
 * The token store's tag (memory, or an encrypted file).
 *
 * @since 0.1.0
 */
export class TokenStore extends Context.Tag("@tradeguard/resilience/TokenStore")<TokenStore, Service>() {}

// ---------------------------------------------------------------- memory

/**
 * An in-memory store, optionally holding `initial`.
 *
 * @since 0.1.0
 */
export const makeMemory = (initial?: StoredToken): Effect.Effect<Service> =>
  Effect.map(Ref.make(Option.fromNullable(initial)), (ref) => ({
    load: Ref.get(ref),
    save: (token) => Ref.set(ref, Option.some(token)),
    clear: Ref.set(ref, Option.none())
  }))

/**
 * An empty in-memory store.
 *
 * @since 0.1.0
 */
export const layerMemory: Layer.Layer<TokenStore> = Layer.effect(TokenStore, makeMemory())

/**
 * An in-memory store holding `initial` (tests: "a token was stored by an earlier run").
 *
 * @since 0.1.0
 */
export const layerMemoryWith = (initial: StoredToken): Layer.Layer<TokenStore> =>
  Layer.effect(TokenStore, makeMemory(initial))

// ---------------------------------------------------------------- encrypted file

const Fields = { token: Schema.NonEmptyString, expiresAt: Schema.Number, obtainedAt: Schema.Number }
/** Format 1 (no identity) is still read; format 2 is written, the identity inside the sealed (authenticated) payload. */
const Payload = Schema.parseJson(Schema.Union(
  Schema.Struct({ v: Schema.Literal(1), ...Fields }),
  Schema.Struct({
    v: Schema.Literal(2),
    ...Fields,
    identity: Schema.optional(Schema.Struct({ userName: Schema.String, baseUrl: Schema.String }))
  })
))
const decodePayload = Schema.decodeUnknownEither(Payload)
const encodePayload = Schema.encodeSync(Payload)

/**
 * The token file and its encryption key.
 *
 * @since 0.1.0
 */
export interface EncryptedFileOptions {
  /** The token file; its directory is created if missing. */
  readonly path: string
  /** 32 bytes: 64 hex characters or base64, as text (from the environment), or the raw bytes. */
  readonly key: Redacted.Redacted<string> | Redacted.Redacted<Uint8Array>
  /** Names the key's origin in a config error (default `key`). */
  readonly keyName?: string
}

/**
 * An AES-256-GCM encrypted file store. Fails with TokenStoreConfigError on a malformed key.
 *
 * @since 0.1.0
 */
export const makeEncryptedFile = (options: EncryptedFileOptions): Effect.Effect<Service, TokenStoreConfigError> =>
  Effect.gen(function*() {
    const raw = Redacted.value(options.key as Redacted.Redacted<string | Uint8Array>)
    const key = typeof raw === "string" ? Crypto.parseKey(raw) : raw.length === 32 ? Buffer.from(raw) : undefined
    if (key === undefined) {
      return yield* new TokenStoreConfigError({
        path: options.keyName ?? "key",
        detail: "expected a 32-byte key: 64 hex characters or base64 (generate one with `openssl rand -hex 32`)"
      })
    }
    const path = options.path
    const fail = (reason: TokenStoreError["reason"], detail: string) => new TokenStoreError({ reason, path, detail })

    const load = Effect.gen(function*() {
      const blob = yield* AtomicFile.readIfExists(path).pipe(Effect.mapError((d) => fail("Io", d)))
      if (Option.isNone(blob)) return Option.none<StoredToken>()
      const opened = Crypto.open(key, blob.value)
      if (!("ok" in opened)) return yield* fail(opened.reason, opened.detail)
      const decoded = decodePayload(opened.ok.toString("utf8"))
      if (decoded._tag === "Left") return yield* fail("Corrupt", "decrypted, but not a token record")
      const { expiresAt, obtainedAt, token } = decoded.right
      const identity = decoded.right.v === 2 ? decoded.right.identity : undefined
      return Option.some<StoredToken>({
        token: Redacted.make(token),
        expiresAt,
        obtainedAt,
        ...(identity === undefined ? {} : { identity })
      })
    })

    const save = (token: StoredToken) =>
      Effect.suspend(() => {
        const plaintext = encodePayload({
          v: 2,
          token: Redacted.value(token.token),
          expiresAt: token.expiresAt,
          obtainedAt: token.obtainedAt,
          ...(token.identity === undefined
            ? {}
            : { identity: { userName: token.identity.userName, baseUrl: token.identity.baseUrl } })
        })
        return AtomicFile.writeAtomic(path, Crypto.seal(key, Buffer.from(plaintext, "utf8")))
      }).pipe(Effect.mapError((d) => fail("Io", d)))

    const clear = AtomicFile.remove(path).pipe(Effect.mapError((d) => fail("Io", d)))

    return { load, save, clear } satisfies Service
  })

/**
 * An AES-256-GCM encrypted file store at `path` with `key`.
 *
 * @since 0.1.0
 */
export const layerEncryptedFile = (options: EncryptedFileOptions): Layer.Layer<TokenStore, TokenStoreConfigError> =>
  Layer.effect(TokenStore, makeEncryptedFile(options))

/**
 * Why `authentication.storage` cannot be built, or undefined when it can: `keySource: keyring` is not
 * implemented. `make` fails with it at start-up; `config check` reports it before.
 *
 * @since 0.1.0
 */
export const storageProblem = (
  storage: { readonly type: string; readonly keySource: string; readonly keyEnv: string }
): string | undefined =>
  storage.type === "encrypted" && storage.keySource !== "environment"
    ? `"${storage.keySource}" is not implemented; use "environment" (the key in $${storage.keyEnv}) or storage.type "memory"`
    : undefined

/**
 * The store `authentication.storage` asks for: `memory`, or `encrypted` with
 * the key read (as `Config.redacted`) from the environment variable named by
 * `storage.keyEnv`. `keySource: keyring` is not implemented: a config error.
 *
 * @since 0.1.0
 */
export const make: Effect.Effect<Service, TokenStoreConfigError, ResilienceConfig> = Effect.gen(function*() {
  const { storage } = (yield* ResilienceConfig).authentication
  if (storage.type === "memory") return yield* makeMemory()
  const problem = storageProblem(storage)
  if (problem !== undefined) {
    return yield* new TokenStoreConfigError({ path: "authentication.storage.keySource", detail: problem })
  }
  const key = yield* Config.redacted(storage.keyEnv).pipe(
    Effect.mapError(() =>
      new TokenStoreConfigError({
        path: storage.keyEnv,
        detail:
          "environment variable not set: the token-file key (32 bytes, 64 hex characters or base64; `openssl rand -hex 32`)"
      })
    )
  )
  return yield* makeEncryptedFile({ path: storage.path, key, keyName: storage.keyEnv })
})

/**
 * The store chosen by `authentication.storage` (see {@link make}).
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<TokenStore, TokenStoreConfigError, ResilienceConfig> = Layer.effect(TokenStore, make)
