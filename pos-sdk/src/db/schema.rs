//! The facade's tables. The fiscal journal's tables (`fiscal_*`) are created
//! and versioned by pos-fiscal itself, in the same file.
//!
//! Documents are stored whole as JSON (the exact value the domain produced,
//! decimals as strings) next to the columns that queries need. Ledgers are
//! append-only rows; the levels and balances derived from them are maintained
//! in the same transaction so that a read is one indexed lookup.

/// The schema version this build writes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: u32 = 6;

/// Migration `i` takes the file from version `i` to `i + 1`.
pub(super) const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    "
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );

    CREATE TABLE catalog (
        id          INTEGER PRIMARY KEY CHECK (id = 1),
        version     INTEGER NOT NULL,
        json        TEXT NOT NULL,
        imported_at TEXT NOT NULL
    );

    CREATE TABLE promotions (
        id          INTEGER PRIMARY KEY CHECK (id = 1),
        json        TEXT NOT NULL,
        imported_at TEXT NOT NULL
    );

    CREATE TABLE tickets (
        id          TEXT PRIMARY KEY,
        series      TEXT NOT NULL,
        number      INTEGER NOT NULL,
        kind        TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        total       TEXT NOT NULL,
        customer_id TEXT,
        original_id TEXT REFERENCES tickets(id),
        json        TEXT NOT NULL,
        UNIQUE (series, number)
    );
    CREATE INDEX tickets_by_customer ON tickets(customer_id) WHERE customer_id IS NOT NULL;
    CREATE INDEX tickets_by_original ON tickets(original_id) WHERE original_id IS NOT NULL;

    CREATE TABLE stock_movements (
        seq        INTEGER PRIMARY KEY,
        id         TEXT NOT NULL UNIQUE,
        sku        TEXT NOT NULL,
        location   TEXT NOT NULL,
        quantity   TEXT NOT NULL,
        kind       TEXT NOT NULL,
        document   TEXT,
        at         TEXT NOT NULL,
        json       TEXT NOT NULL
    );
    CREATE TABLE stock_levels (
        sku      TEXT NOT NULL,
        location TEXT NOT NULL,
        on_hand  TEXT NOT NULL,
        reserved TEXT NOT NULL,
        PRIMARY KEY (sku, location)
    ) WITHOUT ROWID;

    CREATE TABLE customers (
        id         TEXT PRIMARY KEY,
        json       TEXT NOT NULL,
        erased     INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL
    );

    CREATE TABLE loyalty_movements (
        seq         INTEGER PRIMARY KEY,
        id          TEXT NOT NULL UNIQUE,
        customer_id TEXT NOT NULL,
        points      INTEGER NOT NULL,
        document    TEXT,
        at          TEXT NOT NULL,
        json        TEXT NOT NULL
    );
    CREATE TABLE loyalty_accounts (
        customer_id TEXT PRIMARY KEY,
        json        TEXT NOT NULL
    );
    CREATE TABLE loyalty_balances (
        customer_id TEXT PRIMARY KEY,
        points      INTEGER NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE stored_value_movements (
        seq      INTEGER PRIMARY KEY,
        id       TEXT NOT NULL UNIQUE,
        card     TEXT NOT NULL,
        amount   TEXT NOT NULL,
        document TEXT,
        at       TEXT NOT NULL,
        json     TEXT NOT NULL
    );
    CREATE TABLE stored_value_accounts (
        code TEXT PRIMARY KEY,
        json TEXT NOT NULL
    );
    CREATE TABLE stored_value_balances (
        card    TEXT PRIMARY KEY,
        balance TEXT NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE orders (
        id         TEXT PRIMARY KEY,
        state      TEXT NOT NULL,
        pickup_at  TEXT,
        updated_at TEXT NOT NULL,
        json       TEXT NOT NULL
    );

    CREATE TABLE cash_sessions (
        id        TEXT PRIMARY KEY,
        opened_at TEXT NOT NULL,
        closed_at TEXT,
        json      TEXT NOT NULL
    );

    -- The sync outbox: every change as an event with a UUID v7 and a gapless
    -- per-device sequence, pushed in order and acknowledged by sequence.
    CREATE TABLE outbox (
        seq        INTEGER PRIMARY KEY,
        event_id   TEXT NOT NULL UNIQUE,
        kind       TEXT NOT NULL,
        created_at TEXT NOT NULL,
        payload    TEXT NOT NULL,
        acked      INTEGER NOT NULL DEFAULT 0
    );

    -- Which fiscal originals were printed: a second print is a duplicate.
    CREATE TABLE receipt_prints (
        ticket_id  TEXT PRIMARY KEY REFERENCES tickets(id),
        printed_at TEXT NOT NULL
    );

    -- Tickets, ledgers and the outbox are append-only (the outbox until
    -- migration 4, which lets acknowledged events be compacted).
    CREATE TRIGGER tickets_no_update BEFORE UPDATE ON tickets
        BEGIN SELECT RAISE(ABORT, 'tickets are immutable'); END;
    CREATE TRIGGER tickets_no_delete BEFORE DELETE ON tickets
        BEGIN SELECT RAISE(ABORT, 'tickets are immutable'); END;
    CREATE TRIGGER stock_movements_no_update BEFORE UPDATE ON stock_movements
        BEGIN SELECT RAISE(ABORT, 'stock movements are append-only'); END;
    CREATE TRIGGER stock_movements_no_delete BEFORE DELETE ON stock_movements
        BEGIN SELECT RAISE(ABORT, 'stock movements are append-only'); END;
    CREATE TRIGGER loyalty_movements_no_update BEFORE UPDATE ON loyalty_movements
        BEGIN SELECT RAISE(ABORT, 'loyalty movements are append-only'); END;
    CREATE TRIGGER loyalty_movements_no_delete BEFORE DELETE ON loyalty_movements
        BEGIN SELECT RAISE(ABORT, 'loyalty movements are append-only'); END;
    CREATE TRIGGER stored_value_movements_no_update BEFORE UPDATE ON stored_value_movements
        BEGIN SELECT RAISE(ABORT, 'stored-value movements are append-only'); END;
    CREATE TRIGGER stored_value_movements_no_delete BEFORE DELETE ON stored_value_movements
        BEGIN SELECT RAISE(ABORT, 'stored-value movements are append-only'); END;
    CREATE TRIGGER outbox_no_delete BEFORE DELETE ON outbox
        BEGIN SELECT RAISE(ABORT, 'outbox events are kept'); END;
    CREATE TRIGGER outbox_only_ack BEFORE UPDATE ON outbox
        WHEN NEW.seq != OLD.seq OR NEW.event_id != OLD.event_id OR NEW.payload != OLD.payload
          OR NEW.kind != OLD.kind OR NEW.created_at != OLD.created_at
        BEGIN SELECT RAISE(ABORT, 'outbox events are immutable'); END;

    -- The tickets of an order: the sale that collected it at the till, the
    -- refund that gave the money back. A link is written `pending` before
    -- the ticket (its id is chosen first) and `done` with the order's
    -- transition, so a collection interrupted by a crash resumes with the
    -- same ticket id instead of selling twice.
    CREATE TABLE order_tickets (
        order_id  TEXT NOT NULL REFERENCES orders(id),
        ticket_id TEXT NOT NULL,
        role      TEXT NOT NULL CHECK (role IN ('collection', 'refund')),
        state     TEXT NOT NULL CHECK (state IN ('pending', 'done', 'aborted')),
        at        TEXT NOT NULL,
        PRIMARY KEY (order_id, ticket_id)
    ) WITHOUT ROWID;
    CREATE INDEX orders_by_state ON orders(state, pickup_at);
    CREATE INDEX cash_sessions_open ON cash_sessions(closed_at) WHERE closed_at IS NULL;
    CREATE INDEX tickets_by_time ON tickets(created_at);
    ",
    // 2: pulled changes the till could not apply, set aside so that one bad
    // change in the store's feed cannot stop every later pull. One row per
    // feed cursor; `code` is stable, `message` carries no personal data.
    "
    CREATE TABLE sync_skipped_changes (
        cursor     INTEGER PRIMARY KEY,
        kind       TEXT NOT NULL,
        key        TEXT NOT NULL,
        code       TEXT NOT NULL,
        message    TEXT NOT NULL,
        skipped_at TEXT NOT NULL
    );
    ",
    // 3: the merchant settings (`register/settings.rs`), one row per key in
    // its text form. A file from before gets its rows at its next open, from
    // the configuration it is opened with (today's defaults), logged as a
    // JET 270 like every later change.
    "
    CREATE TABLE IF NOT EXISTS till_settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID;
    ",
    // 4: acknowledged outbox events are compacted (`outbox.rs`). The server
    // answers after its commit, so an acknowledged event is durable there:
    // the till drops its payload at the ack (the row is written again
    // without it) and keeps its id, kind and time for a bounded window of
    // recent events, then deletes the row. The
    // sequence watermark lives in `outbox_state`, so the next event's
    // sequence continues gaplessly whatever rows are left. The append-only
    // guarantee stays on the tickets and ledgers (and the fiscal journal);
    // the outbox keeps only its pending events untouchable. A file from
    // before compacts at its next ack, in small batches. Written to run
    // again harmlessly on a file at this version (as migration 3).
    "
    CREATE TABLE IF NOT EXISTS outbox_state (
        id            INTEGER PRIMARY KEY CHECK (id = 1),
        last_seq      INTEGER NOT NULL,
        acked_seq     INTEGER NOT NULL,
        compacted_seq INTEGER NOT NULL
    );
    INSERT OR IGNORE INTO outbox_state(id, last_seq, acked_seq, compacted_seq)
        SELECT 1, COALESCE(MAX(seq), 0), 0, 0 FROM outbox;
    CREATE TRIGGER IF NOT EXISTS outbox_state_kept BEFORE DELETE ON outbox_state
        BEGIN SELECT RAISE(ABORT, 'the outbox watermark is kept'); END;
    CREATE TRIGGER IF NOT EXISTS outbox_state_forward BEFORE UPDATE ON outbox_state
        WHEN NEW.last_seq < OLD.last_seq OR NEW.acked_seq < OLD.acked_seq
          OR NEW.compacted_seq < OLD.compacted_seq OR NEW.acked_seq > NEW.last_seq
        BEGIN SELECT RAISE(ABORT, 'the outbox watermark only moves forward'); END;

    DROP TRIGGER IF EXISTS outbox_no_delete;
    DROP TRIGGER IF EXISTS outbox_only_ack;
    DROP TRIGGER IF EXISTS outbox_keep_pending;
    CREATE TRIGGER outbox_keep_pending BEFORE DELETE ON outbox WHEN OLD.acked = 0
        BEGIN SELECT RAISE(ABORT, 'unacknowledged outbox events are kept'); END;
    CREATE TRIGGER outbox_only_ack BEFORE UPDATE ON outbox
        WHEN NEW.seq != OLD.seq OR NEW.event_id != OLD.event_id
          OR NEW.kind != OLD.kind OR NEW.created_at != OLD.created_at
          OR NEW.payload != OLD.payload OR NEW.acked < OLD.acked
        BEGIN SELECT RAISE(ABORT, 'outbox events are immutable'); END;
    ",
    // 5: archive and purge on the till (`register/purge.rs`). Each period
    // archive waits in `archive_uploads` until the sync server confirms it
    // holds it (the file is then dropped, the receipt kept). The business
    // copy of a ticket may be deleted once its fiscal record was purged
    // after a signed archive (the same rule the verifier applies), and a
    // stock movement once it is older than the purge point (levels already
    // hold it). The file also switches to incremental auto-vacuum before
    // this migration runs (`db::enable_incremental_vacuum`).
    "
    CREATE TABLE IF NOT EXISTS archive_uploads (
        manifest_sha256 TEXT PRIMARY KEY,
        from_day        TEXT NOT NULL,
        to_day          TEXT NOT NULL,
        file            BLOB,
        made_at         TEXT NOT NULL,
        confirmed_at    TEXT,
        receipt         TEXT
    );
    DROP TRIGGER IF EXISTS tickets_no_delete;
    CREATE TRIGGER tickets_no_delete BEFORE DELETE ON tickets
        WHEN NOT (OLD.number <= COALESCE((SELECT upto FROM fiscal_purge_allow p WHERE p.series = OLD.series), 0)
              AND NOT EXISTS (SELECT 1 FROM fiscal_record r WHERE r.series = OLD.series AND r.number = OLD.number))
        BEGIN SELECT RAISE(ABORT, 'tickets are immutable'); END;
    DROP TRIGGER IF EXISTS stock_movements_no_delete;
    CREATE TRIGGER stock_movements_no_delete BEFORE DELETE ON stock_movements
        WHEN OLD.at >= COALESCE((SELECT value FROM meta WHERE key = 'stock_purged_before'), '')
        BEGIN SELECT RAISE(ABORT, 'stock movements are append-only'); END;
    ",
    // 6: operators at the till and parked carts (issue 14). Operators
    // (`register/operators.rs`) keep their role as JSON and their PIN only
    // as a salted Argon2id hash; `revision` is the back office's, so an
    // older change pulled late never overwrites a newer one (0: made on the
    // till). Wrong PINs are counted in `operator_sign_ins` so a restart does
    // not reset a lockout. Parked carts (`register/parked.rs`) are the
    // inputs of a cart set aside, with what the list shows beside them.
    // Drawer openings without a sale are kept with who opened it.
    "
    CREATE TABLE IF NOT EXISTS operators (
        id         TEXT PRIMARY KEY,
        name       TEXT NOT NULL,
        role       TEXT NOT NULL,
        pin_hash   TEXT NOT NULL,
        active     INTEGER NOT NULL CHECK (active IN (0, 1)),
        revision   INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS operator_sign_ins (
        operator_id  TEXT PRIMARY KEY,
        failed       INTEGER NOT NULL,
        locked_until TEXT
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS parked_carts (
        id         TEXT PRIMARY KEY,
        label      TEXT NOT NULL,
        parked_at  TEXT NOT NULL,
        line_count INTEGER NOT NULL,
        currency   TEXT NOT NULL,
        total      TEXT NOT NULL,
        json       TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS no_sale_openings (
        id          TEXT PRIMARY KEY,
        operator_id TEXT NOT NULL,
        reason      TEXT,
        at          TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS no_sale_openings_by_time ON no_sale_openings(at);
    ",
];
