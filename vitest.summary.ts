import * as path from "node:path"
import type { RunnerTask, RunnerTestFile } from "vitest"
import type { Reporter } from "vitest/node"

interface FileCoverage {
  readonly toSummary: () => { lines: { covered: number; total: number }; branches: { covered: number; total: number } }
}
interface CoverageMap {
  readonly files: () => ReadonlyArray<string>
  readonly fileCoverageFor: (file: string) => FileCoverage
}

const pct = (covered: number, total: number) => (total === 0 ? 100 : (100 * covered) / total)
/** The coverage gate: lines and branches of each package's `src` (the thresholds of vitest.config.ts). */
export const coverageMinimum = 90

/**
 * Prints, after a run with coverage, one line per package (`coverage packages/gateway/src: lines 97.12 %,
 * branches 96.01 %`; a package below the gate counts as a failure), then, as the very last line of the
 * run, one plain closing line, `tests: N passed, N failed, N skipped`, that any CI can read.
 */
export default class SummaryReporter implements Reporter {
  private readonly count = { passed: 0, failed: 0, skipped: 0 }
  private printed = false

  constructor() {
    // Coverage and its threshold errors are reported after `onFinished`: the closing line goes out last.
    process.once("exit", () => this.close())
  }

  private close() {
    if (this.printed) return
    this.printed = true
    const { passed, failed, skipped } = this.count
    process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`)
  }

  onCoverage(coverage: unknown) {
    const map = coverage as CoverageMap
    if (typeof map?.files !== "function") return
    const perPackage = new Map<string, { lc: number; lt: number; bc: number; bt: number }>()
    for (const file of map.files()) {
      const rel = path.relative(process.cwd(), file).split(path.sep)
      const key = rel.slice(0, 3).join("/") // packages/<name>/src
      const s = map.fileCoverageFor(file).toSummary()
      const acc = perPackage.get(key) ?? { lc: 0, lt: 0, bc: 0, bt: 0 }
      acc.lc += s.lines.covered
      acc.lt += s.lines.total
      acc.bc += s.branches.covered
      acc.bt += s.branches.total
      perPackage.set(key, acc)
    }
    const lines = [...perPackage].sort(([a], [b]) => a.localeCompare(b)).map(([key, c]) => {
      const below = pct(c.lc, c.lt) < coverageMinimum || pct(c.bc, c.bt) < coverageMinimum
      if (below) this.count.failed++
      return `coverage ${key}: lines ${pct(c.lc, c.lt).toFixed(2)} %, branches ${pct(c.bc, c.bt).toFixed(2)} %` +
        (below ? ` (below the ${coverageMinimum} % gate)` : "")
    })
    process.stdout.write(`\n${lines.join("\n")}\n`)
  }

  onFinished(files: ReadonlyArray<RunnerTestFile> = [], errors: ReadonlyArray<unknown> = []) {
    const count = this.count
    const walk = (task: RunnerTask): void => {
      if (task.type === "suite") {
        task.tasks.forEach(walk)
        if (task.result?.state === "fail" && task.tasks.length === 0) count.failed++
        return
      }
      const state = task.result?.state
      if (state === "pass") count.passed++
      else if (state === "fail") count.failed++
      else count.skipped++
    }
    files.forEach(walk)
    // A file that failed to load (an empty failed suite, counted above) or an unhandled error is a failure too.
    count.failed += errors.length
  }
}
