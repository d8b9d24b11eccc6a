import * as Schema from "effect/Schema"

/** A command failed: `message` goes to stderr, the process exits with `code`. */
export class CommandFailed extends Schema.TaggedError<CommandFailed>()("CommandFailed", {
  message: Schema.String,
  code: Schema.Number
}) {}
