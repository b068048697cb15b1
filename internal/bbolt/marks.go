package bbolt

import (
	"context"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/roms-dev/roms/internal/order"
)

// Seen reports whether an input with this mark would be a duplicate. It only reads, so
// sources can skip parsing inputs they delivered before; the write re-checks.
func (s *Store) Seen(ctx context.Context, m order.Mark) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	var dup bool
	err := s.view(func(tx *bolt.Tx) error {
		dup = seen(tx, m)
		return nil
	})
	return dup, err
}

func seen(tx *bolt.Tx, m order.Mark) bool {
	v := tx.Bucket(bucketSeen).Get([]byte(m.Key))
	if len(v) < 8 {
		return false
	}
	return m.Covered(int64(binary.BigEndian.Uint64(v[:8])), string(v[8:]))
}

func remember(tx *bolt.Tx, m *order.Mark) error {
	if m == nil {
		return nil
	}
	return tx.Bucket(bucketSeen).Put([]byte(m.Key), append(be64(uint64(m.Version)), m.Hash...))
}

// Position returns a named position, such as the last message id read from a channel,
// or "" when none was saved.
func (s *Store) Position(ctx context.Context, name string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	var pos string
	err := s.view(func(tx *bolt.Tx) error {
		pos = string(tx.Bucket(bucketPositions).Get([]byte(name)))
		return nil
	})
	return pos, err
}

// Advance saves a named position. Positions are decimal numbers (Discord ids) and only
// move forward: an older one is ignored.
func (s *Store) Advance(ctx context.Context, name, pos string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.commits.run(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPositions)
		if !numberLess(string(b.Get([]byte(name))), pos) {
			return nil
		}
		return b.Put([]byte(name), []byte(pos))
	}, nil)
	if err != nil {
		return fmt.Errorf("save position %s: %w", name, err)
	}
	return nil
}

// numberLess compares decimal numbers without leading zeros; "" is less than any.
func numberLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}
