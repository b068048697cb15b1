package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/roms-dev/roms/internal/order"
)

// Outcomes of one input, as replies and the webhook log report them.
const (
	OutcomeCreated   = "created"
	OutcomeUpdated   = "updated"
	OutcomeUnchanged = "unchanged"
	OutcomeIgnored   = "ignored"
	OutcomeRejected  = "rejected"
)

// Write is one message to merge into the store.
type Write struct {
	Fields     order.Fields
	Origin     order.Origin
	OccurredAt time.Time // when the checkout happened: the order date of a new order
	At         time.Time // when ROMS received it
	// Log, when set, is written in the same transaction with the outcome filled in, so
	// an order and the record of the input that made it cannot disagree.
	Log *LogEntry
	// MustExist makes a missing order ErrNotFound instead of creating it (API edits).
	MustExist bool
	// Mark, when set, makes the write idempotent (see Mark).
	Mark *Mark
}

// Result is what one write did.
type Result struct {
	Outcome string
	Order   order.Order
	Changes []order.Change
	LogID   uint64
}

// Upsert creates the order of a new number, or merges the fields into the known order and
// records the changes as an event. A message that changes nothing is OutcomeUnchanged and
// leaves no event. It returns once the write is on disk.
func (s *Store) Upsert(ctx context.Context, w Write) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	key := order.Key(w.Fields.OrderNumber)
	if key == "" {
		return Result{}, errors.New("upsert: order number is empty")
	}
	var res Result
	// Batch may run this function twice; it recomputes everything each time.
	err := s.db.Batch(func(tx *bolt.Tx) error {
		var err error
		res, err = upsert(tx, key, w)
		return err
	})
	if err != nil {
		return Result{}, fmt.Errorf("store order %s: %w", w.Fields.OrderNumber, err)
	}
	return res, nil
}

func upsert(tx *bolt.Tx, key string, w Write) (Result, error) {
	if w.Mark != nil && seen(tx, *w.Mark) {
		return Result{Outcome: OutcomeDuplicate}, nil
	}
	if err := remember(tx, w.Mark); err != nil {
		return Result{}, err
	}
	o, found, err := orderByKey(tx, key)
	if err != nil {
		return Result{}, err
	}
	if !found && w.MustExist {
		return Result{}, ErrNotFound
	}
	if !found {
		at := w.OccurredAt
		if at.IsZero() {
			at = w.At
		}
		o = order.New(w.Fields.OrderNumber, w.Origin, at)
		if o.ID, err = tx.Bucket(bucketOrders).NextSequence(); err != nil {
			return Result{}, err
		}
		o.CreatedAt = w.At.UTC()
	}
	before := o
	res := Result{Changes: order.Apply(&o, w.Fields, w.At)}
	switch {
	case !found:
		res.Outcome = OutcomeCreated
	case len(res.Changes) == 0:
		res.Outcome = OutcomeUnchanged
	default:
		res.Outcome = OutcomeUpdated
	}
	if res.Outcome != OutcomeUnchanged {
		o.UpdatedAt = w.At.UTC()
		if err := putOrder(tx, key, found, &before, &o); err != nil {
			return Result{}, err
		}
		if err := addEvent(tx, &o, res, w); err != nil {
			return Result{}, err
		}
	}
	res.Order = o
	if w.Log != nil {
		entry := *w.Log
		entry.Outcome, entry.OrderID, entry.OrderNumber = res.Outcome, o.ID, o.OrderNumber
		if res.LogID, err = appendLog(tx, entry); err != nil {
			return Result{}, err
		}
	}
	return res, nil
}

func putOrder(tx *bolt.Tx, key string, found bool, before, o *order.Order) error {
	raw, err := json.Marshal(o)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bucketOrders).Put(be64(o.ID), raw); err != nil {
		return err
	}
	if found {
		if err := removeIndexes(tx, before); err != nil {
			return err
		}
	} else if err := tx.Bucket(bucketNumbers).Put([]byte(key), be64(o.ID)); err != nil {
		return err
	}
	return addIndexes(tx, o)
}

func addEvent(tx *bolt.Tx, o *order.Order, res Result, w Write) error {
	events := tx.Bucket(bucketEvents)
	id, err := events.NextSequence()
	if err != nil {
		return err
	}
	typ := order.EventUpdated
	if res.Outcome == OutcomeCreated {
		typ = order.EventCreated
	}
	changes := res.Changes
	if changes == nil {
		changes = []order.Change{}
	}
	raw, err := json.Marshal(order.Event{ID: id, OrderID: o.ID, Type: typ, At: w.At.UTC(), Origin: w.Origin, Changes: changes})
	if err != nil {
		return err
	}
	return events.Put(append(be64(o.ID), be64(id)...), raw)
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
		return order.Order{}, fmt.Errorf("order id %d: %w", binary.BigEndian.Uint64(id), ErrNotFound)
	}
	var o order.Order
	if err := json.Unmarshal(raw, &o); err != nil {
		return order.Order{}, fmt.Errorf("decode order %d: %w", binary.BigEndian.Uint64(id), err)
	}
	return o, nil
}

// Get returns the order with this number, in any case, with or without '#'.
func (s *Store) Get(ctx context.Context, number string) (order.Order, error) {
	if err := ctx.Err(); err != nil {
		return order.Order{}, err
	}
	var o order.Order
	err := s.db.View(func(tx *bolt.Tx) error {
		var found bool
		var err error
		o, found, err = orderByKey(tx, order.Key(number))
		if err == nil && !found {
			err = ErrNotFound
		}
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
	err := s.db.View(func(tx *bolt.Tx) error {
		id := tx.Bucket(bucketNumbers).Get([]byte(order.Key(number)))
		if id == nil {
			return ErrNotFound
		}
		c := tx.Bucket(bucketEvents).Cursor()
		for k, v := c.Seek(id); k != nil && bytes.HasPrefix(k, id); k, v = c.Next() {
			var e order.Event
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("decode event %x: %w", k, err)
			}
			events = append(events, e)
		}
		return nil
	})
	return events, err
}
