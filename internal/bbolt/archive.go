package bbolt

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/summaries"
)

// Records calls fn with everything stored, each kind in id order, from one snapshot.
func (s *Store) Records(ctx context.Context, fn func(order.Record) error) error {
	return s.view(func(tx *bolt.Tx) error {
		each := func(bucket []byte, visit func(k, v []byte) error) error {
			i := 0
			return tx.Bucket(bucket).ForEach(func(k, v []byte) error {
				if i++; i%checkEvery == 0 && ctx.Err() != nil {
					return ctx.Err()
				}
				return visit(k, v)
			})
		}
		err := each(bucketOrders, func(k, v []byte) error {
			o, err := decodeOrder(k, v)
			if err != nil {
				return err
			}
			return fn(order.Record{Order: &o})
		})
		if err == nil {
			err = eventsInIDOrder(tx, fn)
		}
		if err == nil {
			err = each(bucketLogs, func(_, v []byte) error {
				e, err := decodeLog(v)
				if err != nil {
					return err
				}
				return fn(order.Record{Log: &e})
			})
		}
		if err == nil {
			err = each(bucketSeen, func(k, v []byte) error {
				if len(v) < 8 {
					return nil
				}
				return fn(order.Record{Mark: &order.MarkRecord{Key: string(k), Version: int64(binary.BigEndian.Uint64(v[:8])), Hash: string(v[8:])}})
			})
		}
		if err == nil {
			err = each(bucketPositions, func(k, v []byte) error {
				return fn(order.Record{Position: &order.PositionMark{Name: string(k), Pos: string(v)}})
			})
		}
		if err == nil {
			err = each(bucketAliases, func(k, v []byte) error {
				return fn(order.Record{Alias: &order.AliasRecord{Label: string(k), Field: string(v)}})
			})
		}
		if err == nil {
			err = tx.Bucket(bucketDocuments).ForEachBucket(func(collection []byte) error {
				return tx.Bucket(bucketDocuments).Bucket(collection).ForEach(func(k, v []byte) error {
					return fn(order.Record{Document: &order.Document{Collection: string(collection), Key: string(k), Data: bytes.Clone(v)}})
				})
			})
		}
		return err
	})
}

// eventsInIDOrder gives the events by their own ids (they are kept by order, then id).
func eventsInIDOrder(tx *bolt.Tx, fn func(order.Record) error) error {
	var events []order.Event
	err := tx.Bucket(bucketEvents).ForEach(func(k, v []byte) error {
		e, err := decodeEvent(k, v)
		if err != nil {
			return err
		}
		events = append(events, e)
		return nil
	})
	if err != nil {
		return err
	}
	sortEvents(events)
	for i := range events {
		if err := fn(order.Record{Event: &events[i]}); err != nil {
			return err
		}
	}
	return nil
}

// Restore stores records as they are, ids included, skipping those already there, in one
// transaction. Sequences move past the ids restored, so new writes never reuse them.
func (s *Store) Restore(ctx context.Context, records []order.Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var ids []uint64
	var refreshErr error
	err := s.commits.run(func(tx *bolt.Tx) error {
		ids = ids[:0]
		for _, r := range records {
			if r.Order != nil {
				ids = append(ids, r.Order.ID)
			}
			if err := restore(tx, r); err != nil {
				return err
			}
		}
		return nil
	}, func() { refreshErr = s.refreshIndex(ids) })
	return cmp.Or(err, refreshErr)
}

func restore(tx *bolt.Tx, r order.Record) error {
	switch {
	case r.Order != nil:
		o := r.Order
		if tx.Bucket(bucketOrders).Get(be64(o.ID)) != nil {
			return nil
		}
		raw, err := json.Marshal(o)
		if err != nil {
			return err
		}
		if err := putOrder(tx, order.Key(o.OrderNumber), o.ID, false, raw, summaries.Encode(o)); err != nil {
			return fmt.Errorf("restore order %s: %w", o.OrderNumber, err)
		}
		return raiseSequence(tx.Bucket(bucketOrders), o.ID)
	case r.Event != nil:
		e := r.Event
		key := append(be64(e.OrderID), be64(e.ID)...)
		events := tx.Bucket(bucketEvents)
		if events.Get(key) != nil {
			return nil
		}
		raw, err := encodeEvent(*e)
		if err != nil {
			return err
		}
		if err := events.Put(key, raw); err != nil {
			return err
		}
		if err := tx.Bucket(bucketByActor).Put(actorKey(e.Actor, key), nil); err != nil {
			return err
		}
		return raiseSequence(events, e.ID)
	case r.Log != nil:
		logs := tx.Bucket(bucketLogs)
		if logs.Get(be64(r.Log.ID)) != nil {
			return nil
		}
		seq := logs.Sequence()
		if err := logs.SetSequence(r.Log.ID - 1); err != nil { // appendLog takes the next
			return err
		}
		if _, err := appendLog(tx, *r.Log); err != nil {
			return err
		}
		return raiseSequence(logs, seq)
	case r.Mark != nil:
		if tx.Bucket(bucketSeen).Get([]byte(r.Mark.Key)) != nil {
			return nil
		}
		return remember(tx, &order.Mark{Key: r.Mark.Key, Version: r.Mark.Version, Hash: r.Mark.Hash})
	case r.Position != nil:
		b := tx.Bucket(bucketPositions)
		if b.Get([]byte(r.Position.Name)) != nil {
			return nil
		}
		return b.Put([]byte(r.Position.Name), []byte(r.Position.Pos))
	case r.Alias != nil:
		b := tx.Bucket(bucketAliases)
		if b.Get([]byte(r.Alias.Label)) != nil {
			return nil
		}
		return b.Put([]byte(r.Alias.Label), []byte(r.Alias.Field))
	case r.Document != nil:
		b, err := tx.Bucket(bucketDocuments).CreateBucketIfNotExists([]byte(r.Document.Collection))
		if err != nil || b.Get([]byte(r.Document.Key)) != nil {
			return err
		}
		return b.Put([]byte(r.Document.Key), r.Document.Data)
	}
	return nil
}

// raiseSequence moves a bucket's sequence up to id, never down.
func raiseSequence(b *bolt.Bucket, id uint64) error {
	if b.Sequence() >= id {
		return nil
	}
	return b.SetSequence(id)
}

// Census counts what is stored.
func (s *Store) Census(ctx context.Context) (order.Census, error) {
	var c order.Census
	err := s.view(func(tx *bolt.Tx) error {
		c.Orders = tx.Bucket(bucketOrders).Stats().KeyN
		c.Events = tx.Bucket(bucketEvents).Stats().KeyN
		c.Logs = tx.Bucket(bucketLogs).Stats().KeyN
		c.Marks = tx.Bucket(bucketSeen).Stats().KeyN
		c.Positions = tx.Bucket(bucketPositions).Stats().KeyN
		c.Aliases = tx.Bucket(bucketAliases).Stats().KeyN
		return tx.Bucket(bucketDocuments).ForEachBucket(func(collection []byte) error {
			c.Documents += tx.Bucket(bucketDocuments).Bucket(collection).Stats().KeyN
			return nil
		})
	})
	return c, err
}

// refreshIndex reads the summaries of these orders, as stored now, into the index.
func (s *Store) refreshIndex(ids []uint64) error {
	var stored []*order.Order
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSummaries)
		for _, id := range ids {
			if id == 0 {
				continue
			}
			o, err := summaries.Decode(id, b.Get(be64(id)))
			if err != nil {
				return fmt.Errorf("summary of order %d: %w: %v", id, errCorrupt, err)
			}
			stored = append(stored, &o)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.index.Put(stored...)
	return nil
}
