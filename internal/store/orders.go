package store

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/roms-dev/roms/internal/order"
)

// Write applies one edit to the order with the write's number, creating the order when it
// is new, and records the changes as an event. An edit that changes nothing is
// OutcomeUnchanged and leaves no event. It returns once the write is on disk.
func (s *Store) Write(ctx context.Context, w order.Write) (order.Result, error) {
	if err := ctx.Err(); err != nil {
		return order.Result{}, err
	}
	key := order.Key(w.Number)
	if key == "" {
		return order.Result{}, errors.New("store order: order number is empty")
	}
	var res order.Result
	// A shared commit may run this function twice; it recomputes everything each time.
	err := s.commits.run(func(tx *bolt.Tx) error {
		var err error
		res, err = write(tx, key, w)
		return err
	})
	s.noteWrite(err)
	if err != nil {
		return order.Result{}, fmt.Errorf("store order %s: %w", w.Number, err)
	}
	if err := s.memo.refresh(s.view, res.Order.ID); err != nil {
		return order.Result{}, err
	}
	return res, nil
}

// WriteMany applies writes in order in one transaction, each as Write would. A write
// that fails (ErrNotFound, ErrExists, a Check's error) leaves no trace and the others
// still apply: errs[i] is the error of writes[i]. err is a failure of the whole
// transaction, when nothing was stored.
func (s *Store) WriteMany(ctx context.Context, writes []order.Write) (results []order.Result, errs []error, err error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		results, errs = make([]order.Result, len(writes)), make([]error, len(writes))
		for i, w := range writes {
			key := order.Key(w.Number)
			if key == "" {
				errs[i] = errors.New("order number is empty")
				continue
			}
			results[i], errs[i] = write(tx, key, w)
			if errs[i] != nil && !order.Refused(errs[i]) {
				return fmt.Errorf("store order %s: %w", w.Number, errs[i]) // the database failed: stop
			}
		}
		return nil
	})
	s.noteWrite(err)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]uint64, 0, len(results))
	for i := range results {
		if errs[i] == nil {
			ids = append(ids, results[i].Order.ID)
		}
	}
	if err := s.memo.refresh(s.view, ids...); err != nil {
		return nil, nil, err
	}
	return results, errs, nil
}

// write applies one write in tx. Everything that can refuse it runs before anything is
// written, so a refused write leaves no trace.
func write(tx *bolt.Tx, key string, w order.Write) (order.Result, error) {
	if w.Mark != nil && seen(tx, *w.Mark) {
		return order.Result{Outcome: order.OutcomeDuplicate}, nil
	}
	stored, found, err := orderByKey(tx, key)
	if err != nil {
		return order.Result{}, err
	}
	var prev *order.Order
	if found {
		prev = &stored
	}
	o, res, err := order.Merge(prev, w)
	if err != nil {
		return order.Result{}, err
	}
	if err := remember(tx, w.Mark); err != nil {
		return order.Result{}, err
	}
	if !found {
		if o.ID, err = tx.Bucket(bucketOrders).NextSequence(); err != nil {
			return order.Result{}, err
		}
	}
	if res.Outcome != order.OutcomeUnchanged {
		if err := putOrder(tx, key, found, &o); err != nil {
			return order.Result{}, err
		}
		if err := addEvent(tx, &o, res, w); err != nil {
			return order.Result{}, err
		}
	}
	res.Order = o
	if w.Log != nil {
		entry := *w.Log
		entry.Outcome, entry.OrderID, entry.OrderNumber = res.Outcome, o.ID, o.OrderNumber
		if res.LogID, err = appendLog(tx, entry); err != nil {
			return order.Result{}, err
		}
	}
	return res, nil
}

// putOrder stores o and its summary; a new order also gets its number index entry and is
// counted.
func putOrder(tx *bolt.Tx, key string, found bool, o *order.Order) error {
	raw, err := json.Marshal(o)
	if err != nil {
		return err
	}
	if err := appendOnly(tx, bucketOrders).Put(be64(o.ID), raw); err != nil {
		return err
	}
	if err := appendOnly(tx, bucketSummaries).Put(be64(o.ID), encodeSummary(o)); err != nil {
		return err
	}
	if found {
		return nil
	}
	if err := tx.Bucket(bucketNumbers).Put([]byte(key), be64(o.ID)); err != nil {
		return err
	}
	return addCount(tx, keyOrderCount, 1)
}

// appendOnly is a bucket whose new keys nearly always go at its end (ids given in
// sequence): pages are filled to 90% when they split, instead of bbolt's even split that
// leaves every full page half empty (at a million orders the events took 1.6 GB for 0.7 GB
// of data). Updates in place, and the odd key in the middle, keep the 10% to grow into.
func appendOnly(tx *bolt.Tx, name []byte) *bolt.Bucket {
	b := tx.Bucket(name)
	b.FillPercent = 0.9
	return b
}

func addEvent(tx *bolt.Tx, o *order.Order, res order.Result, w order.Write) error {
	// Keyed by order id, then event id: a new order's first event goes at the end.
	events := appendOnly(tx, bucketEvents)
	id, err := events.NextSequence()
	if err != nil {
		return err
	}
	e := order.EventOf(o, res, w)
	e.ID = id
	raw, err := encodeEvent(e)
	if err != nil {
		return err
	}
	key := append(be64(o.ID), be64(id)...)
	if err := events.Put(key, raw); err != nil {
		return err
	}
	return tx.Bucket(bucketByActor).Put(actorKey(w.Actor, key), nil)
}

// actorKey is the index key of an event by its actor: actor 0x00 event key. Actors hold
// no NUL (they are built from ids and fixed words).
func actorKey(actor string, eventKey []byte) []byte {
	return append(append([]byte(strings.ReplaceAll(actor, "\x00", "")), 0), eventKey...)
}

// EventsBy returns every event an actor made, oldest first.
func (s *Store) EventsBy(ctx context.Context, actor string) ([]order.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	events := []order.Event{}
	prefix := actorKey(actor, nil)
	err := s.view(func(tx *bolt.Tx) error {
		all := tx.Bucket(bucketEvents)
		c := tx.Bucket(bucketByActor).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			e, err := decodeEvent(all.Get(k[len(prefix):]))
			if err != nil {
				return fmt.Errorf("decode event %x: %w", k[len(prefix):], err)
			}
			events = append(events, e)
		}
		return nil
	})
	sortEvents(events)
	return events, err
}

func orderByKey(tx *bolt.Tx, key string) (order.Order, bool, error) {
	id := tx.Bucket(bucketNumbers).Get([]byte(key))
	if id == nil {
		return order.Order{}, false, nil
	}
	o, err := orderByID(tx, id)
	return o, err == nil, err
}

func orderByID(tx *bolt.Tx, id []byte) (order.Order, error) {
	raw := tx.Bucket(bucketOrders).Get(id)
	if raw == nil {
		return order.Order{}, fmt.Errorf("order id %d: %w", binary.BigEndian.Uint64(id), order.ErrNotFound)
	}
	var o order.Order
	if err := json.Unmarshal(raw, &o); err != nil {
		return order.Order{}, fmt.Errorf("order %d: %w: %v", binary.BigEndian.Uint64(id), errCorrupt, err)
	}
	return o, nil
}

// Get returns the order with this number, in any case, with or without '#'.
func (s *Store) Get(ctx context.Context, number string) (order.Order, error) {
	if err := ctx.Err(); err != nil {
		return order.Order{}, err
	}
	var o order.Order
	err := s.view(func(tx *bolt.Tx) error {
		var found bool
		var err error
		o, found, err = orderByKey(tx, order.Key(number))
		if err == nil && !found {
			err = order.ErrNotFound
		}
		return err
	})
	return o, err
}

// ByID returns the order with this id.
func (s *Store) ByID(ctx context.Context, id uint64) (order.Order, error) {
	if err := ctx.Err(); err != nil {
		return order.Order{}, err
	}
	var o order.Order
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		o, err = orderByID(tx, be64(id))
		return err
	})
	return o, err
}

// Events returns the history of the order with this number, oldest first.
func (s *Store) Events(ctx context.Context, number string) ([]order.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	events := []order.Event{}
	err := s.view(func(tx *bolt.Tx) error {
		id := tx.Bucket(bucketNumbers).Get([]byte(order.Key(number)))
		if id == nil {
			return order.ErrNotFound
		}
		c := tx.Bucket(bucketEvents).Cursor()
		for k, v := c.Seek(id); k != nil && bytes.HasPrefix(k, id); k, v = c.Next() {
			e, err := decodeEvent(v)
			if err != nil {
				return fmt.Errorf("decode event %x: %w", k, err)
			}
			events = append(events, e)
		}
		return nil
	})
	return events, err
}

// sortEvents puts events in the order they happened: by id.
func sortEvents(events []order.Event) {
	slices.SortFunc(events, func(a, b order.Event) int { return cmp.Compare(a.ID, b.ID) })
}
