package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/order/ordertest"
)

// testDSN is the database the tests use, from ROMS_TEST_POSTGRES_DSN (.ci/postgres.sh
// starts one). Without it the tests are skipped, except in CI, where that is a failure.
func testDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("ROMS_TEST_POSTGRES_DSN")
	if dsn == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("ROMS_TEST_POSTGRES_DSN is not set: CI must run the PostgreSQL tests (.ci/postgres.sh)")
		}
		t.Skip("PostgreSQL tests skipped: set ROMS_TEST_POSTGRES_DSN, or run eval \"$(bash .ci/postgres.sh start)\" first")
	}
	return dsn
}

// openTest opens a store in a schema of its own, dropped when the test ends.
func openTest(t *testing.T) *Store {
	t.Helper()
	dsn := testDSN(t)
	ctx := context.Background()
	name := "roms_test_" + randomHex(6)
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			return
		}
		defer conn.Close(context.Background())
		conn.Exec(context.Background(), "DROP SCHEMA "+name+" CASCADE") // a leftover schema harms nothing
	})
	s, err := Open(ctx, withSchema(t, dsn, name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func withSchema(t *testing.T, dsn, schema string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("ROMS_TEST_POSTGRES_DSN must be a postgres:// URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func TestContract(t *testing.T) {
	ordertest.Contract(t, func(t *testing.T) order.Store { return openTest(t) })
}

func TestOpenMigratesOnceAndRefusesANewerSchema(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	dsn := withSchema(t, testDSN(t), currentSchema(t, s))
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
