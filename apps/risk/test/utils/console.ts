/**
 * A Console that records what a program prints, line by line, on stdout and
 * stderr apart; everything else is the default Console's.
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"

export interface Captured {
  readonly out: Array<string>
  readonly err: Array<string>
}

const text = (args: ReadonlyArray<unknown>) => args.map(String).join(" ")

/** Runs `self` with a capturing Console; returns its result and the lines. */
export const captured = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<[A, Captured], E, R> =>
  Effect.gen(function*() {
    const lines: Captured = { out: [], err: [] }
    const base = yield* Effect.console
    const console: Console.Console = {
      ...base,
      log: (...args) => Effect.sync(() => void lines.out.push(text(args))),
      error: (...args) => Effect.sync(() => void lines.err.push(text(args)))
    }
    const a = yield* Effect.withConsole(self, console)
    return [a, lines]
  })
