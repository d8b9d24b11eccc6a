/**
 * The compiled harness (`submit.ts` → `dist/test/harness/submit.js`) as a real child process: started with
 * async `spawn` (never a synchronous child: vitest's worker would miss its RPC), its JSON lines collected,
 * SIGKILLed by the test or at the end of the scope. {@link built} rebuilds the package (`tsc -b`) first when
 * a source is newer than the compiled harness.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { eventually } from "./loopback.js"

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..")
const root = path.resolve(pkg, "../..")
/** The compiled harness. */
export const script = path.join(pkg, "dist/test/harness/submit.js")

const newest = (dir: string): number =>
  Math.max(0, ...fs.readdirSync(dir, { withFileTypes: true }).map((e) => {
    const p = path.join(dir, e.name)
    return e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs
  }))

const run = (command: string, args: ReadonlyArray<string>) =>
  Effect.async<void, Error>((resume) => {
    const child = spawn(command, args, { cwd: root, stdio: ["ignore", "inherit", "inherit"] })
    child.on("exit", (code) => resume(code === 0 ? Effect.void : Effect.fail(new Error(`${command} ${args.join(" ")}: exit ${code}`))))
  })

/** The packages the compiled harness runs (the last one holds it), each with what its build is made from. */
const builds = ["gateway", "resilience", "realtime", "runtime", "store", "orders"].map((p) => ({
  info: path.join(root, "packages", p, "dist/.tsbuildinfo"),
  sources: p === "orders" ? [path.join(pkg, "src"), path.join(pkg, "test/harness")] : [path.join(root, "packages", p, "src")]
}))

/** Rebuilds the package (and what it references) when the harness is missing or a build is older than its sources. */
export const built: Effect.Effect<void, Error> = Effect.suspend(() => {
  const stale = !fs.existsSync(script) ||
    builds.some((b) => !fs.existsSync(b.info) || fs.statSync(b.info).mtimeMs < Math.max(...b.sources.map(newest)))
  return stale ? run(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-b", pkg]) : Effect.void
})

/** A running harness. */
export interface Harness {
  /** The JSON lines it printed so far. */
  readonly lines: Array<Record<string, unknown>>
  /** What it wrote on stderr so far. */
  readonly stderr: () => string
  /** Its exit code (null: killed by a signal), once it exited. */
  readonly exited: Effect.Effect<number | null>
  /** Sends SIGKILL and waits until it is gone. */
  readonly kill: Effect.Effect<void>
}

/** Starts the harness with `args`; SIGKILLed when the scope closes (if still running). */
export const start = (args: ReadonlyArray<string>): Effect.Effect<Harness, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const child: ChildProcess = spawn(process.execPath, [script, ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] })
      const lines: Array<Record<string, unknown>> = []
      let out = ""
      let err = ""
      let code: number | null | undefined
      const waiters: Array<() => void> = []
      child.stdout!.on("data", (chunk: Buffer) => {
        out += chunk.toString()
        const parts = out.split("\n")
        out = parts.pop()!
        for (const p of parts) if (p.startsWith("{")) lines.push(JSON.parse(p) as Record<string, unknown>)
      })
      child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()))
      child.on("exit", (c) => {
        code = c
        for (const w of waiters.splice(0)) w()
      })
      const exited = Effect.async<number | null>((resume) => {
        if (code !== undefined) return resume(Effect.succeed(code))
        waiters.push(() => resume(Effect.succeed(code ?? null)))
      })
      const kill = Effect.suspend(() => {
        if (code === undefined) child.kill("SIGKILL")
        return Effect.asVoid(exited)
      })
      return { lines, stderr: () => err, exited, kill } satisfies Harness
    }),
    (h) => h.kill
  )

/** Waits until the harness printed a line with `field`, and returns its value. */
export const line = (h: Harness, field: string): Effect.Effect<unknown> =>
  eventually(() => `the harness prints "${field}" (stderr: ${h.stderr().slice(-2000)})`, Effect.sync(() => h.lines.some((l) => field in l))).pipe(
    Effect.map(() => h.lines.find((l) => field in l)![field])
  )
