/**
 * The negotiate step of a SignalR connection (`POST <hub>/negotiate`): a
 * connection id and a one-time connection token for the WebSocket that
 * follows with `?id=<connectionToken>`. Unused tokens are forgotten oldest
 * first past 10,000.
 *
 * @internal
 */
import type { HubName } from "./HubFaults.js"

interface Pending {
  readonly hub: HubName
  readonly userId: number
  readonly connectionId: string
}

export class Negotiations {
  private readonly pending = new Map<string, Pending>()

  /** Records a negotiation; returns the reply's ids. */
  issue(hub: HubName, userId: number, n: number, seed: number) {
    const connectionId = `${hub}-${n}`
    const connectionToken = `${hub}-token-${n}-${seed}`
    this.pending.set(connectionToken, { hub, userId, connectionId })
    if (this.pending.size > 10_000) this.pending.delete(this.pending.keys().next().value!)
    return { connectionId, connectionToken }
  }

  /** Uses a connection token of `hub` once; undefined when unknown. */
  take(connectionToken: string, hub: HubName): Pending | undefined {
    const p = this.pending.get(connectionToken)
    if (p === undefined || p.hub !== hub) return undefined
    this.pending.delete(connectionToken)
    return p
  }
}
