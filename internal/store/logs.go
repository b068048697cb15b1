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
	return id, addCount(tx, keyLogCount, 1)
}

// Logs returns up to limit entries, newest first.
func (s *Store) Logs(ctx context.Context, limit int) ([]order.LogEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	entries := []order.LogEntry{}
	err := s.db.View(func(tx *bolt.Tx) error {
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
	err := s.db.View(func(tx *bolt.Tx) error {
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
	err := s.db.View(func(tx *bolt.Tx) error {
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
		return b.Put(be64(id), updated)
	})
}

// PruneLogs deletes the oldest entries beyond keep (0: no count limit) and those received
// before now-maxAge (0: no age limit). It returns how many it deleted.
func (s *Store) PruneLogs(ctx context.Context, keep int, maxAge time.Duration, now time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var deleted int
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLogs)
		total := count(tx, keyLogCount)
		// Collect first: deleting under a moving cursor can skip keys in bbolt.
		var doomed [][]byte
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			overCount := keep > 0 && total-len(doomed) > keep
			if !overCount && !(maxAge > 0 && tooOld(v, now.Add(-maxAge))) {
				break
			}
			doomed = append(doomed, clone(k))
		}
		for _, k := range doomed {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		deleted = len(doomed)
		return addCount(tx, keyLogCount, -deleted)
	})
	if err != nil {
		return 0, fmt.Errorf("prune webhook log: %w", err)
	}
	return deleted, nil
}

// tooOld reports whether an entry was received before cutoff. Entries are appended in
// time order, so pruning stops at the first entry that is young enough.
func tooOld(raw []byte, cutoff time.Time) bool {
	var e struct {
		ReceivedAt time.Time `json:"received_at"`
	}
	return json.Unmarshal(raw, &e) == nil && e.ReceivedAt.Before(cutoff)
}
