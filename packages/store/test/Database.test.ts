import { assert, describe, it } from "@effect/vitest"
import * as Reactivity from "@effect/experimental/Reactivity"
import * as SqlClient from "@effect/sql/SqlClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as fs from "node:fs"
import * as path from "node:path"
import { Database, StoreConfig } from "../src/index.js"
import { raw, readOnly, tempDir } from "./utils/files.js"

const tables = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`
  return rows.map((r) => r.name)
})

const version = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ v: number }>`SELECT MAX(migration_id) AS v FROM effect_sql_migrations`
  return rows[0]!.v
})

const pragma = (name: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql.unsafe<Record<string, unknown>>(`PRAGMA ${name}`)
    return Object.values(rows[0]!)[0]
  })

const open = <A, E>(input: StoreConfig.Input, use: Effect.Effect<A, E, SqlClient.SqlClient>) =>
  Effect.scoped(Layer.build(Database.layer(StoreConfig.make(input))).pipe(Effect.flatMap((ctx) => Effect.provide(use, ctx))))

const v2Tables = [
  "account_locks",
  "effect_sql_migrations",
  "enforcement_log",
  "fills",
  "leases",
  "order_attempts",
  "order_intents",
  "pending_enforcement_actions",
  "pnl_snapshots",
  "reconciliation_reports",
  "rule_state"
]

describe("Database", () => {
  it.scoped("an empty file (its directory created) is migrated to version 4, in WAL mode", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = path.join(dir, "nested", "deeper", "tradeguard.db")
      const [names, v, mode, sync, busy] = yield* open(
        { path: file },
        Effect.all([tables, version, pragma("journal_mode"), pragma("synchronous"), pragma("busy_timeout")])
      )
      assert.deepStrictEqual(names, v2Tables)
      assert.strictEqual(v, 4)
      assert.strictEqual(mode, "wal")
      assert.strictEqual(sync, 1) // NORMAL
      assert.strictEqual(busy, 5000)
      assert.isTrue(fs.existsSync(file))
    }))

  it.scoped("synchronous full and a busy timeout are applied", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const [sync, busy] = yield* open(
        { path: path.join(dir, "t.db"), synchronous: "full", busyTimeoutMs: 250 },
        Effect.all([pragma("synchronous"), pragma("busy_timeout")])
      )
      assert.strictEqual(sync, 2) // FULL
      assert.strictEqual(busy, 250)
    }))

  it.scoped("a version 1 database is migrated to 4 and keeps its rows", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = path.join(dir, "t.db")
      const names1 = yield* open({ path: file, schemaVersion: 1 }, tables)
      assert.isFalse(names1.includes("rule_state"))
      assert.isTrue(names1.includes("order_intents"))
      yield* raw(file, [
        "INSERT INTO enforcement_log (account_id, rule, action, detail, at) VALUES (7, 'dailyLoss', 'flatten', '{}', 1)"
      ])
      const [names2, v, kept] = yield* open(
        { path: file },
        Effect.all([tables, version, Effect.flatMap(SqlClient.SqlClient, (sql) => sql`SELECT account_id FROM enforcement_log`)])
      )
      assert.deepStrictEqual(names2, v2Tables)
      assert.strictEqual(v, 4)
      assert.deepStrictEqual(kept, [{ accountId: 7 }])
    }))

  it.scoped("a version 2 database is migrated to 4: its locks keep their rows, get rule manual and the end kind of their time", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = path.join(dir, "t.db")
      yield* open({ path: file, schemaVersion: 2 }, Effect.void)
      yield* raw(file, [
        "INSERT INTO account_locks (account_id, reason, locked_at, locked_until) VALUES (7, 'daily loss', 1, 500)",
        "INSERT INTO account_locks (account_id, reason, locked_at) VALUES (8, 'by hand', 2)"
      ])
      const [v, rows] = yield* open(
        { path: file },
        Effect.all([version, Effect.flatMap(SqlClient.SqlClient, (sql) => sql`SELECT * FROM account_locks ORDER BY account_id`)])
      )
      assert.strictEqual(v, 4)
      assert.deepStrictEqual(rows, [
        { accountId: 7, reason: "daily loss", lockedAt: 1, lockedUntil: 500, releasedAt: null, rule: "manual", endKind: "Until", releaseReason: null },
        { accountId: 8, reason: "by hand", lockedAt: 2, lockedUntil: null, releasedAt: null, rule: "manual", endKind: "Manual", releaseReason: null }
      ])
    }))

  it.scoped("reopening a version 4 database runs no migration again", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = path.join(dir, "t.db")
      yield* open({ path: file }, Effect.void)
      const rows = yield* open(
        { path: file },
        Effect.flatMap(SqlClient.SqlClient, (sql) => sql`SELECT migration_id FROM effect_sql_migrations ORDER BY 1`)
      )
      assert.deepStrictEqual(rows, [{ migrationId: 1 }, { migrationId: 2 }, { migrationId: 3 }, { migrationId: 4 }])
    }))

  it.scoped("a database of a newer version is refused, naming both versions, and the file is byte-identical after", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = path.join(dir, "t.db")
      yield* open({ path: file }, Effect.void)
      yield* raw(file, [
        "PRAGMA journal_mode = DELETE",
        "INSERT INTO effect_sql_migrations (migration_id, name) VALUES (5, 'future')"
      ])
      const before = fs.readFileSync(file)
      const error = yield* Effect.flip(open({ path: file }, Effect.void))
      assert.strictEqual(error._tag, "DatabaseVersionUnsupported")
      assert.deepInclude(error, { path: file, found: 5, supported: 4 })
      assert.include(error.message, "schema version 5")
      assert.include(error.message, "supported version 4")
      assert.isTrue(fs.readFileSync(file).equals(before))
      assert.deepStrictEqual(fs.readdirSync(dir), ["t.db"])
    }))

  it.scoped("a version 4 database is refused by a config that asks for version 1", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = path.join(dir, "t.db")
      yield* open({ path: file }, Effect.void)
      const error = yield* Effect.flip(open({ path: file, schemaVersion: 1 }, Effect.void))
      assert.deepInclude(error, { _tag: "DatabaseVersionUnsupported", found: 4, supported: 1 })
    }))

  it.scoped("a database with tables but no schema version is refused as unknown, untouched", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = path.join(dir, "t.db")
      yield* raw(file, ["CREATE TABLE somebody_elses (x INTEGER)"])
      const before = fs.readFileSync(file)
      const error = yield* Effect.flip(open({ path: file }, Effect.void))
      assert.deepInclude(error, { _tag: "DatabaseVersionUnsupported", found: "unknown", supported: 4 })
      assert.include(error.message, "not a tradeguard database")
      assert.isTrue(fs.readFileSync(file).equals(before))
    }))

  it.scoped("a corrupt file (garbage bytes) fails with DatabaseUnavailable Corrupt, no in-memory fallback, untouched", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = path.join(dir, "t.db")
      const garbage = Buffer.from("this is not an sqlite database, just garbage bytes ".repeat(100))
      fs.writeFileSync(file, garbage)
      const exit = yield* Effect.exit(open({ path: file }, tables))
      assert.isTrue(Exit.isFailure(exit))
      const error = yield* Effect.flip(open({ path: file }, tables))
      assert.deepInclude(error, { _tag: "DatabaseUnavailable", path: file, reason: "Corrupt" })
      assert.include(error.message, file)
      assert.include(error.message, "SQLITE_NOTADB")
      assert.isTrue(fs.readFileSync(file).equals(garbage))
    }))

  it.scoped("a read-only file fails with DatabaseUnavailable ReadOnly, no in-memory fallback", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = path.join(dir, "t.db")
      fs.writeFileSync(file, "")
      readOnly(file)
      const error = yield* Effect.flip(open({ path: file }, tables))
      assert.deepInclude(error, { _tag: "DatabaseUnavailable", path: file, reason: "ReadOnly" })
      assert.include(error.message, "SQLITE_READONLY")
    }))

  it.scoped("a file locked by another connection past busyTimeoutMs fails with DatabaseUnavailable Locked", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = path.join(dir, "t.db")
      yield* open({ path: file, schemaVersion: 1 }, Effect.void)
      const other = yield* SqliteClient.make({ filename: file, disableWAL: true }).pipe(Effect.provide(Reactivity.layer))
      yield* other.unsafe("BEGIN IMMEDIATE")
      yield* other.unsafe("INSERT INTO account_locks (account_id, reason, locked_at) VALUES (1, 'held', 0)")
      const error = yield* Effect.flip(open({ path: file, busyTimeoutMs: 50 }, tables))
      assert.deepInclude(error, { _tag: "DatabaseUnavailable", path: file, reason: "Locked" })
      assert.include(error.message, "SQLITE_BUSY")
      yield* other.unsafe("ROLLBACK")
    }))

  it.scoped("a directory that cannot be created fails with DatabaseUnavailable Io", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const blocker = path.join(dir, "file")
      fs.writeFileSync(blocker, "x")
      const error = yield* Effect.flip(open({ path: path.join(blocker, "sub", "t.db") }, tables))
      assert.deepInclude(error, { _tag: "DatabaseUnavailable", reason: "Io" })
    }))

  it.effect("layerMemory: a private database migrated to version 4", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* tables, v2Tables)
      assert.strictEqual(yield* version, 4)
    }).pipe(Effect.provide(Database.layerMemory())))

  it.effect("layerFromConfig reads the StoreConfig service", () =>
    Effect.gen(function*() {
      assert.isFalse((yield* tables).includes("rule_state"))
    }).pipe(
      Effect.provide(
        Database.layerFromConfig.pipe(Layer.provide(StoreConfig.layer({ path: ":memory:", schemaVersion: 1 })))
      )
    ))
})
