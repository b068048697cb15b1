package postgres

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/roms-dev/roms/internal/postgres/pgtest"
)

// TestOneInstanceLeadsAndAnotherTakesOver runs two instances after the same lock: one
// holds it; when its connection is killed and it dies (as when its machine goes), the
// other takes over within a few polls.
func TestOneInstanceLeadsAndAnotherTakesOver(t *testing.T) {
	dsn := pgtest.DSN(t)
	LeadPoll = 100 * time.Millisecond
	t.Cleanup(func() { LeadPoll = time.Second })
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	running := make(chan string, 4)
	stopped := make(chan string, 4)
	start := func(name string) context.CancelFunc {
		s, err := Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.Lead(ctx, "gateway", name, logger, func(held context.Context) {
				running <- name
				<-held.Done()
				cancel() // the instance dies with its connection, as when its machine goes
				stopped <- name
			})
		}()
		t.Cleanup(func() { cancel(); <-done; s.Close() })
		return cancel
	}
	stopOne, stopTwo := start("one"), start("two")
	first := receive(t, running)
	if other := tryReceive(running, 300*time.Millisecond); other != "" {
		t.Fatalf("%s and %s hold the lock at once", first, other)
	}
	watcher, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Close()
	if holder, _, err := watcher.Leader(context.Background(), "gateway"); err != nil || holder != first {
		t.Errorf("Leader = %q %v, want %q", holder, err, first)
	}

	// Kill the holder's connection, as PostgreSQL does when the holder's machine is gone.
	key := uint64(lockKey("gateway"))
	var killedOne bool
	err = watcher.pool.QueryRow(context.Background(), `SELECT count(pg_terminate_backend(pid)) = 1 FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND classid = $1::bigint::oid AND objid = $2::bigint::oid AND objsubid = 1
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
		int64(key>>32), int64(key&0xffffffff)).Scan(&killedOne)
	if err != nil || !killedOne {
		t.Fatalf("kill the holder's connection: %v %v", killedOne, err)
	}
	killed := time.Now()
	if got := receive(t, stopped); got != first {
		t.Errorf("%s stopped, want %s", got, first)
	}
	second := receive(t, running)
	if second == first {
		t.Fatalf("%s took the lock again, want the other instance", second)
	}
	t.Logf("fail-over: %s took over %v after %s's connection was killed", second, time.Since(killed).Round(time.Millisecond), first)

	map[string]context.CancelFunc{"one": stopOne, "two": stopTwo}[second]()
	if got := receive(t, stopped); got != second {
		t.Errorf("%s stopped, want %s", got, second)
	}
}

func receive(t *testing.T, c chan string) string {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("nothing within 10s")
		return ""
	}
}

func tryReceive(c chan string, wait time.Duration) string {
	select {
	case v := <-c:
		return v
	case <-time.After(wait):
		return ""
	}
}
