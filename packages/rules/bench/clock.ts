/**
 * The bench's one clock: the process-wide monotonic clock in milliseconds
 * (`process.hrtime`), the same in the main thread and in a worker thread, so
 * a publish stamped by the simulator's thread and a receipt stamped by the
 * client's compare directly (`performance.now()` has one origin per thread).
 *
 * @internal
 */

/** Now, in milliseconds of the monotonic clock (nanosecond resolution). */
export const now = (): number => Number(process.hrtime.bigint()) / 1e6
