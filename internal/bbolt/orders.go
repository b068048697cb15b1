package bbolt

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	gojson "github.com/goccy/go-json"
	bolt "go.etcd.io/bbolt"

	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/summaries"
)

// Write applies one edit to the order with the write's number, creating the order when it
// is new, and records the changes as an event. An edit that changes nothing is
// OutcomeUnchanged and leaves no event. It returns once the write is on disk.
func (s *Store) Write(ctx context.Context, w order.Write) (order.Result, error) {
	if err := ctx.Err(); err != nil {
		return order.Result{}, err
	}
	key, err := order.KeyOf(w.Number)
	if err != nil {
		return order.Result{}, fmt.Errorf("store order: %w", err)
	}
	// Worked out here, beside the other writers, rather than in the commit they all
	// wait on; the commit redoes it only if the order changed meanwhile.
	var ahead *worked
	_ = s.view(func(tx *bolt.Tx) error {
		ahead, _ = work(tx, key, w)
		return nil
	})
	var res order.Result
	// A shared commit may run this function twice; it recomputes everything each time.
	err = s.commits.run(func(tx *bolt.Tx) error {
		var err error
		res, err = write(tx, key, w, ahead)
		return err
	}, func() { s.index.Put(&res.Order) })
	s.noteWrite(err)
	if err != nil {
		return order.Result{}, fmt.Errorf("store order %s: %w", w.Number, err)
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
	err = s.commits.run(func(tx *bolt.Tx) error {
		results, errs = make([]order.Result, len(writes)), make([]error, len(writes))
		for i, w := range writes {
			key, err := order.KeyOf(w.Number)
			if err != nil {
				errs[i] = err
				continue
			}
			results[i], errs[i] = write(tx, key, w, nil)
			if errs[i] != nil && !order.Refused(errs[i]) {
				return fmt.Errorf("store order %s: %w", w.Number, errs[i]) // the database failed: stop
			}
		}
		return nil
	}, func() {
		for i := range results {
			if errs[i] == nil {
				s.index.Put(&results[i].Order)
			}
		}
	})
	s.noteWrite(err)
	if err != nil {
		return nil, nil, err
	}
	return results, errs, nil
}

// worked is a write worked out from the order as it was stored: the merged order and
// the encodings of the order, its summary and its event, which are most of a write's
// cost. Ids are not in them: they are given in the commit, and readers take them from
// the keys.
type worked struct {
	basis                     []byte // the stored order's JSON it was worked from; nil: a new order
	order                     order.Order
	res                       order.Result
	orderJSON, summary, event []byte // the event as JSON: pack packs it in the commit
}

// work merges w into the stored order. A write that changes nothing has no encodings.
func work(tx *bolt.Tx, key string, w order.Write) (*worked, error) {
	id, basis := storedOrder(tx, key)
	k := &worked{basis: clone(basis)} // kept past the transaction, whose bytes die with it
	var stored *order.Order
	if basis != nil {
		o, err := decodeOrder(id, k.basis)
		if err != nil {
			return nil, err
		}
		stored = &o
	}
	var err error
	if k.order, k.res, err = order.Merge(stored, w); err != nil {
		return nil, err
	}
	if k.res.Outcome == order.OutcomeUnchanged {
		return k, nil
	}
	if k.orderJSON, err = json.Marshal(k.order); err != nil {
		return nil, err
	}
	k.summary = summaries.Encode(&k.order)
	k.event, err = eventJSON(order.EventOf(&k.order, k.res, w))
	return k, err
}

// storedOrder is the id and stored JSON of the order with this key, or nils.
func storedOrder(tx *bolt.Tx, key string) (id, raw []byte) {
	id = tx.Bucket(bucketNumbers).Get([]byte(key))
	if id == nil {
		return nil, nil
	}
	return id, tx.Bucket(bucketOrders).Get(id)
}

// write applies one write in tx, from what was worked out before the transaction when
// the order is still as it was then. Everything that can refuse it runs before anything
// is written, so a refused write leaves no trace.
func write(tx *bolt.Tx, key string, w order.Write, ahead *worked) (order.Result, error) {
	if w.Mark != nil && seen(tx, *w.Mark) {
		return order.Result{Outcome: order.OutcomeDuplicate}, nil
	}
	k := ahead
	if k != nil {
		if _, now := storedOrder(tx, key); !bytes.Equal(now, k.basis) {
			k = nil // the order changed since: work it out again
		}
	}
	if k == nil {
		var err error
		if k, err = work(tx, key, w); err != nil {
			return order.Result{}, err
		}
	}
	if err := remember(tx, w.Mark); err != nil {
		return order.Result{}, err
	}
	o, res := k.order, k.res
	found := k.basis != nil
	if !found {
		var err error
		if o.ID, err = tx.Bucket(bucketOrders).NextSequence(); err != nil {
			return order.Result{}, err
		}
	}
	if res.Outcome != order.OutcomeUnchanged {
		if err := putOrder(tx, key, o.ID, found, k.orderJSON, k.summary); err != nil {
			return order.Result{}, err
		}
		if err := addEvent(tx, o.ID, w.Actor, pack(k.event)); err != nil {
			return order.Result{}, err
		}
	}
	res.Order = o
	if w.Log != nil {
		entry := *w.Log
		entry.Outcome, entry.OrderID, entry.OrderNumber = res.Outcome, o.ID, o.OrderNumber
		var err error
		if res.LogID, err = appendLog(tx, entry); err != nil {
			return order.Result{}, err
		}
	}
	return res, nil
}

// putOrder stores an order and its summary; a new order also gets its number index entry
// and is counted.
func putOrder(tx *bolt.Tx, key string, id uint64, found bool, orderJSON, summary []byte) error {
	if err := appendOnly(tx, bucketOrders).Put(be64(id), orderJSON); err != nil {
		return err
	}
	if err := appendOnly(tx, bucketSummaries).Put(be64(id), summary); err != nil {
		return err
	}
	if found {
		return nil
	}
	if err := tx.Bucket(bucketNumbers).Put([]byte(key), be64(id)); err != nil {
		return err
	}
	return addCount(tx, keyOrderCount, 1)
}

// appendOnly is a bucket whose new keys nearly always go at its end (ids given in
// sequence): pages are filled to 90% when they split, instead of bbolt's even split that
// leaves every full page half empty. Updates in place, and the odd key in the middle, keep the 10% to grow into.
func appendOnly(tx *bolt.Tx, name []byte) *bolt.Bucket {
	b := tx.Bucket(name)
	b.FillPercent = 0.9
	return b
}

func addEvent(tx *bolt.Tx, orderID uint64, actor string, event []byte) error {
	// Keyed by order id, then event id: a new order's first event goes at the end.
	events := appendOnly(tx, bucketEvents)
	id, err := events.NextSequence()
	if err != nil {
		return err
	}
	key := append(be64(orderID), be64(id)...)
	if err := events.Put(key, event); err != nil {
		return err
	}
	return tx.Bucket(bucketByActor).Put(actorKey(actor, key), nil)
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
			e, err := decodeEvent(k[len(prefix):], all.Get(k[len(prefix):]))
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
	return decodeOrder(id, raw)
}

// decodeOrder reads a stored order. Its id is its key's: an order written before it had
// one is stored with id 0. A nil key keeps the stored id.
//
// Orders are written with encoding/json and read with go-json, which reads the same
// JSON the same way (TestStoredOrdersReadAsTheyWereWritten) faster: decoding is most of
// an export.
func decodeOrder(key, raw []byte) (order.Order, error) {
	var o order.Order
	err := gojson.Unmarshal(raw, &o)
	if len(key) == 8 {
		o.ID = binary.BigEndian.Uint64(key)
	}
	if err != nil {
		return order.Order{}, fmt.Errorf("order %d: %w: %v", o.ID, errCorrupt, err)
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
			e, err := decodeEvent(k, v)
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
