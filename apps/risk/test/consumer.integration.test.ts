/**
 * examples/consumer as a user gets it: every workspace package packed
 * (`pnpm -r pack`), the tarballs installed with npm into a temporary copy of
 * the example, once with the lockfile's effect and once with another pinned
 * 3.22.x patch. Each install must compile (the workspace's `tsc`, NodeNext),
 * hold exactly one copy of effect, run against the simulator of the installed
 * tarball (log in, list accounts, place a MARKET order with a customTag, see
 * it filled in AccountState) without a multiple-versions warning, and refuse
 * `internal/*` imports. Needs the build (`pnpm build`) and the npm registry.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as YAML from "yaml"
import { packWorkspace, type Packed, root } from "./utils/pack.js"

const example = path.join(root, "examples/consumer")
const tsc = path.join(root, "node_modules/typescript/bin/tsc")

interface Lockfile {
  readonly packages: Record<string, { readonly peerDependencies?: Record<string, string> }>
}
const lockfile = YAML.parse(fs.readFileSync(path.join(root, "pnpm-lock.yaml"), "utf8")) as Lockfile

/** The single version of `name` in pnpm-lock.yaml's packages (throws when there is none or several). */
const lockfileVersion = (name: string): string => {
  const found = Object.keys(lockfile.packages).filter((k) => k.startsWith(`${name}@`)).map((k) => k.slice(name.length + 1))
  if (found.length !== 1) throw new Error(`pnpm-lock.yaml holds ${found.length} versions of ${name}: ${found.join(", ")}`)
  return found[0]!
}

/** The version of `name` the workspace root installed (the lockfile may hold others, for tools). */
const workspaceVersion = (name: string): string =>
  (JSON.parse(fs.readFileSync(path.join(root, "node_modules", name, "package.json"), "utf8")) as { version: string }).version

/**
 * `names` and the `@effect/*` peers they need, transitively, each at its lockfile version
 * (`@effect/platform-node` needs `@effect/cluster`, `@effect/rpc`, ...): npm would otherwise
 * resolve those peers to whatever is newest on the registry.
 */
const lockedEffectPackages = (names: ReadonlyArray<string>): Record<string, string> => {
  const out: Record<string, string> = {}
  const visit = (name: string) => {
    if (out[name] !== undefined) return
    const version = lockfileVersion(name)
    out[name] = version
    const peers = lockfile.packages[`${name}@${version}`]?.peerDependencies ?? {}
    for (const peer of Object.keys(peers)) if (peer.startsWith("@effect/")) visit(peer)
  }
  for (const name of names) visit(name)
  return out
}

const lockedEffect = lockfileVersion("effect")
/** Another existing 3.22.x patch (@effect/platform 0.97.2 needs effect ^3.22.2). */
const otherEffect = lockedEffect === "3.22.3" ? "3.22.2" : "3.22.3"

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

const children = new Set<ChildProcess>()
/** The consumer copies not removed yet (the tarballs' directory is removed last, see below). */
const temporary: Array<string> = []
let tarballsDir = ""

/** The npm settings kept from the environment: where the registry is and how to reach it. */
const keptNpmSettings = /^npm_config_(registry|cafile|cache|userconfig|(https?_|no)?proxy)$/i

/**
 * The environment without the npm_* variables that `pnpm test` / `npx` set for their scripts
 * (npm would read them: `npm_config_local_prefix` would point the install at the repository).
 */
const cleanEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) || keptNpmSettings.test(k))),
  ...extra
})

/** Runs a command to its end; never rejects (the exit code and output are the result). */
const run = (command: string, args: ReadonlyArray<string>, cwd: string, env = cleanEnv()): Promise<Run> =>
  new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] })
    children.add(child)
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    child.on("error", (e) => (stderr += String(e)))
    child.on("close", (code) => {
      children.delete(child)
      resolve({ code, stdout, stderr })
    })
  })

/** Starts the installed `tradeguard-sim --port 0` and resolves with its base URL once it listens. */
const startSimulator = (dir: string): Promise<{ readonly url: string; readonly child: ChildProcess }> =>
  new Promise((resolve, reject) => {
    const child = spawn(path.join(dir, "node_modules/.bin/tradeguard-sim"), ["--port", "0"], {
      cwd: dir,
      env: cleanEnv(),
      stdio: ["ignore", "pipe", "pipe"]
    })
    children.add(child)
    let out = ""
    let err = ""
    const timer = setTimeout(() => reject(new Error(`the simulator did not start: ${out}${err}`)), 20_000)
    child.stderr.on("data", (d: Buffer) => (err += d.toString()))
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString()
      const m = /simulator listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (m !== null) {
        clearTimeout(timer)
        resolve({ url: m[1]!, child })
      }
    })
    child.on("exit", (code) => {
      children.delete(child)
      clearTimeout(timer)
      reject(new Error(`the simulator exited (${code}): ${out}${err}`))
    })
  })

/** A copy of examples/consumer whose dependencies are the tarballs and the pinned effect. */
const prepareConsumer = (packed: ReadonlyArray<Packed>, effect: string): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tradeguard-consumer-${effect}-`))
  temporary.push(dir)
  fs.cpSync(example, dir, {
    recursive: true,
    filter: (src) => !/(^|[/\\])(node_modules|dist)([/\\]|$)/.test(path.relative(example, src))
  })
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as {
    readonly dependencies?: Record<string, string>
    readonly devDependencies?: Record<string, string>
  }
  const declared = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies }).filter((n) => n !== "typescript")
  const tarballs = Object.fromEntries(packed.map((p) => [p.name, `file:${p.file}`]))
  const effects = lockedEffectPackages(declared.filter((n) => n.startsWith("@effect/")))
  const dependencies = {
    ...effects,
    ...Object.fromEntries(declared.filter((n) => !n.startsWith("@effect/") && n !== "effect").map((n) => {
      if (n === "@types/node") return [n, workspaceVersion("@types/node")]
      const tarball = tarballs[n]
      if (tarball === undefined) throw new Error(`examples/consumer depends on ${n}: no workspace tarball for it`)
      return [n, tarball]
    })),
    effect
  }
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ ...manifest, dependencies, devDependencies: {} }, null, 2))
  return dir
}

/** Every installed package named `effect`: the package.json files under node_modules. */
const effectCopies = (dir: string): Array<{ readonly at: string; readonly version: string }> => {
  const copies: Array<{ at: string; version: string }> = []
  const walk = (modules: string) => {
    if (!fs.existsSync(modules)) return
    for (const entry of fs.readdirSync(modules, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith(".")) continue
      const pkgs = entry.name.startsWith("@")
        ? fs.readdirSync(path.join(modules, entry.name)).map((n) => path.join(modules, entry.name, n))
        : [path.join(modules, entry.name)]
      for (const pkg of pkgs) {
        const manifest = path.join(pkg, "package.json")
        if (fs.existsSync(manifest)) {
          const { name, version } = JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: string; version: string }
          if (name === "effect") copies.push({ at: path.relative(dir, pkg), version })
        }
        walk(path.join(pkg, "node_modules"))
      }
    }
  }
  walk(path.join(dir, "node_modules"))
  return copies
}

let packed: ReadonlyArray<Packed> = []
let installs = 0

beforeAll(async () => {
  const result = await packWorkspace()
  tarballsDir = result.destination
  packed = result.packages
}, 300_000)

/** Kills what is still running and removes the consumer copies (a node_modules is thousands of files). */
const cleanUp = async () => {
  for (const child of children) child.kill("SIGKILL")
  await Promise.all(temporary.splice(0).map((dir) => fs.promises.rm(dir, { recursive: true, force: true })))
}

afterAll(async () => {
  await cleanUp()
  if (tarballsDir !== "") await fs.promises.rm(tarballsDir, { recursive: true, force: true })
}, 120_000)

describe.each([lockedEffect, otherEffect])("examples/consumer with effect %s", { timeout: 120_000 }, (effect) => {
  let dir = ""
  let install: Run = { code: null, stdout: "", stderr: "" }

  beforeAll(async () => {
    dir = prepareConsumer(packed, effect)
    const offline = installs++ > 0 ? ["--prefer-offline"] : []
    install = await run("npm", ["install", "--no-audit", "--no-fund", ...offline], dir)
  }, 180_000)

  // Each copy is removed as soon as its checks are done, even when they failed.
  afterAll(cleanUp, 120_000)

  it("npm installs the tarballs with no peer-dependency conflict", () => {
    expect(install.stderr.match(/.*(ERESOLVE|peer dep|conflicting peer|invalid:).*/gi) ?? []).toEqual([])
    expect(install.code, install.stderr).toBe(0)
  })

  it("node_modules holds exactly one copy of effect, the pinned one", () => {
    expect(effectCopies(dir)).toEqual([{ at: path.join("node_modules", "effect"), version: effect }])
  })

  it("compiles with tsc (NodeNext, strict): no type errors", async () => {
    const r = await run(process.execPath, [tsc, "-p", "."], dir)
    expect(r.stdout + r.stderr).toBe("")
    expect(r.code).toBe(0)
  })

  it("logs in, lists accounts, places an order with a customTag and sees it filled, with no version warning", async () => {
    const sim = await startSimulator(dir)
    try {
      const r = await run(process.execPath, ["dist/main.js"], dir, cleanEnv({
        TRADEGUARD_BASE_URL: sim.url,
        PROJECTX_USERNAME: "demo",
        PROJECTX_API_KEY: "demo-api-key"
      }))
      expect(r.stdout + r.stderr).not.toMatch(/Executing an Effect versioned|multiple versions|version mismatch/i)
      expect(r.code, r.stderr).toBe(0)
      const lines = r.stdout.split("\n").filter((l) => l.trim() !== "")
      expect(lines).toHaveLength(1)
      const seen = JSON.parse(lines[0]!) as { accounts: number; customTag: string; filled: boolean; orderId: number }
      expect(seen.accounts).toBeGreaterThanOrEqual(1)
      expect(seen.filled).toBe(true)
      expect(seen.customTag).toMatch(/^consumer-\d+-\d+$/)
      expect(typeof seen.orderId).toBe("number")
    } finally {
      sim.child.kill("SIGTERM")
    }
  })

  it("@tradeguard/resilience/internal/jwt is not importable, @tradeguard/resilience is", async () => {
    const load = (specifier: string) =>
      run(process.execPath, ["--input-type=module", "-e", `await import(${JSON.stringify(specifier)})`], dir)
    const internal = await load("@tradeguard/resilience/internal/jwt")
    expect(internal.code).not.toBe(0)
    expect(internal.stderr).toContain("ERR_PACKAGE_PATH_NOT_EXPORTED")
    const main = await load("@tradeguard/resilience")
    expect(main.stderr).toBe("")
    expect(main.code).toBe(0)
  })
})
