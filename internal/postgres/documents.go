package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/roms-dev/roms/internal/order"
)

// PutDocument writes or replaces a document.
func (s *Store) PutDocument(ctx context.Context, collection, key string, data []byte) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO documents (collection, key, data) VALUES ($1, $2, $3)
		ON CONFLICT (collection, key) DO UPDATE SET data = EXCLUDED.data, updated_at = now()`, collection, key, data)
	if err != nil {
		return fmt.Errorf("save %s document %q: %w", collection, key, err)
	}
	return nil
}

// Record reads one document; order.ErrNotFound when there is none.
func (s *Store) Document(ctx context.Context, collection, key string) ([]byte, error) {
	var data []byte
	err := s.pool.QueryRow(ctx, "SELECT data FROM documents WHERE collection = $1 AND key = $2", collection, key).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, order.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read %s document %q: %w", collection, key, err)
	}
	return data, nil
}

// Records lists a collection by key (in byte order, as bbolt keeps them), after a key, up
// to limit (0: all).
func (s *Store) Documents(ctx context.Context, collection, after string, limit int) ([]order.Document, error) {
	q := `SELECT key, data FROM documents WHERE collection = $1 AND key COLLATE "C" > $2 ORDER BY key COLLATE "C"`
	args := []any{collection, after}
	if limit > 0 {
		q += " LIMIT $3"
		args = append(args, limit)
	}
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list %s documents: %w", collection, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (order.Document, error) {
		rec := order.Document{Collection: collection}
		err := r.Scan(&rec.Key, &rec.Data)
		return rec, err
	})
	if err != nil {
		return nil, fmt.Errorf("list %s documents: %w", collection, err)
	}
	return out, nil
}

// DeleteDocument forgets a document; forgetting one that is not there is not an error.
func (s *Store) DeleteDocument(ctx context.Context, collection, key string) error {
	if _, err := s.pool.Exec(ctx, "DELETE FROM documents WHERE collection = $1 AND key = $2", collection, key); err != nil {
		return fmt.Errorf("delete %s document %q: %w", collection, key, err)
	}
	return nil
}
