package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roms-dev/roms/internal/order"
)

// AppendLog records an input that stored no order (ignored or rejected). With a mark, an
// input already taken is not logged again: the id is then 0.
func (s *Store) AppendLog(ctx context.Context, e order.LogEntry, mark *order.Mark) (uint64, error) {
	var id uint64
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		id = 0
		if mark != nil {
			dup, err := lockMark(ctx, tx, *mark)
			if err != nil || dup {
				return err
			}
		}
		if err := remember(ctx, tx, mark); err != nil {
			return err
		}
		var err error
		id, err = appendLog(ctx, tx, e)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("append webhook log: %w", err)
	}
	return id, nil
}

func appendLog(ctx context.Context, tx pgx.Tx, e order.LogEntry) (uint64, error) {
	var id int64
	if err := tx.QueryRow(ctx, "SELECT nextval('webhook_log_id_seq')").Scan(&id); err != nil {
		return 0, err
	}
	e.ID = uint64(id)
	doc, err := json.Marshal(e)
	if err != nil {
		return 0, err
	}
	_, err = tx.Exec(ctx, `INSERT INTO webhook_log (id, received_at, outcome, bytes, doc) VALUES ($1, $2, $3, $4, $5)`,
		id, e.ReceivedAt, e.Outcome, len(doc), doc)
	return e.ID, err
}

// Logs returns up to limit entries, newest first.
func (s *Store) Logs(ctx context.Context, limit int) ([]order.LogEntry, error) {
	page, err := s.FindLogs(ctx, order.LogFilter{Limit: limit})
	return page.Entries, err
}

// FindLogs returns the newest entries that match f and how many match in all. A filter is
// applied to every entry, as the bbolt store does: the log is bounded by its retention.
func (s *Store) FindLogs(ctx context.Context, f order.LogFilter) (order.LogPage, error) {
	page := order.LogPage{Entries: []order.LogEntry{}}
	filtered := f.StillFailed || len(f.Outcomes) > 0 || !f.Since.IsZero()
	query, args := "SELECT doc FROM webhook_log ORDER BY id DESC LIMIT $1", []any{f.Limit}
	if filtered {
		query, args = "SELECT doc FROM webhook_log ORDER BY id DESC", nil
	}
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return page, fmt.Errorf("read webhook log: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			return page, err
		}
		var e order.LogEntry
		if err := json.Unmarshal(raw, &e); err != nil {
			return page, fmt.Errorf("decode log entry: %w", err)
		}
		if !f.Match(&e) {
			continue
		}
		page.Total++
		if len(page.Entries) < f.Limit {
			page.Entries = append(page.Entries, e)
		}
	}
	if err := rows.Err(); err != nil {
		return page, err
	}
	if !filtered {
		err = s.pool.QueryRow(ctx, "SELECT count(*) FROM webhook_log").Scan(&page.Total)
	}
	return page, err
}

// Log returns one entry.
func (s *Store) Log(ctx context.Context, id uint64) (order.LogEntry, error) {
	var raw []byte
	err := s.pool.QueryRow(ctx, "SELECT doc FROM webhook_log WHERE id = $1", int64(id)).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return order.LogEntry{}, fmt.Errorf("log entry %d: %w", id, order.ErrNotFound)
	}
	if err != nil {
		return order.LogEntry{}, fmt.Errorf("read log entry %d: %w", id, err)
	}
	var e order.LogEntry
	return e, json.Unmarshal(raw, &e)
}

// MarkReplayed records the outcome of a replay of an entry.
func (s *Store) MarkReplayed(ctx context.Context, id uint64, outcome string) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var raw []byte
		err := tx.QueryRow(ctx, "SELECT doc FROM webhook_log WHERE id = $1 FOR UPDATE", int64(id)).Scan(&raw)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("log entry %d: %w", id, order.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("mark log entry %d replayed: %w", id, err)
		}
		var e order.LogEntry
		if err := json.Unmarshal(raw, &e); err != nil {
			return err
		}
		e.ReplayedAs = outcome
		doc, err := json.Marshal(e)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "UPDATE webhook_log SET doc = $2, bytes = $3 WHERE id = $1", int64(id), doc, len(doc))
		return err
	})
}

// PruneLogs deletes the oldest entries beyond the retention's count, age and size, in
// transactions of order.PruneChunk entries, and returns how many it deleted.
func (s *Store) PruneLogs(ctx context.Context, r order.Retention, now time.Time) (int, error) {
	n, err := order.PruneInChunks(ctx, func() (int, error) { return s.pruneSome(ctx, r, now) })
	if err != nil {
		return n, fmt.Errorf("prune webhook log: %w", err)
	}
	return n, nil
}

func (s *Store) pruneSome(ctx context.Context, r order.Retention, now time.Time) (int, error) {
	n := 0
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var entries int
		var size int64
		if err := tx.QueryRow(ctx, "SELECT count(*), coalesce(sum(bytes), 0) FROM webhook_log").Scan(&entries, &size); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT id, received_at, bytes FROM webhook_log ORDER BY id LIMIT $1", order.PruneChunk)
		if err != nil {
			return err
		}
		var ids []int64
		var oldest []order.Kept
		for rows.Next() {
			var id int64
			var k order.Kept
			if err := rows.Scan(&id, &k.ReceivedAt, &k.Bytes); err != nil {
				rows.Close()
				return err
			}
			ids, oldest = append(ids, id), append(oldest, k)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		n = r.Drop(entries, size, now, slices.Values(oldest))
		if n == 0 {
			return nil
		}
		_, err = tx.Exec(ctx, "DELETE FROM webhook_log WHERE id = ANY($1)", ids[:n])
		return err
	})
	return n, err
}
