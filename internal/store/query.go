package store

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/roms-dev/roms/internal/order"
)

// checkEvery is how many orders a scan reads between looks at its context, so that a
// request that is gone stops costing CPU.
const checkEvery = 1024

func dateKey(t time.Time, id uint64) []byte {
	return append(be64(uint64(max(t.UnixNano(), 0))), be64(id)...)
}

// List returns one page of the orders that match f, in its sort order, and how many match
// in all.
func (s *Store) List(ctx context.Context, f order.Filter) (order.Page, error) {
	f = f.WithDefaults()
	if _, err := order.PageWindow(nil, f); err != nil {
		return order.Page{}, err // a bad cursor, before any reading
	}
	page := order.Page{Orders: []order.Order{}}
	err := s.view(func(tx *bolt.Tx) error {
		positions, err := sorted(ctx, tx, f)
		if err != nil {
			return err
		}
		page.Total = len(positions)
		w, err := order.PageWindow(positions, f)
		if err != nil {
			return err
		}
		for _, p := range positions[w.Start:w.End] {
			o, err := orderByID(tx, be64(p.ID))
			if err != nil {
				return err
			}
			page.Orders = append(page.Orders, o)
		}
		page.Next = w.Next
		return nil
	})
	return page, err
}

// Numbers returns up to limit numbers of live orders that start with prefix, most
// recently stored first. An empty prefix reads the newest summaries; otherwise the
// numbers index is walked over the prefix and the matches sorted by id.
func (s *Store) Numbers(ctx context.Context, prefix string, limit int) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	key := []byte(order.Key(prefix))
	type match struct {
		id     uint64
		number string
	}
	var matches []match
	err := s.view(func(tx *bolt.Tx) error {
		summaries := tx.Bucket(bucketSummaries)
		add := func(id []byte) error {
			o, err := decodeSummary(binary.BigEndian.Uint64(id), summaries.Get(id))
			if err == nil && o.DeletedAt == nil {
				matches = append(matches, match{o.ID, o.OrderNumber})
			}
			return err
		}
		if len(key) == 0 {
			c := summaries.Cursor()
			for k, _ := c.Last(); k != nil && len(matches) < limit; k, _ = c.Prev() {
				if err := add(k); err != nil {
					return err
				}
			}
			return nil
		}
		c := tx.Bucket(bucketNumbers).Cursor()
		for k, id := c.Seek(key); k != nil && bytes.HasPrefix(k, key); k, id = c.Next() {
			if len(matches)%checkEvery == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			if err := add(id); err != nil {
				return err
			}
		}
		return nil
	})
	slices.SortFunc(matches, func(a, b match) int { return cmp.Compare(b.id, a.id) })
	numbers := []string{}
	for _, m := range matches[:min(limit, len(matches))] {
		numbers = append(numbers, m.number)
	}
	return numbers, err
}

// Each calls fn with every order that matches f, in its sort order, from one consistent
// snapshot. An export streams through it in memory bounded by the number of matches
// (24 bytes each), not by their size.
func (s *Store) Each(ctx context.Context, f order.Filter, fn func(*order.Order) error) error {
	if f.Sort == "" {
		f.Sort = order.SortDateDesc
	}
	return s.view(func(tx *bolt.Tx) error {
		positions, err := sorted(ctx, tx, f)
		if err != nil {
			return err
		}
		for i, p := range positions {
			if i%checkEvery == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			o, err := orderByID(tx, be64(p.ID))
			if err != nil {
				return err
			}
			if err := fn(&o); err != nil {
				return err
			}
		}
		return nil
	})
}

// Totals adds up the orders that match f, grouped by one of order.Groupings, with days in
// loc.
func (s *Store) Totals(ctx context.Context, f order.Filter, by string, loc *time.Location) (order.Totals, []order.Totals, error) {
	tally := order.NewTally(by, loc)
	err := s.view(func(tx *bolt.Tx) error {
		return scan(ctx, tx, f, func(o *order.Order) { tally.Add(o) })
	})
	if err != nil {
		return order.Totals{}, nil, err
	}
	all, groups := tally.Result()
	return all, groups, nil
}

// sorted returns the positions of the orders that match f, in f's sort order.
func sorted(ctx context.Context, tx *bolt.Tx, f order.Filter) ([]order.Position, error) {
	var positions []order.Position
	err := scan(ctx, tx, f, func(o *order.Order) {
		positions = append(positions, order.PositionOf(o, f.Sort))
	})
	slices.SortFunc(positions, func(a, b order.Position) int { return order.Compare(f.Sort, a, b) })
	return positions, err
}

// scan calls match with the summary of every order that matches f: an order with only
// the fields that filters, sorts and totals read. A date range reads only the orders
// dated in it, through the date index; anything else reads every summary.
func scan(ctx context.Context, tx *bolt.Tx, f order.Filter, match func(*order.Order)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m := order.NewMatcher(f)
	summaries := tx.Bucket(bucketSummaries)
	visit := func(i int, id, summary []byte) error {
		if i%checkEvery == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		o, err := decodeSummary(binary.BigEndian.Uint64(id), summary)
		if err != nil {
			return fmt.Errorf("summary of order %d: %w: %v", binary.BigEndian.Uint64(id), errCorrupt, err)
		}
		if m.Match(&o) {
			match(&o)
		}
		return nil
	}
	i := 0
	if f.From.IsZero() && f.To.IsZero() {
		return summaries.ForEach(func(k, v []byte) error { i++; return visit(i, k, v) })
	}
	c := tx.Bucket(bucketByDate).Cursor()
	to := uint64(max(f.To.UnixNano(), 0))
	for k, _ := c.Seek(be64(uint64(max(f.From.UnixNano(), 0)))); k != nil; k, _ = c.Next() {
		if !f.To.IsZero() && binary.BigEndian.Uint64(k[:8]) >= to {
			break
		}
		i++
		if err := visit(i, k[8:], summaries.Get(k[8:])); err != nil {
			return err
		}
	}
	return nil
}
