package postgres

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/order/ordertest"
	"github.com/roms-dev/roms/internal/postgres/pgtest"
)

// openTest opens a store in a schema of its own, dropped when the test ends.
func openTest(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestContract(t *testing.T) {
	ordertest.Contract(t, func(t *testing.T) order.Store { return openTest(t) })
}

func TestOpenMigratesOnceAndRefusesANewerSchema(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	dsn := pgtest.WithSchema(t, pgtest.Server(t), currentSchema(t, s))
	again, err := Open(ctx, dsn) // a second instance on a migrated database
	if err != nil {
		t.Fatalf("open a migrated database: %v", err)
	}
	again.Close()
	if _, err := s.pool.Exec(ctx, "INSERT INTO roms_schema (version) VALUES (999)"); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, dsn); !errors.Is(err, ErrNewerSchema) {
		t.Errorf("open a newer schema: %v, want ErrNewerSchema", err)
	}
}

func TestOpenSaysWhenTheServerIsUnreachable(t *testing.T) {
	_, err := Open(context.Background(), "postgres://roms@127.0.0.1:1/roms?sslmode=disable&connect_timeout=2")
	if err == nil || !strings.Contains(err.Error(), "cannot reach 127.0.0.1:1") {
		t.Errorf("err = %v, want it to name the server it could not reach", err)
	}
}

func currentSchema(t *testing.T, s *Store) string {
	t.Helper()
	var name string
	if err := s.pool.QueryRow(context.Background(), "SELECT current_schema()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	return name
}
