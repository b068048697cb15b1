package store

import (
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
	err := s.db.Batch(func(tx *bolt.Tx) error {
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
	})
	s.noteWrite(err)
	if err != nil {
		return 0, fmt.Errorf("append webhook log: %w", err)
	}
	return id, nil
}

func appendLog(tx *bolt.Tx, e order.LogEntry) (uint64, error) {
	b := tx.Bucket(bucketLogs)
	id, err := b.NextSequence()
	if err != nil {
		return 0, err
	}
	e.ID = id
	raw, err := json.Marshal(e)
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
			var e order.LogEntry
			if err := json.Unmarshal(v, &e); err != nil {
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
			var e order.LogEntry
			if err := json.Unmarshal(v, &e); err != nil {
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
		return json.Unmarshal(raw, &e)
	})
	return e, err
}

// MarkReplayed records the outcome of a replay of an entry.
func (s *Store) MarkReplayed(ctx context.Context, id uint64, outcome string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.Batch(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLogs)
		raw := b.Get(be64(id))
		if raw == nil {
			return fmt.Errorf("log entry %d: %w", id, order.ErrNotFound)
		}
		var e order.LogEntry
		if err := json.Unmarshal(raw, &e); err != nil {
			return err
		}
		e.ReplayedAs = outcome
		updated, err := json.Marshal(e)
		if err != nil {
			return err
		}
		if err := addCount(tx, keyLogBytes, len(updated)-len(raw)); err != nil {
			return err
		}
		return b.Put(be64(id), updated)
	})
}

// pruneChunk is the most entries one pruning transaction deletes: a long trim never
// holds the write lock for long, so webhooks keep being stored meanwhile.
const pruneChunk = 1000

// PruneLogs deletes the oldest entries beyond the retention's count, age and size, in
// transactions of pruneChunk entries. It returns how many it deleted.
func (s *Store) PruneLogs(ctx context.Context, r order.Retention, now time.Time) (int, error) {
	deleted := 0
	for {
		if err := ctx.Err(); err != nil {
			return deleted, err
		}
		n, err := s.pruneSome(r, now)
		deleted += n
		if err != nil {
			return deleted, fmt.Errorf("prune webhook log: %w", err)
		}
		if n < pruneChunk {
			return deleted, nil
		}
	}
}

func (s *Store) pruneSome(r order.Retention, now time.Time) (int, error) {
	var n int
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLogs)
		entries, size := count(tx, keyLogCount), int64(count(tx, keyLogBytes))
		// Collect first: deleting under a moving cursor can skip keys in bbolt.
		var doomed [][]byte
		freed := 0
		c := b.Cursor()
		for k, v := c.First(); k != nil && len(doomed) < pruneChunk; k, v = c.Next() {
			overCount := r.MaxEntries > 0 && entries-len(doomed) > r.MaxEntries
			overSize := r.MaxBytes > 0 && size-int64(freed) > r.MaxBytes
			if !overCount && !overSize && !(r.MaxAge > 0 && tooOld(v, now.Add(-r.MaxAge))) {
				break
			}
			doomed = append(doomed, clone(k))
			freed += len(v)
		}
		for _, k := range doomed {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		n = len(doomed)
		if err := addCount(tx, keyLogBytes, -freed); err != nil {
			return err
		}
		return addCount(tx, keyLogCount, -n)
	})
	return n, err
}

// tooOld reports whether an entry was received before cutoff. Entries are appended in
// time order, so pruning stops at the first entry that is young enough.
func tooOld(raw []byte, cutoff time.Time) bool {
	var e struct {
		ReceivedAt time.Time `json:"received_at"`
	}
	return json.Unmarshal(raw, &e) == nil && e.ReceivedAt.Before(cutoff)
}
