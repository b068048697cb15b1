package bbolt

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"runtime"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/summaries"
)

// checkEvery is how many orders a scan reads between looks at its context, so that a
// request that is gone stops costing CPU.
const checkEvery = 1024

// List returns one page of the orders that match f, in its sort order, and how many match
// in all.
func (s *Store) List(ctx context.Context, f order.Filter) (order.Page, error) {
	if err := ctx.Err(); err != nil {
		return order.Page{}, err
	}
	f = f.WithDefaults()
	// The summaries are read before the file, never inside one of its transactions.
	positions, total, next, ok := s.index.DatePage(f)
	if !ok {
		pager, err := s.index.Page(ctx, f)
		if err != nil {
			return order.Page{}, err
		}
		positions, next = pager.Window()
		total = pager.Total
	}
	page := order.Page{Orders: []order.Order{}, Total: total, Next: next}
	err := s.view(func(tx *bolt.Tx) error {
		for _, p := range positions {
			o, err := orderByID(tx, be64(p.ID))
			if err != nil {
				return err
			}
			page.Orders = append(page.Orders, o)
		}
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
		stored := tx.Bucket(bucketSummaries)
		add := func(id []byte) error {
			o, err := summaries.Decode(binary.BigEndian.Uint64(id), stored.Get(id))
			if err == nil && o.DeletedAt == nil {
				matches = append(matches, match{o.ID, o.OrderNumber})
			}
			return err
		}
		if len(key) == 0 {
			c := stored.Cursor()
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

// Each calls fn with every order that matched f when it started, in its sort order, as
// stored then. An export streams through it in memory bounded by the number of matches
// (24 bytes each), not by their size.
func (s *Store) Each(ctx context.Context, f order.Filter, fn func(*order.Order) error) error {
	if f.Sort == "" {
		f.Sort = order.SortDateDesc
	}
	positions, err := s.index.Sorted(ctx, f) // before the file's transaction: see List
	if err != nil {
		return err
	}
	return s.view(func(tx *bolt.Tx) error { return decodeInTurn(ctx, tx, positions, fn) })
}

// decodeBatch is how many orders one decoder takes at a time.
const decodeBatch = 256

// decoded is a batch of orders read and being decoded; ready closes when it is done.
type decoded struct {
	orders []order.Order
	err    error
	ready  chan struct{}
}

// decodeInTurn calls fn with each order at positions, in their order. One goroutine
// reads the orders along their keys, batches of them are decoded on every core at once,
// and fn gets them in turn: decoding was most of an export. At most a few batches are in
// memory at a time. Nothing that reads the transaction's pages outlives the call.
func decodeInTurn(ctx context.Context, tx *bolt.Tx, positions []order.Position, fn func(*order.Order) error) error {
	ctx, cancel := context.WithCancel(ctx)
	queue := make(chan *decoded, 2*runtime.GOMAXPROCS(0))
	go readInBatches(ctx, tx, positions, queue)
	defer func() {
		cancel()
		for d := range queue { // the reader has stopped once it closes the queue
			<-d.ready
		}
	}()
	for d := range queue {
		<-d.ready
		if d.err != nil {
			return d.err
		}
		for i := range d.orders {
			if err := fn(&d.orders[i]); err != nil {
				return err
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// readInBatches reads the orders at positions in batches, starts decoding each, and
// queues them in turn until done or ctx ends; then it closes the queue.
func readInBatches(ctx context.Context, tx *bolt.Tx, positions []order.Position, queue chan<- *decoded) {
	defer close(queue)
	orders := steppingReader{c: tx.Bucket(bucketOrders).Cursor()}
	for start := 0; start < len(positions); start += decodeBatch {
		batch := positions[start:min(start+decodeBatch, len(positions))]
		d := &decoded{ready: make(chan struct{})}
		raws := make([][]byte, len(batch))
		for i, p := range batch {
			if raws[i] = orders.get(be64(p.ID)); raws[i] == nil {
				d.err = fmt.Errorf("order id %d: %w", p.ID, order.ErrNotFound)
			}
		}
		go func() {
			defer close(d.ready)
			if d.err != nil {
				return
			}
			d.orders = make([]order.Order, len(batch))
			for i, p := range batch {
				if d.orders[i], d.err = decodeOrder(be64(p.ID), raws[i]); d.err != nil {
					return
				}
			}
		}()
		select {
		case queue <- d:
		case <-ctx.Done():
			<-d.ready
			return
		}
	}
}

// steppingReader reads values by key through one cursor, stepping to the next key over
// when it is the one asked for and seeking otherwise: an export by date asks for ids
// nearly in their order (orders are stored as they happen), and a step costs a fraction
// of a search from the root.
type steppingReader struct {
	c    *bolt.Cursor
	k, v []byte
}

func (r *steppingReader) get(key []byte) []byte {
	if r.k != nil {
		var k, v []byte
		switch c := bytes.Compare(key, r.k); {
		case c == 0:
			return r.v
		case c > 0:
			k, v = r.c.Next()
		default:
			k, v = r.c.Prev()
		}
		if bytes.Equal(k, key) {
			r.k, r.v = k, v
			return v
		}
	}
	r.k, r.v = r.c.Seek(key)
	if !bytes.Equal(r.k, key) {
		r.k, r.v = nil, nil
		return nil
	}
	return r.v
}

// Totals adds up the orders that match f, grouped by one of order.Groupings, with days in
// loc.
func (s *Store) Totals(ctx context.Context, f order.Filter, by string, loc *time.Location) (order.Totals, []order.Totals, error) {
	if err := ctx.Err(); err != nil {
		return order.Totals{}, nil, err
	}
	tally, err := s.index.Tally(ctx, f, by, loc)
	if err != nil {
		return order.Totals{}, nil, err
	}
	all, groups := tally.Result()
	return all, groups, nil
}
