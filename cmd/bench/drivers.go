package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roms-dev/roms/internal/bbolt"
	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/postgres"
	"github.com/roms-dev/roms/internal/postgres/pgtest"
)

// opener opens an empty store for a benchmark, and what closes it.
type opener func(name string) (order.Store, func(), error)

// driver is a storage the store benchmarks run on. Rows of the PostgreSQL driver are
// named with a prefix and read against the same benchmark on bbolt.
type driver struct {
	prefix string
	open   opener
	seed   opener // where the seeded database is kept, when not with the others
}

func (d driver) bench(name, baseline string, fn func(*testing.B)) bench {
	if d.prefix == "" {
		return bench{name: name, baseline: baseline, fn: fn}
	}
	return bench{name: d.prefix + name, baseline: name, fn: fn}
}

func boltOpener(dir string) opener {
	return func(name string) (order.Store, func(), error) {
		st, err := bbolt.Open(filepath.Join(dir, name+".db"), time.Second)
		if err != nil {
			return nil, nil, err
		}
		return st, func() { st.Close() }, nil
	}
}

// pgOpener opens each store in a new schema of dsn's database; cleanup drops them.
func pgOpener(dsn string) (opener, func()) {
	var schemas []string
	open := func(name string) (order.Store, func(), error) {
		b := make([]byte, 4)
		rand.Read(b)
		schema := "roms_bench_" + hex.EncodeToString(b)
		if err := exec(dsn, "CREATE SCHEMA "+schema); err != nil {
			return nil, nil, err
		}
		schemas = append(schemas, schema)
		withSchema, err := pgtest.SchemaDSN(dsn, schema)
		if err != nil {
			return nil, nil, fmt.Errorf("-postgres: %w", err)
		}
		st, err := postgres.Open(context.Background(), withSchema)
		if err != nil {
			return nil, nil, err
		}
		return st, st.Close, nil
	}
	cleanup := func() {
		for _, s := range schemas {
			_ = exec(dsn, "DROP SCHEMA "+s+" CASCADE")
		}
	}
	return open, cleanup
}

func exec(dsn, sql string) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}
