import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

/**
 * Writes `config.yaml` for a test daemon in `dir`: the token file and the database in `dir`, logging at ERROR, the
 * ops endpoint on any free port, then `lines` (e.g. the `risk:` section). Returns the file's path.
 */
export const writeDaemonConfig = (dir: string, lines: ReadonlyArray<string>): string => {
  const file = path.join(dir, "config.yaml")
  fs.writeFileSync(file, [
    `authentication: { storage: { path: ${JSON.stringify(path.join(dir, "token.enc"))} } }`,
    `database: { path: ${JSON.stringify(path.join(dir, "tradeguard.db"))} }`,
    "logging: { level: ERROR }",
    "ops: { port: 0 }",
    ...lines
  ].join("\n"))
  return file
}

/** {@link writeDaemonConfig} in a fresh temporary directory named after `prefix`. */
export const daemonConfig = (prefix: string, lines: ReadonlyArray<string>): { readonly dir: string; readonly file: string } => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tradeguard-${prefix}-`))
  return { dir, file: writeDaemonConfig(dir, lines) }
}
