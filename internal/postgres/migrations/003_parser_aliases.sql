-- Parser labels taught from the review list ("MAIL" is the email), shared by every
-- instance.
CREATE TABLE parser_aliases (
    label    text PRIMARY KEY,
    field    text NOT NULL,
    taught_at timestamptz NOT NULL DEFAULT now()
);
