-- Who holds each lock that one instance at a time holds (the Discord gateway), for
-- /health. The lock itself is a PostgreSQL advisory lock held by the holder's connection:
-- it goes when that connection does.
CREATE TABLE leaders (
    name   text PRIMARY KEY,
    holder text NOT NULL,
    since  timestamptz NOT NULL
);
