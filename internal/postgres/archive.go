package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/roms-dev/roms/internal/order"
)

// Records calls fn with everything stored, each kind in id order, from one snapshot.
func (s *Store) Records(ctx context.Context, fn func(order.Record) error) error {
	return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		kinds := []struct {
			query string
			read  func(pgx.Rows) (order.Record, error)
		}{
			{"SELECT doc FROM orders ORDER BY id", func(rows pgx.Rows) (order.Record, error) {
				var o order.Order
				return order.Record{Order: &o}, scanJSON(rows, &o)
			}},
			{"SELECT id, doc FROM events ORDER BY id", func(rows pgx.Rows) (order.Record, error) {
				var id int64
				var raw []byte
				var e order.Event
				if err := rows.Scan(&id, &raw); err != nil {
					return order.Record{}, err
				}
				err := json.Unmarshal(raw, &e)
				e.ID = uint64(id)
				return order.Record{Event: &e}, err
			}},
			{"SELECT doc FROM webhook_log ORDER BY id", func(rows pgx.Rows) (order.Record, error) {
				var e order.LogEntry
				return order.Record{Log: &e}, scanJSON(rows, &e)
			}},
			{"SELECT key, version, hash FROM marks ORDER BY key", func(rows pgx.Rows) (order.Record, error) {
				var m order.MarkRecord
				return order.Record{Mark: &m}, rows.Scan(&m.Key, &m.Version, &m.Hash)
			}},
			{"SELECT name, pos FROM positions ORDER BY name", func(rows pgx.Rows) (order.Record, error) {
				var p order.PositionMark
				return order.Record{Position: &p}, rows.Scan(&p.Name, &p.Pos)
			}},
			{"SELECT label, field FROM parser_aliases ORDER BY label", func(rows pgx.Rows) (order.Record, error) {
				var a order.AliasRecord
				return order.Record{Alias: &a}, rows.Scan(&a.Label, &a.Field)
			}},
			{`SELECT collection, key, data FROM documents ORDER BY collection, key COLLATE "C"`, func(rows pgx.Rows) (order.Record, error) {
				var d order.Document
				return order.Record{Document: &d}, rows.Scan(&d.Collection, &d.Key, &d.Data)
			}},
		}
		for _, k := range kinds {
			rows, err := tx.Query(ctx, k.query)
			if err != nil {
				return err
			}
			for rows.Next() {
				r, err := k.read(rows)
				if err == nil {
					err = fn(r)
				}
				if err != nil {
					rows.Close()
					return err
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
}

func scanJSON(rows pgx.Rows, v any) error {
	var raw []byte
	if err := rows.Scan(&raw); err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

// Restore stores records as they are, ids included, skipping those already there, in one
// transaction; sequences move past the ids restored.
func (s *Store) Restore(ctx context.Context, records []order.Record) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		for _, r := range records {
			if err := restore(ctx, tx, r); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `SELECT setval('orders_id_seq', greatest((SELECT coalesce(max(id), 0) FROM orders), 1)),
			setval('events_id_seq', greatest((SELECT coalesce(max(id), 0) FROM events), 1)),
			setval('webhook_log_id_seq', greatest((SELECT coalesce(max(id), 0) FROM webhook_log), 1))`)
		return err
	})
}

func restore(ctx context.Context, tx pgx.Tx, r order.Record) error {
	switch {
	case r.Order != nil:
		o := r.Order
		var exists bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM orders WHERE id = $1)", int64(o.ID)).Scan(&exists); err != nil || exists {
			return err
		}
		if err := putOrder(ctx, tx, order.Key(o.OrderNumber), true, o); err != nil {
			return fmt.Errorf("restore order %s: %w", o.OrderNumber, err)
		}
	case r.Event != nil:
		doc, err := json.Marshal(r.Event)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO events (id, order_id, actor, doc) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`,
			int64(r.Event.ID), int64(r.Event.OrderID), r.Event.Actor, doc)
		return err
	case r.Log != nil:
		doc, err := json.Marshal(r.Log)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO webhook_log (id, received_at, outcome, bytes, doc) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (id) DO NOTHING`, int64(r.Log.ID), r.Log.ReceivedAt, r.Log.Outcome, len(doc), doc)
		return err
	case r.Mark != nil:
		_, err := tx.Exec(ctx, `INSERT INTO marks (key, version, hash) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING`,
			r.Mark.Key, r.Mark.Version, r.Mark.Hash)
		return err
	case r.Position != nil:
		_, err := tx.Exec(ctx, `INSERT INTO positions (name, pos) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
			r.Position.Name, r.Position.Pos)
		return err
	case r.Alias != nil:
		_, err := tx.Exec(ctx, `INSERT INTO parser_aliases (label, field) VALUES ($1, $2) ON CONFLICT (label) DO NOTHING`,
			r.Alias.Label, r.Alias.Field)
		return err
	case r.Document != nil:
		_, err := tx.Exec(ctx, `INSERT INTO documents (collection, key, data) VALUES ($1, $2, $3) ON CONFLICT (collection, key) DO NOTHING`,
			r.Document.Collection, r.Document.Key, r.Document.Data)
		return err
	}
	return nil
}

// Census counts what is stored.
func (s *Store) Census(ctx context.Context) (order.Census, error) {
	var c order.Census
	err := s.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM events),
		(SELECT count(*) FROM webhook_log), (SELECT count(*) FROM marks), (SELECT count(*) FROM positions),
		(SELECT count(*) FROM parser_aliases), (SELECT count(*) FROM documents)`).
		Scan(&c.Orders, &c.Events, &c.Logs, &c.Marks, &c.Positions, &c.Aliases, &c.Documents)
	if err != nil {
		return order.Census{}, fmt.Errorf("count what is stored: %w", err)
	}
	return c, nil
}
