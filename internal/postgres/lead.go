package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// LeadPoll is how often an instance that does not hold a lock tries to take it, and how
// often the holder checks that its connection, and so its lock, is still there.
var LeadPoll = time.Second

// Lead runs fn while this instance holds the named lock, which one instance of those
// sharing the database holds at a time (the Discord gateway). The lock is an advisory
// lock held by one connection: when the holder dies, PostgreSQL drops it with the
// connection, and another instance takes it within LeadPoll. fn's context ends when ctx
// does or the lock is lost; Lead then waits for fn and tries again, until ctx ends.
func (s *Store) Lead(ctx context.Context, name, holder string, logger *slog.Logger, fn func(context.Context)) {
	for ctx.Err() == nil {
		conn, held, err := s.tryLock(ctx, name)
		switch {
		case err != nil:
			logger.Warn("could not try for the lock; trying again", "lock", name, "error", err)
		case held:
			s.holdWhile(ctx, conn, name, holder, logger, fn)
			continue
		}
		select {
		case <-ctx.Done():
		case <-time.After(LeadPoll):
		}
	}
}

// tryLock takes a connection and tries the lock on it; the connection is returned held
// only with the lock.
func (s *Store) tryLock(ctx context.Context, name string) (*pgxpool.Conn, bool, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, false, err
	}
	var held bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", lockKey(name)).Scan(&held); err != nil || !held {
		conn.Release()
		return nil, false, err
	}
	return conn, true, nil
}

// holdWhile runs fn while conn, which holds the lock, stays up; then lets the lock go.
func (s *Store) holdWhile(ctx context.Context, conn *pgxpool.Conn, name, holder string, logger *slog.Logger, fn func(context.Context)) {
	held, lost := context.WithCancel(ctx)
	defer lost()
	// A holder whose process dies has its connection closed by its kernel, and the lock
	// goes at once. A holder whose machine or network goes closes nothing: these make the
	// server find the silent connection dead, and drop the lock, within about 11 s.
	if _, err := conn.Exec(ctx, "SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 2; SET tcp_keepalives_count = 3"); err != nil {
		logger.Warn("could not set keepalives on the lock's connection", "lock", name, "error", err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO leaders (name, holder, since) VALUES ($1, $2, now())
		ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, since = EXCLUDED.since`, name, holder); err != nil {
		logger.Warn("could not record the lock's holder", "lock", name, "error", err)
	}
	logger.Info("this instance holds the lock", "lock", name, "holder", holder)
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(held)
	}()
	tick := time.NewTicker(LeadPoll)
	defer tick.Stop()
	for alive := true; alive; {
		select {
		case <-done:
			alive = false
		case <-ctx.Done():
			alive = false
		case <-tick.C:
			pingCtx, cancel := context.WithTimeout(ctx, LeadPoll)
			err := conn.Ping(pingCtx)
			cancel()
			if err != nil && ctx.Err() == nil {
				logger.Warn("lost the connection that holds the lock; letting it go", "lock", name, "error", err)
				alive = false
			}
		}
	}
	lost()
	<-done
	// Closing the connection drops the lock even when it cannot be asked to unlock.
	conn.Hijack().Close(context.WithoutCancel(ctx))
}

// Leader says which instance holds the named lock and since when; "" when none has yet.
func (s *Store) Leader(ctx context.Context, name string) (string, time.Time, error) {
	var holder string
	var since time.Time
	err := s.pool.QueryRow(ctx, "SELECT holder, since FROM leaders WHERE name = $1", name).Scan(&holder, &since)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", time.Time{}, nil
	}
	if err != nil {
		return "", time.Time{}, fmt.Errorf("read the holder of %s: %w", name, err)
	}
	return holder, since, nil
}

// lockKey is the advisory lock's number for a name.
func lockKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte("roms:" + name))
	return int64(h.Sum64())
}
