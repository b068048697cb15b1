-- Orders, their events, the webhook log, idempotency marks and read positions.
-- Money is in integer cents. The whole order is kept as JSON (doc, json rather than
-- jsonb: jsonb cannot hold a \u0000, which a logged input may); the columns beside
-- it are what filters, sorts and totals read, and what other tools query with SQL.

CREATE SEQUENCE orders_id_seq;

CREATE TABLE orders (
    id           bigint PRIMARY KEY,
    key          text NOT NULL UNIQUE,          -- the number as looked up: lower case, no '#'
    number       text NOT NULL,
    order_date   timestamptz NOT NULL,
    order_nanos  bigint NOT NULL,                -- order_date to the nanosecond: sorts and cursors
    deleted      boolean NOT NULL DEFAULT false,
    test         boolean NOT NULL DEFAULT false,
    status       text NOT NULL DEFAULT '',
    store        text NOT NULL DEFAULT '',
    profile      text NOT NULL DEFAULT '',
    email        text NOT NULL DEFAULT '',
    product      text NOT NULL DEFAULT '',
    currency     text NOT NULL DEFAULT '',
    quantity     integer NOT NULL DEFAULT 1,
    qty_received integer NOT NULL DEFAULT 0,
    price        bigint,
    total        bigint,
    commission   bigint,
    tracking     text[] NOT NULL DEFAULT '{}',
    search       text NOT NULL DEFAULT '',       -- what q= searches, lower case as Go folds it, a line a field
    updated_at   timestamptz NOT NULL,
    doc          json NOT NULL
);
CREATE INDEX orders_by_date ON orders (deleted, order_nanos, id);
CREATE INDEX orders_by_status ON orders (status, order_nanos);
CREATE INDEX orders_by_key_prefix ON orders (key text_pattern_ops);

CREATE TABLE events (
    id       bigserial PRIMARY KEY,
    order_id bigint NOT NULL REFERENCES orders (id),
    actor    text NOT NULL,
    doc      json NOT NULL
);
CREATE INDEX events_by_order ON events (order_id, id);
CREATE INDEX events_by_actor ON events (actor, id);

CREATE TABLE webhook_log (
    id          bigserial PRIMARY KEY,
    received_at timestamptz NOT NULL,
    outcome     text NOT NULL,
    bytes       integer NOT NULL,                -- the size of doc, for the retention's bound
    doc         json NOT NULL
);

-- marks make an input idempotent: a Discord message's id and position, with the version
-- (its edit time) and a hash of what was read.
CREATE TABLE marks (
    key     text PRIMARY KEY,
    version bigint NOT NULL,
    hash    text NOT NULL
);

-- positions are how far each channel has been read, shared by every instance.
CREATE TABLE positions (
    name text PRIMARY KEY,
    pos  text NOT NULL
);
