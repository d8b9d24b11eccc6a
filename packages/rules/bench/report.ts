/**
 * The bench's figures as text: p50/p99/max of the enforcement latency beside
 * the bare client's of the same run and their ratio, the quote rate reached,
 * the machine.
 *
 * @internal
 */
import type { Result } from "./harness.js"

/** The q-quantile of `samples` (nearest rank). */
export const quantile = (samples: ReadonlyArray<number>, q: number): number => {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN
}

const ms = (x: number) => `${x.toFixed(3)} ms`.padStart(11)
const ratio = (x: number, base: number) => `×${(x / base).toFixed(2)}`.padStart(7)

/** The report's lines. */
export const report = (
  r: Result,
  machine: { readonly cpus: number; readonly node: string; readonly load?: ReadonlyArray<number> }
): Array<string> => {
  const o = r.options
  const rate = r.quotes.seconds > 0 ? r.quotes.published / r.quotes.seconds : 0
  const receivedRate = r.quotes.seconds > 0 ? r.quotes.received / r.quotes.seconds : 0
  const row = (label: string, xs: ReadonlyArray<number>, base?: ReadonlyArray<number>) => {
    const [p50, p99, max] = [quantile(xs, 0.5), quantile(xs, 0.99), Math.max(...xs)]
    const vs = base === undefined
      ? ""
      : `  ${ratio(p50, quantile(base, 0.5))} ${ratio(p99, quantile(base, 0.99))} ${ratio(max, Math.max(...base))}`
    return `  ${label.padEnd(44)} ${ms(p50)} ${ms(p99)} ${ms(max)}${vs}`
  }
  const p99 = quantile(r.enforcement, 0.99)
  return [
    `enforcement latency: breaching quote published → first cancel/close request arrives at the simulator`,
    `loopback 127.0.0.1 (HTTP + SignalR), ${o.accounts} accounts x ${o.positions} positions watched, ` +
    `${o.samples} samples (+${o.warmup} warm-up), ${o.gapMs} ms between samples, node ${machine.node}, ${machine.cpus} cpus`,
    `quotes: target ${o.rate}/s; published ${r.quotes.published} in ${r.quotes.seconds.toFixed(1)} s = ${rate.toFixed(0)}/s; ` +
    `the bare client received ${r.quotes.received} = ${receivedRate.toFixed(0)}/s`,
    `this thread's event-loop delay over the samples (${o.worker ? "stack, guard and bare client; the simulator and the pump in a worker" : "simulator, pump, stack, guard and bare client share it"}): ` +
    `p50 ${r.eventLoop.p50.toFixed(1)} ms, p99 ${r.eventLoop.p99.toFixed(1)} ms, max ${r.eventLoop.max.toFixed(1)} ms; ` +
    `process CPU ${(r.cpu * 100).toFixed(0)} % of one core` +
    (machine.load === undefined ? "" : `; load average ${machine.load.map((x) => x.toFixed(2)).join(" ")}`),
    ``,
    `  ${"".padEnd(44)} ${"p50".padStart(11)} ${"p99".padStart(11)} ${"max".padStart(11)}  vs bare: p50     p99     max`,
    row("bare SignalR client: publish → receipt", r.bare),
    row("guard: publish → its HTTP request created", r.created, r.bare),
    row("guard: publish → first cancel/close arrives", r.enforcement, r.bare),
    ``,
    `p99 ${ms(p99).trim()} (target < 10 ms: ${p99 < 10 ? "met" : "MISSED"}); samples without a request: ${r.missed}; without the bare receipt: ${r.bareMissed}; ` +
    `requests beyond the first of a sample: ${r.extraRequests}; open positions at the end: ${r.openAtEnd} ` +
    `(of ${o.accounts * o.positions}); set-up ${r.setupSeconds.toFixed(1)} s, total ${r.seconds.toFixed(1)} s`
  ]
}
