/**
 * The pure core of MarketData's hub downtime: since when a hub is down, from
 * its connection states as they come. Down = any state but `Connected`
 * (Disconnected, Connecting, Reconnecting, Closed): the first state that is
 * not Connected stamps the time; staying down keeps the first stamp;
 * Connected clears it.
 *
 * @internal
 */
import type { HubConnection } from "@tradeguard/realtime"

/** Whether a connection state counts as down. */
export const isDown = (state: HubConnection.ConnectionState): boolean => state._tag !== "Connected"

/** The epoch millis since which the hub is down after `state` was seen at `now` (undefined: up). */
export const downSince = (
  prev: number | undefined,
  state: HubConnection.ConnectionState,
  now: number
): number | undefined => isDown(state) ? prev ?? now : undefined
