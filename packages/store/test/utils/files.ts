import * as Reactivity from "@effect/experimental/Reactivity"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import * as Effect from "effect/Effect"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

/** A fresh temporary directory, removed (and made writable again) by the finalizer. */
export const tempDir = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "tradeguard-store-"))),
  (dir) =>
    Effect.sync(() => {
      for (const f of fs.readdirSync(dir)) writable(path.join(dir, f))
      fs.rmSync(dir, { recursive: true, force: true })
    })
)

const isRoot = process.getuid?.() === 0

/** Makes `file` read-only for this process (root ignores the mode bits: the immutable flag). */
export const readOnly = (file: string) => {
  if (isRoot) execFileSync("chattr", ["+i", file])
  else fs.chmodSync(file, 0o444)
}

/** Undoes {@link readOnly}. */
export const writable = (file: string) => {
  if (isRoot) {
    try {
      execFileSync("chattr", ["-i", file], { stdio: "ignore" })
    } catch {
      // not a file chattr knows: nothing to undo
    }
  } else fs.chmodSync(file, 0o644)
}

/** Runs raw statements on the file with a plain client (no WAL, no migrations): to forge files. */
export const raw = (file: string, statements: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const sql = yield* SqliteClient.make({ filename: file, disableWAL: true })
    for (const s of statements) yield* sql.unsafe(s)
  }).pipe(Effect.scoped, Effect.provide(Reactivity.layer), Effect.orDie)
