/**
 * Small node:fs helpers wrapped in Effect: an atomic, fsynced, 0600 write and
 * a read that treats a missing file as none.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as crypto from "node:crypto"
import * as fs from "node:fs/promises"
import * as nodePath from "node:path"

const errorCode = (u: unknown): string | undefined =>
  typeof u === "object" && u !== null && "code" in u && typeof u.code === "string" ? u.code : undefined

const describe = (u: unknown): string => (u instanceof Error ? u.message : String(u))

/** The file's bytes, or none when it does not exist. */
export const readIfExists = (path: string): Effect.Effect<Option.Option<Buffer>, string> =>
  Effect.tryPromise({
    try: () => fs.readFile(path),
    catch: (u) => (errorCode(u) === "ENOENT" ? "ENOENT" : describe(u))
  }).pipe(
    Effect.map(Option.some),
    Effect.catchIf((e) => e === "ENOENT", () => Effect.succeed(Option.none()))
  )

/**
 * Writes `data` to `path` atomically: a temp file in the same directory
 * (created 0600), fsync, rename over `path`, fsync of the directory. The
 * directory is created (0700) if missing. No temp file is left behind on failure.
 */
export const writeAtomic = (path: string, data: Uint8Array, mode = 0o600): Effect.Effect<void, string> =>
  Effect.tryPromise({
    try: async () => {
      const dir = nodePath.dirname(path)
      await fs.mkdir(dir, { recursive: true, mode: 0o700 })
      const temp = nodePath.join(dir, `.${nodePath.basename(path)}.${crypto.randomBytes(6).toString("hex")}.tmp`)
      try {
        const handle = await fs.open(temp, "wx", mode)
        try {
          await handle.writeFile(data)
          await handle.sync()
        } finally {
          await handle.close()
        }
        await fs.chmod(temp, mode)
        await fs.rename(temp, path)
      } catch (e) {
        await fs.rm(temp, { force: true })
        throw e
      }
      const dirHandle = await fs.open(dir, "r").catch(() => undefined)
      if (dirHandle !== undefined) await dirHandle.sync().catch(() => undefined).finally(() => dirHandle.close())
    },
    catch: describe
  })

/** Removes `path`; a missing file is fine. */
export const remove = (path: string): Effect.Effect<void, string> =>
  Effect.tryPromise({ try: () => fs.rm(path, { force: true }), catch: describe })
