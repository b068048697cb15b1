package bbolt

import (
	"bytes"
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/roms-dev/roms/internal/order"
)

// Documents live in a bucket per collection inside bucketDocuments, so that a collection is
// listed by key without reading the others.

// PutDocument writes or replaces a document.
func (s *Store) PutDocument(ctx context.Context, collection, key string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.commits.run(func(tx *bolt.Tx) error {
		b, err := tx.Bucket(bucketDocuments).CreateBucketIfNotExists([]byte(collection))
		if err != nil {
			return err
		}
		return b.Put([]byte(key), data)
	}, nil)
	if err != nil {
		return fmt.Errorf("save %s document %q: %w", collection, key, err)
	}
	return nil
}

// Record reads one document; order.ErrNotFound when there is none.
func (s *Store) Document(ctx context.Context, collection, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []byte
	err := s.view(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketDocuments).Bucket([]byte(collection)); b != nil {
			if v := b.Get([]byte(key)); v != nil {
				out = bytes.Clone(v)
			}
		}
		return nil
	})
	if err == nil && out == nil {
		err = order.ErrNotFound
	}
	return out, err
}

// Records lists a collection by key, after a key, up to limit (0: all).
func (s *Store) Documents(ctx context.Context, collection, after string, limit int) ([]order.Document, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []order.Document
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDocuments).Bucket([]byte(collection))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		k, v := c.Seek([]byte(after))
		if k != nil && after != "" && string(k) == after {
			k, v = c.Next()
		}
		for ; k != nil && (limit <= 0 || len(out) < limit); k, v = c.Next() {
			out = append(out, order.Document{Collection: collection, Key: string(k), Data: bytes.Clone(v)})
		}
		return nil
	})
	return out, err
}

// DeleteDocument forgets a document; forgetting one that is not there is not an error.
func (s *Store) DeleteDocument(ctx context.Context, collection, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.commits.run(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketDocuments).Bucket([]byte(collection)); b != nil {
			return b.Delete([]byte(key))
		}
		return nil
	}, nil)
	if err != nil {
		return fmt.Errorf("delete %s document %q: %w", collection, key, err)
	}
	return nil
}
