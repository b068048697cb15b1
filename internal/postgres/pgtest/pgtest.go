// Package pgtest gives tests a PostgreSQL database of their own: a fresh schema in the
// server ROMS_TEST_POSTGRES_DSN names (.ci/postgres.sh starts one), dropped when the
// test ends. Without the variable the test is skipped, except in CI, where that fails.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Env is the variable that names the test server.
const Env = "ROMS_TEST_POSTGRES_DSN"

// Server is the test server's DSN, or skips (fails in CI) without one.
func Server(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(Env)
	if dsn == "" {
		if os.Getenv("CI") != "" {
			t.Fatal(Env + " is not set: CI must run the PostgreSQL tests (.ci/postgres.sh)")
		}
		t.Skip("PostgreSQL test skipped: set " + Env + `, or run eval "$(bash .ci/postgres.sh start)" first`)
	}
	return dsn
}

// DSN creates an empty schema for the test and returns a DSN whose connections use it.
func DSN(t testing.TB) string {
	t.Helper()
	server := Server(t)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "roms_test_" + hex.EncodeToString(b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), server)
		if err != nil {
			return
		}
		defer conn.Close(context.Background())
		conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE") // a leftover schema harms nothing
	})
	return WithSchema(t, server, schema)
}

// WithSchema is dsn with its connections' search path set to schema.
func WithSchema(t testing.TB, dsn, schema string) string {
	t.Helper()
	withSchema, err := SchemaDSN(dsn, schema)
	if err != nil {
		t.Fatalf("%s: %v", Env, err)
	}
	return withSchema
}

// SchemaDSN is dsn (a postgres:// URL) with its connections' search path set to schema:
// what gives a test, or a benchmark, a schema of its own.
func SchemaDSN(dsn, schema string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		return "", fmt.Errorf("a schema needs the DSN as a postgres:// URL, not %q", dsn)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}
