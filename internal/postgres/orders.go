package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/roms-dev/roms/internal/order"
)

// Write applies one edit to the order with the write's number, creating it when it is
// new, and records the changes as an event, in one transaction. Two instances writing
// the same number at once are serialised by the order's row lock (a new number by its
// unique key), so neither change is lost.
func (s *Store) Write(ctx context.Context, w order.Write) (order.Result, error) {
	if err := ctx.Err(); err != nil {
		return order.Result{}, err
	}
	key, err := order.KeyOf(w.Number)
	if err != nil {
		return order.Result{}, fmt.Errorf("store order: %w", err)
	}
	var res order.Result
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		res, err = write(ctx, tx, key, w)
		return err
	})
	if err != nil {
		if order.Refused(err) {
			return order.Result{}, err
		}
		return order.Result{}, fmt.Errorf("store order %s: %w", w.Number, err)
	}
	return res, nil
}

// WriteMany applies writes in order in one transaction, each as Write would. A refused
// write leaves no trace and the others still apply.
func (s *Store) WriteMany(ctx context.Context, writes []order.Write) (results []order.Result, errs []error, err error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		results, errs = make([]order.Result, len(writes)), make([]error, len(writes))
		for i, w := range writes {
			key, err := order.KeyOf(w.Number)
			if err != nil {
				errs[i] = err
				continue
			}
			results[i], errs[i] = write(ctx, tx, key, w)
			if errs[i] != nil && !order.Refused(errs[i]) {
				return errs[i] // the database failed, or a race to retry: all again
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return results, errs, nil
}

// write applies one write in tx; everything that can refuse it runs before anything is
// written.
func write(ctx context.Context, tx pgx.Tx, key string, w order.Write) (order.Result, error) {
	if w.Mark != nil {
		dup, err := lockMark(ctx, tx, *w.Mark)
		if err != nil || dup {
			return order.Result{Outcome: order.OutcomeDuplicate}, err
		}
	}
	stored, err := orderForUpdate(ctx, tx, key)
	if err != nil {
		return order.Result{}, err
	}
	o, res, err := order.Merge(stored, w)
	if err != nil {
		return order.Result{}, err
	}
	if err := remember(ctx, tx, w.Mark); err != nil {
		return order.Result{}, err
	}
	if stored == nil {
		if err := tx.QueryRow(ctx, "SELECT nextval('orders_id_seq')").Scan(&o.ID); err != nil {
			return order.Result{}, err
		}
	}
	if res.Outcome != order.OutcomeUnchanged {
		if err := putOrder(ctx, tx, key, stored == nil, &o); err != nil {
			return order.Result{}, err
		}
		if err := addEvent(ctx, tx, &o, res, w); err != nil {
			return order.Result{}, err
		}
	}
	res.Order = o
	if w.Log != nil {
		entry := *w.Log
		entry.Outcome, entry.OrderID, entry.OrderNumber = res.Outcome, o.ID, o.OrderNumber
		if res.LogID, err = appendLog(ctx, tx, entry); err != nil {
			return order.Result{}, err
		}
	}
	return res, nil
}

// orderForUpdate reads the order with this key and locks its row until the transaction
// ends; nil when there is none.
func orderForUpdate(ctx context.Context, tx pgx.Tx, key string) (*order.Order, error) {
	var raw []byte
	err := tx.QueryRow(ctx, "SELECT doc FROM orders WHERE key = $1 FOR UPDATE", key).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var o order.Order
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, fmt.Errorf("order %s: %w", key, err)
	}
	return &o, nil
}

// putOrder stores o with the columns that filters read. A new order whose number another
// instance inserted meanwhile makes the transaction run again, and then it is an update.
func putOrder(ctx context.Context, tx pgx.Tx, key string, isNew bool, o *order.Order) error {
	doc, err := json.Marshal(o)
	if err != nil {
		return err
	}
	tracking := o.TrackingNumbers
	if tracking == nil {
		tracking = []string{}
	}
	args := []any{o.ID, key, o.OrderNumber, o.OrderDate, o.OrderDate.UnixNano(), o.DeletedAt != nil, o.Test, o.Status, o.Store, o.Profile,
		o.Email, o.Product, o.Currency, o.Quantity, o.QtyReceived, cents(o.Price), cents(o.Total), cents(o.Commission),
		tracking, o.UpdatedAt, doc, searchText(o)}
	if !isNew {
		_, err := tx.Exec(ctx, `UPDATE orders SET number = $3, order_date = $4, order_nanos = $5, deleted = $6, test = $7,
			status = $8, store = $9, profile = $10, email = $11, product = $12, currency = $13, quantity = $14,
			qty_received = $15, price = $16, total = $17, commission = $18, tracking = $19, updated_at = $20, doc = $21,
			search = $22 WHERE id = $1 AND key = $2`, args...)
		return err
	}
	tag, err := tx.Exec(ctx, `INSERT INTO orders (id, key, number, order_date, order_nanos, deleted, test, status, store,
		profile, email, product, currency, quantity, qty_received, price, total, commission, tracking, updated_at, doc, search)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
		ON CONFLICT (key) DO NOTHING`, args...)
	if err == nil && tag.RowsAffected() == 0 {
		return errRetry
	}
	return err
}

// searchText is what a q= search looks in (order.Matcher's fields), folded to lower case
// by Go, so that the database finds exactly what the matcher would, in any language.
func searchText(o *order.Order) string {
	fields := append([]string{o.OrderNumber, o.Product, o.Email, o.Profile, o.Store}, o.TrackingNumbers...)
	return strings.ToLower(strings.Join(fields, "\n"))
}

func cents(m *order.Money) *int64 {
	if m == nil {
		return nil
	}
	v := int64(*m)
	return &v
}

func addEvent(ctx context.Context, tx pgx.Tx, o *order.Order, res order.Result, w order.Write) error {
	doc, err := json.Marshal(order.EventOf(o, res, w))
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, "INSERT INTO events (order_id, actor, doc) VALUES ($1, $2, $3)", o.ID, w.Actor, doc)
	return err
}

// Get returns the order with this number, in any case, with or without '#'.
func (s *Store) Get(ctx context.Context, number string) (order.Order, error) {
	return s.one(ctx, "SELECT doc FROM orders WHERE key = $1", order.Key(number))
}

// ByID returns the order with this id.
func (s *Store) ByID(ctx context.Context, id uint64) (order.Order, error) {
	return s.one(ctx, "SELECT doc FROM orders WHERE id = $1", int64(id))
}

func (s *Store) one(ctx context.Context, query string, arg any) (order.Order, error) {
	var raw []byte
	err := s.pool.QueryRow(ctx, query, arg).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return order.Order{}, order.ErrNotFound
	}
	if err != nil {
		return order.Order{}, fmt.Errorf("read order: %w", err)
	}
	var o order.Order
	if err := json.Unmarshal(raw, &o); err != nil {
		return order.Order{}, fmt.Errorf("read order: %w", err)
	}
	return o, nil
}

// Numbers returns up to limit numbers of live orders that start with prefix, most
// recently stored first.
func (s *Store) Numbers(ctx context.Context, prefix string, limit int) ([]string, error) {
	pattern := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(order.Key(prefix)) + "%"
	rows, err := s.pool.Query(ctx, `SELECT number FROM orders WHERE NOT deleted AND key LIKE $1
		ORDER BY id DESC LIMIT $2`, pattern, limit)
	if err != nil {
		return nil, fmt.Errorf("order numbers: %w", err)
	}
	numbers, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if numbers == nil {
		numbers = []string{}
	}
	return numbers, err
}

// Events returns the history of the order with this number, oldest first.
func (s *Store) Events(ctx context.Context, number string) ([]order.Event, error) {
	var id int64
	err := s.pool.QueryRow(ctx, "SELECT id FROM orders WHERE key = $1", order.Key(number)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, order.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	return s.events(ctx, "SELECT id, doc FROM events WHERE order_id = $1 ORDER BY id", id)
}

// EventsBy returns every event an actor made, oldest first.
func (s *Store) EventsBy(ctx context.Context, actor string) ([]order.Event, error) {
	return s.events(ctx, "SELECT id, doc FROM events WHERE actor = $1 ORDER BY id", actor)
}

func (s *Store) events(ctx context.Context, query string, arg any) ([]order.Event, error) {
	rows, err := s.pool.Query(ctx, query, arg)
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	events := []order.Event{}
	for rows.Next() {
		var id int64
		var raw []byte
		var e order.Event
		if err := rows.Scan(&id, &raw); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("event %d: %w", id, err)
		}
		e.ID = uint64(id)
		events = append(events, e)
	}
	return events, rows.Err()
}
