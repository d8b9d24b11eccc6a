/**
 * The packages as a consumer installs them: `pnpm -r pack` of the built
 * workspace, each tarball listed and its packed `package.json` read, plus
 * Node's own resolution of the public and the internal entry points. Needs
 * the build (`pnpm build`); fails with that advice when `dist` is missing.
 */
import { execFile, execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { packWorkspace, root, workspaceDirs } from "./utils/pack.js"

const app = path.join(root, "apps/risk")
const workspace = workspaceDirs()

interface Tarball {
  readonly dir: string
  readonly entries: ReadonlyArray<string>
  readonly manifest: {
    readonly name: string
    readonly private?: boolean
    readonly license?: string
    readonly bin?: Record<string, string>
    readonly exports: Record<string, unknown>
    readonly dependencies?: Record<string, string>
    readonly peerDependencies?: Record<string, string>
    readonly devDependencies?: Record<string, string>
  }
}

const tarballs = new Map<string, Tarball>()
let destination = ""

beforeAll(async () => {
  const packed = await packWorkspace()
  destination = packed.destination
  for (const { dir, file } of packed.packages) {
    const entries = execFileSync("tar", ["-tzf", file], { encoding: "utf8" }).split("\n").filter((l) => l !== "")
    const manifest = JSON.parse(execFileSync("tar", ["-xzOf", file, "package/package.json"], { encoding: "utf8" })) as Tarball["manifest"]
    tarballs.set(dir, { dir, entries, manifest })
  }
}, 300_000)

afterAll(() => {
  if (destination !== "") fs.rmSync(destination, { recursive: true, force: true })
})

const nodeImport = (specifier: string) =>
  new Promise<{ readonly code: number; readonly stdout: string; readonly stderr: string }>((resolve) =>
    execFile(
      process.execPath,
      ["--input-type=module", "-e", `const m = await import(${JSON.stringify(specifier)}); console.log(Object.keys(m).join(","))`],
      { cwd: app },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr })
    ))

describe("packed tarballs (pnpm -r pack)", { timeout: 120_000 }, () => {
  describe.each(workspace)("%s", (dir) => {
    const tarball = () => tarballs.get(dir)!

    it("ships no tests, benches, scripts, tsbuildinfo or tsconfig", () => {
      const leaked = tarball().entries.filter((e) =>
        /(^|\/)(test|bench|scripts)\//.test(e) || e.endsWith(".tsbuildinfo") || /(^|\/)tsconfig[^/]*\.json$/.test(e))
      expect(leaked).toEqual([])
    })

    it("ships README, LICENSE and the built entry point with its types", () => {
      expect(tarball().entries).toEqual(expect.arrayContaining([
        "package/README.md",
        "package/LICENSE",
        "package/package.json",
        "package/dist/src/index.js",
        "package/dist/src/index.d.ts"
      ]))
    })

    it("effect is a peer dependency, no workspace: specifier is left, publishable MIT", () => {
      const { manifest } = tarball()
      expect(manifest.peerDependencies?.["effect"]).toBe("^3.22.0")
      expect(manifest.dependencies?.["effect"]).toBeUndefined()
      const effectDeps = Object.keys(manifest.dependencies ?? {}).filter((n) => n === "effect" || n.startsWith("@effect/"))
      expect(effectDeps).toEqual([])
      const specifiers = [manifest.dependencies, manifest.peerDependencies, manifest.devDependencies]
        .flatMap((deps) => Object.values(deps ?? {}))
      expect(specifiers.filter((s) => s.startsWith("workspace:"))).toEqual([])
      expect(manifest.private).toBeUndefined()
      expect(manifest.license).toBe("MIT")
    })

    it("exports only public modules: no wildcard, no internal/*, every target in the tarball", () => {
      const { entries, manifest } = tarball()
      const keys = Object.keys(manifest.exports)
      expect(keys).toContain(".")
      expect(keys).toContain("./package.json")
      expect(keys.filter((k) => k.includes("*") || k.includes("internal"))).toEqual([])
      const targets = Object.values(manifest.exports).flatMap((t) =>
        typeof t === "string" ? [t] : Object.values(t as Record<string, string>))
      const absent = targets.filter((t) => !entries.includes(`package/${t.replace(/^\.\//, "")}`))
      expect(absent).toEqual([])
    })

    it("every namespace of the index has its subpath export (`<package>/<Module>`)", () => {
      const index = fs.readFileSync(path.join(root, dir, "src/index.ts"), "utf8")
      const modules = [...index.matchAll(/^export \* as \w+ from "\.\/(\w+)\.js"/gm)].map((m) => `./${m[1]}`)
      expect(modules.length).toBeGreaterThan(0)
      expect(modules.filter((m) => !(m in tarball().manifest.exports))).toEqual([])
    })
  })

  it("the simulator and the app ship their command (tradeguard-sim, tradeguard)", () => {
    const sim = tarballs.get("packages/simulator")!
    const risk = tarballs.get("apps/risk")!
    expect(sim.manifest.bin).toEqual({ "tradeguard-sim": "./bin/tradeguard-sim.js" })
    expect(risk.manifest.bin).toEqual({ tradeguard: "./bin/tradeguard.js" })
    expect(sim.entries).toEqual(expect.arrayContaining(["package/bin/tradeguard-sim.js", "package/dist/src/bin.js"]))
    expect(risk.entries).toEqual(expect.arrayContaining(["package/bin/tradeguard.js", "package/dist/src/bin.js"]))
  })
})

describe("module resolution from a consumer (apps/risk)", { timeout: 60_000 }, () => {
  it("@tradeguard/resilience/internal/jwt is not importable (ERR_PACKAGE_PATH_NOT_EXPORTED)", async () => {
    const r = await nodeImport("@tradeguard/resilience/internal/jwt")
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain("ERR_PACKAGE_PATH_NOT_EXPORTED")
  })

  it("@tradeguard/resilience and a public subpath load", async () => {
    const main = await nodeImport("@tradeguard/resilience")
    expect(main.stderr).toBe("")
    expect(main.code).toBe(0)
    expect(main.stdout).toContain("ResilientGateway")
    const sub = await nodeImport("@tradeguard/resilience/Retry")
    expect(sub.code).toBe(0)
  })
})

describe("vitest aliases (sources, no build)", () => {
  it("a public subpath import is the same module as the package's namespace export", async () => {
    const main = await import("@tradeguard/resilience")
    const sub = await import("@tradeguard/resilience/Retry")
    expect(sub).toBe(main.Retry)
  })
})
