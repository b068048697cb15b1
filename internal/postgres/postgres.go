// Package postgres is the PostgreSQL store: the same contract as the bbolt store
// (order.Store, checked by ordertest.Contract), for groups that run several ROMS instances
// on one database. Writes that race on one order number are serialised by the order's
// row lock; marks and positions live in the database, in the same transaction as the
// order they guard.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the advisory lock held while the schema is migrated, so that instances
// starting together migrate once.
const migrationLock = 0x524f4d53 // "ROMS"

// ErrNewerSchema is a database migrated by a newer ROMS than this one.
var ErrNewerSchema = errors.New("the database was set up by a newer ROMS")

// Store is the PostgreSQL store.
type Store struct {
	pool *pgxpool.Pool
}

// Open connects to the database at dsn (postgres://user:pass@host:port/db) and brings
// its schema up to date.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: the DSN is not a PostgreSQL URL or key=value string: %w", err)
	}
	if !strings.Contains(dsn, "pool_max_conns") {
		// A drop's burst has many writers, each holding a connection for its transaction.
		cfg.MaxConns = max(cfg.MaxConns, 16)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: cannot reach %s:%d as %s: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.User, err)
	}
	s := &Store{pool: pool}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// Close releases the connections.
func (s *Store) Close() { s.pool.Close() }

// migrate applies the embedded migrations the database has not had, each in its own
// transaction, under an advisory lock.
func (s *Store) migrate(ctx context.Context) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
		return fmt.Errorf("postgres migrate: lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLock) // the session ends the lock anyway
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS roms_schema (
		version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("postgres migrate: %w", err)
	}
	var current int
	if err := conn.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM roms_schema").Scan(&current); err != nil {
		return fmt.Errorf("postgres migrate: %w", err)
	}
	files, err := migrationFiles()
	if err != nil {
		return err
	}
	if latest := files[len(files)-1].version; current > latest {
		return fmt.Errorf("postgres: %w (schema version %d, this ROMS knows up to %d): upgrade ROMS", ErrNewerSchema, current, latest)
	}
	for _, m := range files {
		if m.version <= current {
			continue
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO roms_schema (version) VALUES ($1)", m.version)
			return err
		})
		if err != nil {
			return fmt.Errorf("postgres migrate to version %d (%s): %w", m.version, m.name, err)
		}
	}
	return nil
}

type migration struct {
	version   int
	name, sql string
}

// migrationFiles are the embedded migrations in order; each file is NNN_name.sql.
func migrationFiles() ([]migration, error) {
	entries, err := fs.ReadDir(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		prefix, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(prefix)
		if err != nil {
			return nil, fmt.Errorf("migration %s: the name must start with its version", e.Name())
		}
		raw, err := migrations.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(raw)})
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	return out, nil
}

// maxAttempts bounds the retries of a transaction that lost a race to another instance.
const maxAttempts = 8

// errRetry is a transaction that lost a race (a new order number inserted by another
// instance first) and must run again from the start.
var errRetry = errors.New("postgres: retry the transaction")

// inTx runs fn in a transaction, again when it lost a race or PostgreSQL asks for a retry
// (serialization failure, deadlock).
func (s *Store) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	var err error
	for attempt := 0; attempt < maxAttempts; attempt++ {
		err = pgx.BeginFunc(ctx, s.pool, fn)
		if !retryable(err) {
			return err
		}
	}
	return fmt.Errorf("postgres: gave up after %d attempts: %w", maxAttempts, err)
}

func retryable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "40001" || pgErr.Code == "40P01" || pgErr.Code == "23505"
	}
	return errors.Is(err, errRetry)
}
