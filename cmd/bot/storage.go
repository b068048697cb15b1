package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/roms-dev/roms/internal/config"
	"github.com/roms-dev/roms/internal/httpapi"
	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/orders"
	"github.com/roms-dev/roms/internal/postgres"
	"github.com/roms-dev/roms/internal/store"
)

// storage is the database the settings choose, as this process opened it.
type storage struct {
	order.Store
	// database is what the API and metrics show of it.
	database httpapi.Database
	// pg is the PostgreSQL store, nil for bbolt: what several instances share.
	pg    *postgres.Store
	close func()
}

// openStorage opens the database for the server: the bbolt file, locked for this
// process and checked page by page, or PostgreSQL.
func openStorage(ctx context.Context, cfg config.Config, logger *slog.Logger) (*storage, error) {
	if cfg.Storage.Driver == config.DriverPostgres {
		return openPostgres(ctx, cfg)
	}
	st, err := store.Open(cfg.Storage.Path, lockWait)
	if errors.Is(err, store.ErrLocked) {
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

func bboltStorage(st *store.Store) *storage {
	return &storage{Store: st, close: func() { st.Close() },
		database: httpapi.Database{Path: st.Path(), Counts: st.Counts, Backup: st.Backup, Problem: st.Problem}}
}

func openPostgres(ctx context.Context, cfg config.Config) (*storage, error) {
	pg, err := postgres.Open(ctx, cfg.Storage.Postgres.DSN)
	if err != nil {
		return nil, fmt.Errorf("%w (storage.postgres.dsn)", err)
	}
	return &storage{Store: pg, pg: pg, close: pg.Close,
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
	open := store.OpenExisting
	if create {
		open = store.Open
	}
	bolt, err := open(cfg.Storage.Path, 500*time.Millisecond)
	if errors.Is(err, store.ErrLocked) {
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

// gatewayLock names the lock the instance holding the Discord gateway holds.
const gatewayLock = "discord-gateway"

// instanceName tells instances sharing a database apart: the machine and the process.
func instanceName() string {
	host, _ := os.Hostname()
	b := make([]byte, 2)
	rand.Read(b)
	return fmt.Sprintf("%s pid %d (%x)", host, os.Getpid(), b) // the suffix tells apart instances in one process (tests)
}

// sharedGateway is the gateway status of an instance sharing the database: the
// listener's own while it holds the gateway, standby with the holder's name otherwise.
func sharedGateway(status func(context.Context) orders.GatewayStatus, leading *atomic.Bool, self string, pg *postgres.Store) func(context.Context) orders.GatewayStatus {
	return func(ctx context.Context) orders.GatewayStatus {
		if leading.Load() {
			s := status(ctx)
			s.Holder = self
			return s
		}
		holder, since, err := pg.Leader(ctx, gatewayLock)
		s := orders.GatewayStatus{State: orders.StateStandby, Holder: holder,
			Message: fmt.Sprintf("another instance holds the Discord gateway (%s, since %s); this one takes over if it stops", holder, since.UTC().Format(time.RFC3339))}
		if err != nil || holder == "" {
			s.Message = "waiting for the Discord gateway, which another instance may hold"
		}
		return s
	}
}
