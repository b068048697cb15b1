package bbolt

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Aliases returns the parser labels taught from the review list.
func (s *Store) Aliases(ctx context.Context) (map[string]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := map[string]string{}
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketAliases).ForEach(func(k, v []byte) error {
			out[string(k)] = string(v)
			return nil
		})
	})
	return out, err
}

// Teach saves a taught label; an empty field forgets it.
func (s *Store) Teach(ctx context.Context, label, field string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.commits.run(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAliases)
		if field == "" {
			return b.Delete([]byte(label))
		}
		return b.Put([]byte(label), []byte(field))
	}, nil)
	if err != nil {
		return fmt.Errorf("save parser alias %q: %w", label, err)
	}
	return nil
}
