-- Small documents that are not orders (import batches, ACO clients), by key in a
-- collection; order.Store's documents.
CREATE TABLE documents (
    collection text NOT NULL,
    key        text NOT NULL,
    data       bytea NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (collection, key)
);
