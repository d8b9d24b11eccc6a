/**
 * A business rejection (HTTP 200, `success: false`), named after the member
 * of the endpoint's error enum it stands for (`OrderRejected`,
 * `AccountNotFound`, ...). The REST layer turns the name into that endpoint's
 * number: `ContractNotFound` is 8 for PlaceOrder but 3 for ClosePosition.
 *
 * @since 0.1.0
 */
import { ErrorCodes } from "@tradeguard/gateway"
import * as Schema from "effect/Schema"

/**
 * A request the exchange refuses: a reason and a message, as the reply's error.
 *
 * @since 0.1.0
 */
export class Rejection extends Schema.TaggedError<Rejection>()("Rejection", {
  reason: Schema.String,
  message: Schema.String
}) {}

/**
 * The code of `reason` in the endpoint's enum. A reason the enum lacks maps to
 * its `UnknownError` (or 1 when it has none), so a reply is never "success".
 *
 * @since 0.1.0
 */
export const codeFor = (enumName: ErrorCodes.ErrorEnumName, reason: string): number => {
  const codes: ErrorCodes.ErrorEnum = ErrorCodes.all[enumName]
  return codes[reason] ?? codes["UnknownError"] ?? 1
}
