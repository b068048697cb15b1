package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roms-dev/roms/internal/order"
)

// summaryColumns are what filters, sorts and totals read of an order: the same fields
// the bbolt store keeps in its summaries.
const summaryColumns = `id, number, order_date, deleted, test, status, store, profile, email, product, currency,
	quantity, qty_received, price, total, commission, tracking`

// List returns one page of the orders that match f, in its sort order, and how many match
// in all.
func (s *Store) List(ctx context.Context, f order.Filter) (order.Page, error) {
	f = f.WithDefaults()
	pager, err := order.NewPager(f)
	if err != nil {
		return order.Page{}, err // a bad cursor, before any reading
	}
	page := order.Page{Orders: []order.Order{}}
	err = pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if w, exact := sqlFilter(f); exact && (f.Sort == order.SortDateDesc || f.Sort == order.SortDateAsc) {
			return listByDate(ctx, tx, f, w, &page)
		}
		if err := scan(ctx, tx, f, func(o *order.Order) { pager.Add(order.PositionOf(o, f.Sort)) }); err != nil {
			return err
		}
		positions, next := pager.Window()
		page.Total, page.Next = pager.Total, next
		return pageOrders(ctx, tx, positions, &page)
	})
	if err != nil {
		return order.Page{}, fmt.Errorf("list orders: %w", err)
	}
	return page, nil
}

// listByDate pages through the orders f selects by date in the database, through the
// date index: the page and the count, without reading every match.
func listByDate(ctx context.Context, tx pgx.Tx, f order.Filter, w where, page *order.Page) error {
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM orders"+w.String(), w.args...).Scan(&page.Total); err != nil {
		return err
	}
	dir, cmp := "DESC", "<"
	if f.Sort == order.SortDateAsc {
		dir, cmp = "ASC", ">"
	}
	offset := max(f.Offset, 0)
	if f.After != "" {
		after, err := order.ParseCursor(f.Sort, f.After)
		if err != nil {
			return err
		}
		w.add("(order_nanos, id) "+cmp+" (?, ?)", after.Value, int64(after.ID))
		offset = 0
	}
	rows, err := tx.Query(ctx, fmt.Sprintf("SELECT id, order_nanos FROM orders%s ORDER BY order_nanos %s, id %s LIMIT %d OFFSET %d",
		w.String(), dir, dir, f.Limit+1, offset), w.args...)
	if err != nil {
		return err
	}
	var positions []order.Position
	for rows.Next() {
		var p order.Position
		var id int64
		if err := rows.Scan(&id, &p.Value); err != nil {
			rows.Close()
			return err
		}
		p.ID = uint64(id)
		positions = append(positions, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(positions) > f.Limit {
		positions = positions[:f.Limit]
		page.Next = order.Cursor(f.Sort, positions[len(positions)-1])
	}
	return pageOrders(ctx, tx, positions, page)
}

// pageOrders reads the whole orders at positions into the page, in their order.
func pageOrders(ctx context.Context, tx pgx.Tx, positions []order.Position, page *order.Page) error {
	ids := make([]int64, len(positions))
	for i, p := range positions {
		ids[i] = int64(p.ID)
	}
	byID, err := docs(ctx, tx, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		page.Orders = append(page.Orders, byID[id])
	}
	return nil
}

// docs reads whole orders by id.
func docs(ctx context.Context, tx pgx.Tx, ids []int64) (map[int64]order.Order, error) {
	out := make(map[int64]order.Order, len(ids))
	rows, err := tx.Query(ctx, "SELECT id, doc FROM orders WHERE id = ANY($1)", ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var raw []byte
		if err := rows.Scan(&id, &raw); err != nil {
			return nil, err
		}
		var o order.Order
		if err := json.Unmarshal(raw, &o); err != nil {
			return nil, fmt.Errorf("order %d: %w", id, err)
		}
		out[id] = o
	}
	return out, rows.Err()
}

// Each calls fn with every order that matches f, in its sort order, from one snapshot,
// reading whole orders a batch at a time.
func (s *Store) Each(ctx context.Context, f order.Filter, fn func(*order.Order) error) error {
	if f.Sort == "" {
		f.Sort = order.SortDateDesc
	}
	return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		positions, err := sorted(ctx, tx, f)
		if err != nil {
			return err
		}
		const batch = 500
		for start := 0; start < len(positions); start += batch {
			ids := make([]int64, 0, batch)
			for _, p := range positions[start:min(start+batch, len(positions))] {
				ids = append(ids, int64(p.ID))
			}
			byID, err := docs(ctx, tx, ids)
			if err != nil {
				return err
			}
			for _, id := range ids {
				o := byID[id]
				if err := fn(&o); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// Totals adds up the orders that match f, grouped by one of order.Groupings, with days in
// loc.
func (s *Store) Totals(ctx context.Context, f order.Filter, by string, loc *time.Location) (order.Totals, []order.Totals, error) {
	tally := order.NewTally(by, loc)
	if err := scan(ctx, s.pool, f, func(o *order.Order) { tally.Add(o) }); err != nil {
		return order.Totals{}, nil, fmt.Errorf("totals: %w", err)
	}
	all, groups := tally.Result()
	return all, groups, nil
}

// Counts says how many orders and log entries are kept, and how large the database is.
func (s *Store) Counts(ctx context.Context) (order.Counts, error) {
	var c order.Counts
	err := s.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM webhook_log),
		(SELECT coalesce(sum(bytes), 0) FROM webhook_log), pg_database_size(current_database())`).
		Scan(&c.Orders, &c.LogItems, &c.LogBytes, &c.SizeBytes)
	if err != nil {
		return order.Counts{}, fmt.Errorf("counts: %w", err)
	}
	return c, nil
}

func sorted(ctx context.Context, q rowsQuerier, f order.Filter) ([]order.Position, error) {
	var positions []order.Position
	err := scan(ctx, q, f, func(o *order.Order) {
		positions = append(positions, order.PositionOf(o, f.Sort))
	})
	slices.SortFunc(positions, func(a, b order.Position) int { return order.Compare(f.Sort, a, b) })
	return positions, err
}

type rowsQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// scan calls match with the summary of every order that matches f: the database
// selects them (sqlFilter), and order.Matcher, the same in every store, has the last word.
func scan(ctx context.Context, q rowsQuerier, f order.Filter, match func(*order.Order)) error {
	w, _ := sqlFilter(f)
	rows, err := q.Query(ctx, "SELECT "+summaryColumns+" FROM orders"+w.String(), w.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	m := order.NewMatcher(f)
	for rows.Next() {
		o, err := summary(rows)
		if err != nil {
			return err
		}
		if m.Match(&o) {
			match(&o)
		}
	}
	return rows.Err()
}

// summary reads a row of summaryColumns into an order with just those fields.
func summary(rows pgx.Rows) (order.Order, error) {
	var o order.Order
	var deleted bool
	var price, total, commission *int64
	err := rows.Scan(&o.ID, &o.OrderNumber, &o.OrderDate, &deleted, &o.Test, &o.Status, &o.Store, &o.Profile, &o.Email,
		&o.Product, &o.Currency, &o.Quantity, &o.QtyReceived, &price, &total, &commission, &o.TrackingNumbers)
	if deleted {
		o.DeletedAt = &o.OrderDate // only whether it is set matters to a summary
	}
	o.Price, o.Total, o.Commission = money(price), money(total), money(commission)
	return o, err
}

func money(v *int64) *order.Money {
	if v == nil {
		return nil
	}
	m := order.Money(*v)
	return &m
}
