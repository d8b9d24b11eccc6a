/**
 * The schema, as `@effect/sql` Migrator migrations: `1_orders` (order
 * intents, their attempts, fills, the enforcement log, pending enforcement
 * actions, account locks) and `2_state` (per-account rule state, daily
 * unrealized PnL snapshots, reconciliation reports) and `3_lock_rules` (the
 * rule that set an account lock and how it ends) and `4_leases` (one row per
 * lease: who holds the database or a gateway user, since when, last
 * heartbeat). Timestamps are epoch
 * milliseconds (BIGINT), JSON is TEXT, no booleans: the statements are
 * portable to Postgres except the auto-numbered `id INTEGER PRIMARY KEY`
 * (SQLite's rowid; a Postgres layer writes `GENERATED ALWAYS AS IDENTITY`).
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"

const orders = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE order_intents (
    idempotency_key TEXT PRIMARY KEY NOT NULL,
    fingerprint TEXT NOT NULL,
    account_id BIGINT NOT NULL,
    contract_id TEXT NOT NULL,
    side INTEGER NOT NULL,
    order_type INTEGER NOT NULL,
    size INTEGER NOT NULL,
    limit_price DOUBLE PRECISION,
    stop_price DOUBLE PRECISION,
    trail_price DOUBLE PRECISION,
    brackets TEXT,
    status TEXT NOT NULL,
    outcome TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    expires_at BIGINT
  )`
  yield* sql`CREATE INDEX order_intents_status ON order_intents (status, updated_at)`
  yield* sql`CREATE TABLE order_attempts (
    custom_tag TEXT PRIMARY KEY NOT NULL,
    idempotency_key TEXT NOT NULL REFERENCES order_intents (idempotency_key) ON DELETE CASCADE,
    attempt_no INTEGER NOT NULL,
    gateway_order_id BIGINT,
    status TEXT NOT NULL,
    fill_volume INTEGER NOT NULL DEFAULT 0,
    average_fill_price DOUBLE PRECISION,
    outcome TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (idempotency_key, attempt_no)
  )`
  yield* sql`CREATE INDEX order_attempts_gateway_order_id ON order_attempts (gateway_order_id)`
  yield* sql`CREATE TABLE fills (
    trade_id BIGINT PRIMARY KEY NOT NULL,
    gateway_order_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    contract_id TEXT NOT NULL,
    side INTEGER NOT NULL,
    size INTEGER NOT NULL,
    price DOUBLE PRECISION NOT NULL,
    fees DOUBLE PRECISION,
    profit_and_loss DOUBLE PRECISION,
    at BIGINT NOT NULL
  )`
  yield* sql`CREATE INDEX fills_gateway_order_id ON fills (gateway_order_id)`
  yield* sql`CREATE TABLE enforcement_log (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL,
    rule TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL,
    at BIGINT NOT NULL
  )`
  yield* sql`CREATE INDEX enforcement_log_at ON enforcement_log (at)`
  yield* sql`CREATE TABLE pending_enforcement_actions (
    id TEXT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL,
    action TEXT NOT NULL,
    payload TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
  )`
  yield* sql`CREATE TABLE account_locks (
    account_id BIGINT PRIMARY KEY NOT NULL,
    reason TEXT NOT NULL,
    locked_at BIGINT NOT NULL,
    locked_until BIGINT,
    released_at BIGINT
  )`
})

const state = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE rule_state (
    account_id BIGINT NOT NULL,
    rule TEXT NOT NULL,
    state TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, rule)
  )`
  yield* sql`CREATE TABLE pnl_snapshots (
    account_id BIGINT NOT NULL,
    trading_day TEXT NOT NULL,
    unrealized DOUBLE PRECISION NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (account_id, at)
  )`
  yield* sql`CREATE INDEX pnl_snapshots_at ON pnl_snapshots (at)`
  yield* sql`CREATE TABLE reconciliation_reports (
    id INTEGER PRIMARY KEY,
    account_id BIGINT,
    report TEXT NOT NULL,
    at BIGINT NOT NULL
  )`
  yield* sql`CREATE INDEX reconciliation_reports_at ON reconciliation_reports (at)`
})

const lockRules = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  // the rule that set the lock (`manual` for the locks of version 2, which had none) and how it ends:
  // `NextTradingDay` (locked_until is the next trading-day start), `Until` (a time) or `Manual` (only unlock)
  yield* sql`ALTER TABLE account_locks ADD COLUMN rule TEXT NOT NULL DEFAULT 'manual'`
  yield* sql`ALTER TABLE account_locks ADD COLUMN end_kind TEXT NOT NULL DEFAULT 'Manual'`
  yield* sql`UPDATE account_locks SET end_kind = 'Until' WHERE locked_until IS NOT NULL`
  // why it was released (unlock's reason), for the audit of who ended it
  yield* sql`ALTER TABLE account_locks ADD COLUMN release_reason TEXT`
})

const leases = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  // one row per lease name (`database`, `user:<name>`); `owner` is the token of one acquisition
  yield* sql`CREATE TABLE leases (
    name TEXT PRIMARY KEY NOT NULL,
    owner TEXT NOT NULL,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    since BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL
  )`
})

/** Every migration by `<id>_<name>`, in order. */
export const all: ReadonlyArray<readonly [id: number, name: string, Effect.Effect<void, unknown, SqlClient.SqlClient>]> = [
  [1, "orders", orders],
  [2, "state", state],
  [3, "lock_rules", lockRules],
  [4, "leases", leases]
]

/** The migrations up to `version` as a `Migrator.fromRecord` record. */
export const upTo = (version: number): Record<string, Effect.Effect<void, unknown, SqlClient.SqlClient>> =>
  Object.fromEntries(all.filter(([id]) => id <= version).map(([id, name, run]) => [`${id}_${name}`, run]))

/** The table the Migrator records applied migrations in. */
export const table = "effect_sql_migrations"
