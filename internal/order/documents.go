package order

import (
	"context"
	"encoding/json"
	"fmt"
)

// Documents is the part of a Store that keeps documents: what the packages that keep
// their own things (import batches, ACO clients and fees, the relay's outbox) ask of it.
type Documents interface {
	PutDocument(ctx context.Context, collection, key string, data []byte) error
	Document(ctx context.Context, collection, key string) ([]byte, error)
	Documents(ctx context.Context, collection, after string, limit int) ([]Document, error)
	DeleteDocument(ctx context.Context, collection, key string) error
}

// PutJSON stores v as a collection's document under key, as JSON.
func PutJSON(ctx context.Context, d Documents, collection, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return d.PutDocument(ctx, collection, key, raw)
}

// GetJSON reads a document stored by PutJSON; ErrNotFound when there is none.
func GetJSON[T any](ctx context.Context, d Documents, collection, key string) (T, error) {
	var v T
	raw, err := d.Document(ctx, collection, key)
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, fmt.Errorf("read %s %s: %w", collection, key, err)
	}
	return v, nil
}

// AllJSON reads every document of a collection, by key.
func AllJSON[T any](ctx context.Context, d Documents, collection string) ([]T, error) {
	docs, err := d.Documents(ctx, collection, "", 0)
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(docs))
	for _, doc := range docs {
		var v T
		if err := json.Unmarshal(doc.Data, &v); err != nil {
			return nil, fmt.Errorf("read %s %s: %w", collection, doc.Key, err)
		}
		out = append(out, v)
	}
	return out, nil
}
