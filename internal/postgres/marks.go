package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/roms-dev/roms/internal/order"
)

// Seen reports whether an input with this mark would be a duplicate. It only reads; the
// write checks again under a lock.
func (s *Store) Seen(ctx context.Context, m order.Mark) (bool, error) {
	dup, err := seen(ctx, s.pool, m)
	if err != nil {
		return false, fmt.Errorf("read mark: %w", err)
	}
	return dup, nil
}

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func seen(ctx context.Context, q querier, m order.Mark) (bool, error) {
	var version int64
	var hash string
	err := q.QueryRow(ctx, "SELECT version, hash FROM marks WHERE key = $1", m.Key).Scan(&version, &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return err == nil && m.Covered(version, hash), err
}

// lockMark takes a lock on the mark's key for the rest of the transaction, so that two
// instances given the same input cannot both store it, and then says whether it is a
// duplicate.
func lockMark(ctx context.Context, tx pgx.Tx, m order.Mark) (bool, error) {
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", m.Key); err != nil {
		return false, err
	}
	return seen(ctx, tx, m)
}

func remember(ctx context.Context, tx pgx.Tx, m *order.Mark) error {
	if m == nil {
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO marks (key, version, hash) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET version = EXCLUDED.version, hash = EXCLUDED.hash`, m.Key, m.Version, m.Hash)
	return err
}

// Position returns a named position, such as the last message id read from a channel,
// or "" when none was saved.
func (s *Store) Position(ctx context.Context, name string) (string, error) {
	var pos string
	err := s.pool.QueryRow(ctx, "SELECT pos FROM positions WHERE name = $1", name).Scan(&pos)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read position %s: %w", name, err)
	}
	return pos, nil
}

// Advance saves a named position. Positions are decimal numbers (Discord ids) and only
// move forward: an older one is ignored, whichever instance saves it.
func (s *Store) Advance(ctx context.Context, name, pos string) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO positions (name, pos) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET pos = EXCLUDED.pos
		WHERE length(positions.pos) < length(EXCLUDED.pos)
		   OR (length(positions.pos) = length(EXCLUDED.pos) AND positions.pos COLLATE "C" < EXCLUDED.pos COLLATE "C")`, name, pos)
	if err != nil {
		return fmt.Errorf("save position %s: %w", name, err)
	}
	return nil
}

// Aliases returns the parser labels taught from the review list.
func (s *Store) Aliases(ctx context.Context) (map[string]string, error) {
	rows, err := s.pool.Query(ctx, "SELECT label, field FROM parser_aliases")
	if err != nil {
		return nil, fmt.Errorf("read parser aliases: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var label, field string
		if err := rows.Scan(&label, &field); err != nil {
			return nil, fmt.Errorf("read parser aliases: %w", err)
		}
		out[label] = field
	}
	return out, rows.Err()
}

// Teach saves a taught label; an empty field forgets it.
func (s *Store) Teach(ctx context.Context, label, field string) error {
	var err error
	if field == "" {
		_, err = s.pool.Exec(ctx, "DELETE FROM parser_aliases WHERE label = $1", label)
	} else {
		_, err = s.pool.Exec(ctx, `INSERT INTO parser_aliases (label, field) VALUES ($1, $2)
			ON CONFLICT (label) DO UPDATE SET field = EXCLUDED.field, taught_at = now()`, label, field)
	}
	if err != nil {
		return fmt.Errorf("save parser alias %q: %w", label, err)
	}
	return nil
}
