package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"time"

	"github.com/roms-dev/roms/internal/bbolt"
	"github.com/roms-dev/roms/internal/config"
	"github.com/roms-dev/roms/internal/httpapi"
	"github.com/roms-dev/roms/internal/live"
	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/postgres"
)

// storage is the database the settings choose, as this process opened it.
type storage struct {
	order.Store
	// database is what the API and metrics show of it.
	database httpapi.Database
	// join makes this process's part among the instances that share the database.
	join  func(hub *live.Hub, logger *slog.Logger) instance
	close func()
}

// openStorage opens the database for the server: the bbolt file, locked for this
// process and checked page by page, or PostgreSQL.
func openStorage(ctx context.Context, cfg config.Config, logger *slog.Logger) (*storage, error) {
	if cfg.Storage.Driver == config.DriverPostgres {
		return openPostgres(ctx, cfg)
	}
	st, err := bbolt.Open(cfg.Storage.Path, lockWait)
	if errors.Is(err, bbolt.ErrLocked) {
		return nil, fmt.Errorf("%w: is ROMS already running? (stop it, or set storage.path to another file)", err)
	}
	if err != nil {
		return nil, err
	}
	if err := verifyAtStart(st, logger); err != nil {
		st.Close()
		return nil, err
	}
	return bboltStorage(st), nil
}

func bboltStorage(st *bbolt.Store) *storage {
	return &storage{Store: st, close: func() { st.Close() },
		join:     func(hub *live.Hub, _ *slog.Logger) instance { return alone{hub} },
		database: httpapi.Database{Path: st.Path(), Counts: st.Counts, Backup: st.Backup, Problem: st.Problem}}
}

func openPostgres(ctx context.Context, cfg config.Config) (*storage, error) {
	pg, err := postgres.Open(ctx, cfg.Storage.Postgres.DSN)
	if err != nil {
		return nil, fmt.Errorf("%w (storage.postgres.dsn)", err)
	}
	return &storage{Store: pg, close: pg.Close,
		join:     func(hub *live.Hub, logger *slog.Logger) instance { return newShared(pg, hub, logger) },
		database: httpapi.Database{Path: databaseName(cfg), Counts: pg.Counts}}, nil
}

// openForCommand opens the database for a command (stats, export, import, undo,
// backfill). locked says a running bot holds the bbolt file, and the caller asks the bot
// instead; PostgreSQL is shared, so a command always opens it itself.
func openForCommand(ctx context.Context, cfg config.Config, create bool) (st *storage, locked bool, err error) {
	if cfg.Storage.Driver == config.DriverPostgres {
		st, err := openPostgres(ctx, cfg)
		return st, false, err
	}
	open := bbolt.OpenExisting
	if create {
		open = bbolt.Open
	}
	bolt, err := open(cfg.Storage.Path, 500*time.Millisecond)
	if errors.Is(err, bbolt.ErrLocked) {
		return nil, true, nil
	}
	if err != nil {
		return nil, false, err
	}
	return bboltStorage(bolt), false, nil
}

// databaseName is where the orders are, for people: the bbolt file's full path, or the
// PostgreSQL server and database without the password.
func databaseName(cfg config.Config) string {
	if cfg.Storage.Driver != config.DriverPostgres {
		path, _ := filepath.Abs(cfg.Storage.Path)
		return path + " (bbolt)"
	}
	u, err := url.Parse(cfg.Storage.Postgres.DSN)
	if err != nil || u.Host == "" {
		return "PostgreSQL (storage.postgres.dsn)"
	}
	return fmt.Sprintf("postgres://%s%s (PostgreSQL)", u.Host, u.Path)
}
