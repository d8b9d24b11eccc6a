/**
 * The outcomes of the verified operations on orders and positions: cancel, modify and closeContract. Like a
 * placement, an ambiguous answer is verified (the order or the position is looked up) before anything is
 * sent again, and an outcome that stays unknown is `Verifying`, never a guess.
 *
 * @since 0.2.0
 */
import type { Enums } from "@tradeguard/gateway"

/**
 * The operation is done: the order is cancelled or modified, or the position is flat.
 *
 * @since 0.2.0
 */
export interface Done {
  readonly _tag: "Done"
  /** `true` when there was nothing to do (a close of a position already flat). */
  readonly already: boolean
}

/**
 * The order was already closed (filled, cancelled, expired, rejected) when the cancel or modify came.
 *
 * @since 0.2.0
 */
export interface OrderClosed {
  readonly _tag: "OrderClosed"
  readonly status: Enums.OrderStatus
}

/**
 * A business rejection with the gateway's `errorCode`, verified: the state it asked for was not reached.
 *
 * @since 0.2.0
 */
export interface Rejected {
  readonly _tag: "Rejected"
  readonly errorCode: number
  readonly message?: string
}

/**
 * Still unknown after every verification round: an alert is raised and the operation keeps being verified
 * (and resent once proven not applied) on a schedule.
 *
 * @since 0.2.0
 */
export interface Verifying {
  readonly _tag: "Verifying"
  readonly reason: string
}

/**
 * Not sent: the circuit is open, the queue is full, the login failed, or the request is invalid.
 *
 * @since 0.2.0
 */
export interface Failed {
  readonly _tag: "Failed"
  readonly reason: string
}

/**
 * What cancel and modify answer.
 *
 * @since 0.2.0
 */
export type OrderOutcome = Done | OrderClosed | Rejected | Verifying | Failed

/**
 * What closeContract answers.
 *
 * @since 0.2.0
 */
export type CloseOutcome = Done | Rejected | Verifying | Failed
