/**
 * The chaos session's paces, apart from the session itself: the CLI shows them in `tradeguard chaos --help`
 * without loading the session's modules (and the simulator with them).
 *
 * @internal
 */

/** A retail trader's pace, user-hub events a second on average (with bursts). */
export const retailPace = 2

/** The default pace of `tradeguard chaos`. */
export const defaultPace = retailPace
