package bbolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/roms-dev/roms/internal/order"
)

// AppendLog records an input that stored no order (ignored or rejected). With a mark, an
// input already taken is not logged again: the id is then 0.
func (s *Store) AppendLog(ctx context.Context, e order.LogEntry, mark *order.Mark) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var id uint64
	err := s.commits.run(func(tx *bolt.Tx) error {
		id = 0
		if mark != nil && seen(tx, *mark) {
			return nil
		}
		if err := remember(tx, mark); err != nil {
			return err
		}
		var err error
		id, err = appendLog(tx, e)
		return err
	}, nil)
	s.noteWrite(err)
	if err != nil {
		return 0, fmt.Errorf("append webhook log: %w", err)
	}
	return id, nil
}

func appendLog(tx *bolt.Tx, e order.LogEntry) (uint64, error) {
	b := appendOnly(tx, bucketLogs)
	id, err := b.NextSequence()
	if err != nil {
		return 0, err
	}
	e.ID = id
	raw, err := encodeLog(e)
	if err != nil {
		return 0, err
	}
	if err := b.Put(be64(id), raw); err != nil {
		return 0, err
	}
	if err := addCount(tx, keyLogBytes, len(raw)); err != nil {
		return 0, err
	}
	return id, addCount(tx, keyLogCount, 1)
}

// Logs returns up to limit entries, newest first.
func (s *Store) Logs(ctx context.Context, limit int) ([]order.LogEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	entries := []order.LogEntry{}
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketLogs).Cursor()
		for k, v := c.Last(); k != nil && len(entries) < limit; k, v = c.Prev() {
			e, err := decodeLog(v)
			if err != nil {
				return fmt.Errorf("decode log %d: %w", binary.BigEndian.Uint64(k), err)
			}
			entries = append(entries, e)
		}
		return nil
	})
	return entries, err
}

// FindLogs returns the newest entries that match f and how many match in all. Without a
// filter the total is the kept count; with one, every entry is read (the log is bounded by
// its retention).
func (s *Store) FindLogs(ctx context.Context, f order.LogFilter) (order.LogPage, error) {
	if err := ctx.Err(); err != nil {
		return order.LogPage{}, err
	}
	page := order.LogPage{Entries: []order.LogEntry{}}
	filtered := f.StillFailed || len(f.Outcomes) > 0 || !f.Since.IsZero()
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketLogs).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			if !filtered && len(page.Entries) == f.Limit {
				break
			}
			e, err := decodeLog(v)
			if err != nil {
				return fmt.Errorf("decode log %d: %w", binary.BigEndian.Uint64(k), err)
			}
			if !f.Match(&e) {
				continue
			}
			page.Total++
			if len(page.Entries) < f.Limit {
				page.Entries = append(page.Entries, e)
			}
		}
		if !filtered {
			page.Total = count(tx, keyLogCount)
		}
		return nil
	})
	return page, err
}

// Log returns one entry.
func (s *Store) Log(ctx context.Context, id uint64) (order.LogEntry, error) {
	if err := ctx.Err(); err != nil {
		return order.LogEntry{}, err
	}
	var e order.LogEntry
	err := s.view(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketLogs).Get(be64(id))
		if raw == nil {
			return fmt.Errorf("log entry %d: %w", id, order.ErrNotFound)
		}
		var err error
		e, err = decodeLog(raw)
		return err
	})
	return e, err
}

// MarkReplayed records the outcome of a replay of an entry.
func (s *Store) MarkReplayed(ctx context.Context, id uint64, outcome string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.commits.run(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLogs)
		raw := b.Get(be64(id))
		if raw == nil {
			return fmt.Errorf("log entry %d: %w", id, order.ErrNotFound)
		}
		e, err := decodeLog(raw)
		if err != nil {
			return err
		}
		e.ReplayedAs = outcome
		updated, err := encodeLog(e)
		if err != nil {
			return err
		}
		if err := addCount(tx, keyLogBytes, len(updated)-len(raw)); err != nil {
			return err
		}
		return b.Put(be64(id), updated)
	}, nil)
}

// PruneLogs deletes the oldest entries beyond the retention's count, age and size, in
// transactions of order.PruneChunk entries. It returns how many it deleted.
func (s *Store) PruneLogs(ctx context.Context, r order.Retention, now time.Time) (int, error) {
	n, err := order.PruneInChunks(ctx, func() (int, error) { return s.pruneSome(r, now) })
	if err != nil {
		return n, fmt.Errorf("prune webhook log: %w", err)
	}
	return n, nil
}

func (s *Store) pruneSome(r order.Retention, now time.Time) (int, error) {
	var n int
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLogs)
		// Collect first: deleting under a moving cursor can skip keys in bbolt.
		var keys [][]byte
		var sizes []int
		oldest := func(yield func(order.Kept) bool) {
			c := b.Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				keys, sizes = append(keys, clone(k)), append(sizes, len(v))
				raw, _ := unpack(v) // unreadable: left to the count and size bounds
				if !yield(order.Kept{ReceivedAt: receivedAt(raw), Bytes: int64(len(v))}) {
					return
				}
			}
		}
		n = r.Drop(count(tx, keyLogCount), int64(count(tx, keyLogBytes)), now, oldest)
		freed := 0
		for i, k := range keys[:n] {
			if err := b.Delete(k); err != nil {
				return err
			}
			freed += sizes[i]
		}
		if err := addCount(tx, keyLogBytes, -freed); err != nil {
			return err
		}
		return addCount(tx, keyLogCount, -n)
	})
	return n, err
}

// receivedAt is when an entry was received, from its JSON (zero when it cannot be read,
// which leaves it to the count and size bounds).
func receivedAt(raw []byte) time.Time {
	// The time comes second in an entry's JSON: read it there rather than decode a body
	// of up to 1 MiB.
	const key = `"received_at":"`
	if i := bytes.Index(raw[:min(len(raw), 64)], []byte(key)); i >= 0 {
		rest := raw[i+len(key):]
		if end := bytes.IndexByte(rest, '"'); end > 0 {
			if t, err := time.Parse(time.RFC3339Nano, string(rest[:end])); err == nil {
				return t
			}
		}
	}
	var e struct {
		ReceivedAt time.Time `json:"received_at"`
	}
	_ = json.Unmarshal(raw, &e)
	return e.ReceivedAt
}

// A log entry is stored as its JSON packed like an event's (events.go: S2 with eventDict,
// first byte s2Event): most of an entry is the raw input, a checkout message whose labels
// and words the dictionary holds: entries of the test fixtures take 37% less. Entries of
// older files are plain JSON, '{', and stay readable.

// encodeLog is an entry as stored. Only the commit loop calls it (see pack).
func encodeLog(e order.LogEntry) ([]byte, error) {
	raw, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	return pack(raw), nil
}

// decodeLog reads a stored entry.
func decodeLog(v []byte) (order.LogEntry, error) {
	var e order.LogEntry
	raw, err := unpack(v)
	if err != nil {
		return e, fmt.Errorf("log entry: %w: %v", errCorrupt, err)
	}
	return e, json.Unmarshal(raw, &e)
}
