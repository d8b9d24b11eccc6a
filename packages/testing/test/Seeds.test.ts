import { assert, describe, it } from "@effect/vitest"
import { Seeds } from "../src/index.js"

describe("Seeds", () => {
  it("seedList is a fixed sequence of seeds in [1, 2^31)", () => {
    const five = Seeds.seedList(5)
    assert.deepStrictEqual(Seeds.seedList(3), five.slice(0, 3))
    assert.strictEqual(new Set(five).size, 5)
    assert.isTrue(five.every((s) => Number.isSafeInteger(s) && s >= 1 && s < 2 ** 31))
  })

  it("chaosSeeds: the environment's list, or that many of the sequence, else the defaults", () => {
    assert.deepStrictEqual(Seeds.chaosSeeds([7], {}), [7])
    assert.deepStrictEqual(Seeds.chaosSeeds([7], { TRADEGUARD_CHAOS_SEEDS: " 1, 42 " }), [1, 42])
    assert.deepStrictEqual(Seeds.chaosSeeds([7], { TRADEGUARD_CHAOS_SEED_COUNT: "4" }), Seeds.seedList(4))
    assert.deepStrictEqual(Seeds.chaosSeeds([7], { TRADEGUARD_CHAOS_SEEDS: "", TRADEGUARD_CHAOS_SEED_COUNT: "" }), [7])
  })

  it("chaosSeeds refuses a malformed value (a typo must not pass silently)", () => {
    assert.throws(() => Seeds.chaosSeeds([7], { TRADEGUARD_CHAOS_SEEDS: "7,x" }), /not a list of seeds/)
    assert.throws(() => Seeds.chaosSeeds([7], { TRADEGUARD_CHAOS_SEED_COUNT: "0" }), /not a count/)
  })
})

describe("Seeds.prng", () => {
  it("the same seed draws the same numbers in [0, 1); another seed others", () => {
    const draw = (seed: number) => {
      const r = Seeds.prng(seed)
      return Array.from({ length: 5 }, () => r())
    }
    assert.deepStrictEqual(draw(7), draw(7))
    assert.notDeepEqual(draw(7), draw(8))
    assert.isTrue(draw(42).every((x) => x >= 0 && x < 1))
  })
})
