import { afterEach } from "vitest"

/**
 * After every test, let the worker's event loop take one turn. Tests chain through promises
 * (microtasks), so a file of long synchronous properties (fast-check) would otherwise never let the
 * worker read the runner's RPC replies, and on a busy machine vitest reports
 * `Timeout calling "onTaskUpdate"` although every test passed.
 */
afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)))
