/**
 * The declared hub subscriptions of one connection, in declaration order,
 * each once (same method and arguments = same subscription).
 *
 * @internal
 */

export interface Subscription {
  readonly method: string
  readonly args: ReadonlyArray<unknown>
}

export class SubscriptionRegistry {
  private readonly entries = new Map<string, Subscription>()

  /** Records a subscription; false when it was already declared. */
  add(method: string, args: ReadonlyArray<unknown>): boolean {
    const key = keyOf(method, args)
    if (this.entries.has(key)) return false
    this.entries.set(key, { method, args })
    return true
  }

  /** Forgets a subscription; false when it was not declared. */
  remove(method: string, args: ReadonlyArray<unknown>): boolean {
    return this.entries.delete(keyOf(method, args))
  }

  /** Every declared subscription, in declaration order. */
  all(): ReadonlyArray<Subscription> {
    return [...this.entries.values()]
  }
}

const keyOf = (method: string, args: ReadonlyArray<unknown>): string => JSON.stringify([method, ...args])

/** `SubscribeOrders` -> `UnsubscribeOrders`; undefined for a method without an Unsubscribe twin. */
export const unsubscribeMethod = (method: string): string | undefined =>
  method.startsWith("Subscribe") ? `Un${method.charAt(0).toLowerCase()}${method.slice(1)}` : undefined
