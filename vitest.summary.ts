import type { RunnerTask, RunnerTestFile } from "vitest"
import type { Reporter } from "vitest/node"

/** Prints one plain closing line, `tests: N passed, N failed, N skipped`, that any CI can read. */
export default class SummaryReporter implements Reporter {
  onFinished(files: ReadonlyArray<RunnerTestFile> = [], errors: ReadonlyArray<unknown> = []) {
    const count = { passed: 0, failed: 0, skipped: 0 }
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
    process.stdout.write(`\ntests: ${count.passed} passed, ${count.failed} failed, ${count.skipped} skipped\n`)
  }
}
