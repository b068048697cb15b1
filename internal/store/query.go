package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/roms-dev/roms/internal/order"
)

// valueIndexes are the equality indexes, most selective first: List walks the first one
// its filter names. Their keys are lower(value) 0x00 be64(id), so a value's ids are
// contiguous and in id order.
var valueIndexes = []struct {
	bucket []byte
	value  func(*order.Order) string
	filter func(*Filter) string
}{
	{bucketByEmail, func(o *order.Order) string { return o.Email }, func(f *Filter) string { return f.Email }},
	{bucketByProf, func(o *order.Order) string { return o.Profile }, func(f *Filter) string { return f.Profile }},
	{bucketByStore, func(o *order.Order) string { return o.Store }, func(f *Filter) string { return f.Store }},
	{bucketByState, func(o *order.Order) string { return o.Status }, func(f *Filter) string { return f.Status }},
}

// indexValue is the form a value is indexed and looked up in: case-insensitive, and
// without NUL, which separates the value from the id.
func indexValue(s string) []byte {
	return []byte(strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), "\x00", "")))
}

func valueKey(value string, id uint64) []byte {
	return append(append(indexValue(value), 0), be64(id)...)
}

func dateKey(t time.Time, id uint64) []byte {
	return append(be64(uint64(max(t.UnixNano(), 0))), be64(id)...)
}

func addIndexes(tx *bolt.Tx, o *order.Order) error {
	for _, ix := range valueIndexes {
		if v := ix.value(o); v != "" {
			if err := tx.Bucket(ix.bucket).Put(valueKey(v, o.ID), nil); err != nil {
				return err
			}
		}
	}
	return tx.Bucket(bucketByDate).Put(dateKey(o.OrderDate, o.ID), nil)
}

func removeIndexes(tx *bolt.Tx, o *order.Order) error {
	for _, ix := range valueIndexes {
		if v := ix.value(o); v != "" {
			if err := tx.Bucket(ix.bucket).Delete(valueKey(v, o.ID)); err != nil {
				return err
			}
		}
	}
	return tx.Bucket(bucketByDate).Delete(dateKey(o.OrderDate, o.ID))
}

// Filter selects orders. Empty fields match everything; text fields match whole values,
// case-insensitively, except Query, which is a substring of the product.
type Filter struct {
	Status, Store, Profile, Email string
	Query                         string
	From, To                      time.Time // order date in [From, To)
	Before                        uint64    // cursor: only orders with a smaller id
	Limit                         int
}

// Page is one page of orders, newest (highest id) first. Next is the cursor of the next
// page, or 0 on the last.
type Page struct {
	Orders []order.Order
	Next   uint64
}

// List returns the orders that match f. It walks an index when f names an indexed field,
// so a filtered lookup reads only matching orders.
func (s *Store) List(ctx context.Context, f Filter) (Page, error) {
	if err := ctx.Err(); err != nil {
		return Page{}, err
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	page := Page{Orders: []order.Order{}}
	err := s.db.View(func(tx *bolt.Tx) error {
		return candidates(tx, &f, func(id []byte) (bool, error) {
			o, err := orderByID(tx, id)
			if err != nil {
				return false, err
			}
			if !f.matches(&o) {
				return true, nil
			}
			if len(page.Orders) == f.Limit {
				page.Next = page.Orders[len(page.Orders)-1].ID
				return false, nil
			}
			page.Orders = append(page.Orders, o)
			return true, nil
		})
	})
	return page, err
}

// candidates calls visit with the ids that may match f, newest first, until visit says
// stop. Every candidate is still checked against the whole filter.
func candidates(tx *bolt.Tx, f *Filter, visit func(id []byte) (bool, error)) error {
	for _, ix := range valueIndexes {
		if v := ix.filter(f); v != "" {
			prefix := append(indexValue(v), 0)
			return scanDesc(tx.Bucket(ix.bucket), prefix, f.Before, func(k []byte) (bool, error) {
				return visit(k[len(prefix):])
			})
		}
	}
	if !f.From.IsZero() || !f.To.IsZero() {
		return visitAll(datedIDs(tx, f), visit)
	}
	return scanDesc(tx.Bucket(bucketOrders), nil, f.Before, visit)
}

// scanDesc visits the keys of b that start with prefix and end in an id below before
// (0: any), from the highest down.
func scanDesc(b *bolt.Bucket, prefix []byte, before uint64, visit func(k []byte) (bool, error)) error {
	c := b.Cursor()
	var k []byte
	if before == 0 {
		// The first key past every key with this prefix.
		k, _ = c.Seek(append(slices.Clone(prefix), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))
	} else {
		k, _ = c.Seek(append(slices.Clone(prefix), be64(before)...))
	}
	if k == nil {
		k, _ = c.Last()
	} else {
		k, _ = c.Prev()
	}
	for ; k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Prev() {
		if more, err := visit(k); err != nil || !more {
			return err
		}
	}
	return nil
}

// datedIDs returns the ids of orders dated in [f.From, f.To) below the cursor, newest id
// first. Dates and ids are not in the same order (backfilled history is old but new), so
// the ids are collected and sorted.
func datedIDs(tx *bolt.Tx, f *Filter) [][]byte {
	c := tx.Bucket(bucketByDate).Cursor()
	var ids [][]byte
	from := be64(uint64(max(f.From.UnixNano(), 0)))
	for k, _ := c.Seek(from); k != nil; k, _ = c.Next() {
		if !f.To.IsZero() && binary.BigEndian.Uint64(k[:8]) >= uint64(max(f.To.UnixNano(), 0)) {
			break
		}
		if id := binary.BigEndian.Uint64(k[8:]); f.Before == 0 || id < f.Before {
			ids = append(ids, clone(k[8:]))
		}
	}
	slices.SortFunc(ids, func(a, b []byte) int { return bytes.Compare(b, a) })
	return ids
}

func visitAll(ids [][]byte, visit func(id []byte) (bool, error)) error {
	for _, id := range ids {
		if more, err := visit(id); err != nil || !more {
			return err
		}
	}
	return nil
}

func (f *Filter) matches(o *order.Order) bool {
	for _, ix := range valueIndexes {
		if v := ix.filter(f); v != "" && !bytes.Equal(indexValue(v), indexValue(ix.value(o))) {
			return false
		}
	}
	if !f.From.IsZero() && o.OrderDate.Before(f.From) {
		return false
	}
	if !f.To.IsZero() && !o.OrderDate.Before(f.To) {
		return false
	}
	if f.Query != "" && !strings.Contains(strings.ToLower(o.Product), strings.ToLower(f.Query)) {
		return false
	}
	return true
}
