/**
 * Test kit for consumers: the in-process ProjectX simulator and the whole
 * client stack under TestClock, fast documented settings for a simulated
 * trading day, and the cached account picture against the simulator's ground truth.
 *
 * @since 0.2.0
 */
/**
 * The stack on the in-process simulator, `fastSettings`, `advance`, the pictures.
 *
 * @since 0.2.0
 */
export * as TestStack from "./TestStack.js"
/**
 * The seeds of seeded (chaos) tests: a fixed sequence, chosen from the environment.
 *
 * @since 0.2.0
 */
export * as Seeds from "./Seeds.js"
