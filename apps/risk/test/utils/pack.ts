/**
 * Packs the built workspace as a consumer gets it: `pnpm -r pack` of every
 * workspace package (`packages/*`, `apps/*`: a new package is packed too) into
 * a fresh temporary directory. Shared by the packaging and the consumer tests,
 * so both look at the same tarballs.
 */
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"

const execFileAsync = promisify(execFile)

/** The repository root. */
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..")

/** One packed workspace package. */
export interface Packed {
  /** Its directory, relative to the root (`packages/resilience`). */
  readonly dir: string
  readonly name: string
  readonly version: string
  /** The tarball's absolute path. */
  readonly file: string
}

/** The workspace packages (`packages/*` and `apps/*` with a package.json), sorted. */
export const workspaceDirs = (): Array<string> =>
  ["packages", "apps"].flatMap((floor) =>
    fs.readdirSync(path.join(root, floor), { withFileTypes: true })
      .filter((d) => d.isDirectory() && fs.existsSync(path.join(root, floor, d.name, "package.json")))
      .map((d) => `${floor}/${d.name}`)
      .sort()
  )

/**
 * Packs every workspace package into a new temporary directory (`tradeguard-pack-*`; the caller
 * removes it). Needs the build: throws with that advice when a package has no `dist/src/index.js`.
 */
export const packWorkspace = async (): Promise<{ readonly destination: string; readonly packages: ReadonlyArray<Packed> }> => {
  const dirs = workspaceDirs()
  const missing = dirs.filter((dir) => !fs.existsSync(path.join(root, dir, "dist/src/index.js")))
  if (missing.length > 0) {
    throw new Error(`packing needs the build: run \`pnpm build\` first (no dist/src/index.js in ${missing.join(", ")})`)
  }
  const destination = fs.mkdtempSync(path.join(os.tmpdir(), "tradeguard-pack-"))
  // Asynchronous: a test worker blocked for long (a synchronous child) misses vitest's RPC deadline.
  await execFileAsync("npx", ["-y", "pnpm@10.34.8", "-r", "pack", "--pack-destination", destination], { cwd: root })
  const packages = dirs.map((dir): Packed => {
    const { name, version } = JSON.parse(fs.readFileSync(path.join(root, dir, "package.json"), "utf8")) as {
      name: string
      version: string
    }
    const file = path.join(destination, `${name.replace(/^@/, "").replace("/", "-")}-${version}.tgz`)
    if (!fs.existsSync(file)) throw new Error(`pnpm -r pack wrote no ${path.basename(file)} for ${dir}`)
    return { dir, name, version, file }
  })
  return { destination, packages }
}
