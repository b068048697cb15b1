package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/roms-dev/roms/internal/order"
)

var t0 = time.Date(2026, 11, 20, 18, 0, 0, 0, time.UTC)

func openTest(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "roms.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Check(); err != nil {
			t.Errorf("database check: %v", err)
		}
		s.Close()
	})
	return s
}

func ptr[T any](v T) *T { return &v }

func write(number string, f order.Fields, at time.Time) Write {
	f.OrderNumber = number
	return Write{Fields: f, Origin: order.Origin{Source: order.SourceHTTP}, At: at}
}

func mustUpsert(t *testing.T, s *Store, w Write) Result {
	t.Helper()
	res, err := s.Upsert(context.Background(), w)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestCreateUpdateUnchanged(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()

	res := mustUpsert(t, s, write("TEST-001", order.Fields{Product: "Test Product", Price: ptr(99.99), Email: "test@example.com", Status: "verified"}, t0))
	if res.Outcome != OutcomeCreated || res.Order.ID != 1 {
		t.Fatalf("first write: %s id %d", res.Outcome, res.Order.ID)
	}
	if res.Order.Quantity != 1 || res.Order.Total == nil || *res.Order.Total != 99.99 {
		t.Errorf("defaults: quantity %d total %v, want 1 and 99.99", res.Order.Quantity, res.Order.Total)
	}

	res = mustUpsert(t, s, write("test-001", order.Fields{Status: "shipped", TrackingNumber: "1Z999"}, t0.Add(time.Hour)))
	if res.Outcome != OutcomeUpdated || res.Order.ID != 1 {
		t.Fatalf("update: %s id %d", res.Outcome, res.Order.ID)
	}
	got, err := s.Get(ctx, "#TEST-001")
	if err != nil {
		t.Fatal(err)
	}
	if got.Product != "Test Product" || got.Email != "test@example.com" || *got.Price != 99.99 {
		t.Errorf("update blanked stored fields: %+v", got)
	}
	if got.Status != "shipped" || got.TrackingNumber != "1Z999" || got.ShippedDate == nil {
		t.Errorf("update not applied: %+v", got)
	}
	if got.OrderNumber != "TEST-001" {
		t.Errorf("order number %q, want the first spelling", got.OrderNumber)
	}

	res = mustUpsert(t, s, write("TEST-001", order.Fields{Status: "shipped"}, t0.Add(2*time.Hour)))
	if res.Outcome != OutcomeUnchanged {
		t.Errorf("repeat: %s, want unchanged", res.Outcome)
	}

	events, err := s.Events(ctx, "TEST-001")
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 || events[0].Type != order.EventCreated || events[1].Type != order.EventUpdated {
		t.Fatalf("events = %+v, want created then updated", events)
	}
	want := map[string][2]any{"status": {"verified", "shipped"}, "tracking_number": {nil, "1Z999"}}
	for _, c := range events[1].Changes {
		if w, ok := want[c.Field]; ok && (c.Old != w[0] || c.New != w[1]) {
			t.Errorf("change %s: %v -> %v, want %v -> %v", c.Field, c.Old, c.New, w[0], w[1])
		}
		delete(want, c.Field)
	}
	if len(want) > 0 {
		t.Errorf("missing changes %v in %+v", want, events[1].Changes)
	}
}

func TestOrderDateIsWhenTheCheckoutHappened(t *testing.T) {
	s := openTest(t)
	happened := t0.Add(-48 * time.Hour)
	w := write("A", order.Fields{}, t0)
	w.OccurredAt = happened
	res := mustUpsert(t, s, w)
	if !res.Order.OrderDate.Equal(happened) || res.Order.OrderTime != "18:00:00" {
		t.Errorf("order date %v time %s, want %v", res.Order.OrderDate, res.Order.OrderTime, happened)
	}
	if !res.Order.CreatedAt.Equal(t0) {
		t.Errorf("created at %v, want the receive time %v", res.Order.CreatedAt, t0)
	}
}

func TestTotalFollowsPriceUnlessGiven(t *testing.T) {
	s := openTest(t)
	res := mustUpsert(t, s, write("A", order.Fields{Price: ptr(99.99), Quantity: ptr(3)}, t0))
	if *res.Order.Total != 299.97 {
		t.Errorf("derived total %v, want 299.97", *res.Order.Total)
	}
	res = mustUpsert(t, s, write("A", order.Fields{Price: ptr(10.0)}, t0))
	if *res.Order.Total != 30 {
		t.Errorf("total after price change %v, want 30", *res.Order.Total)
	}
	res = mustUpsert(t, s, write("A", order.Fields{Total: ptr(35.5)}, t0))
	res = mustUpsert(t, s, write("A", order.Fields{Price: ptr(11.0)}, t0))
	if *res.Order.Total != 35.5 {
		t.Errorf("explicit total overwritten: %v", *res.Order.Total)
	}
}

func TestMustExist(t *testing.T) {
	s := openTest(t)
	w := write("NOPE", order.Fields{Status: "shipped"}, t0)
	w.MustExist = true
	if _, err := s.Upsert(context.Background(), w); !errors.Is(err, ErrNotFound) {
		t.Errorf("err = %v, want ErrNotFound", err)
	}
	if _, err := s.Get(context.Background(), "NOPE"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get err = %v, want ErrNotFound", err)
	}
}

func TestLogEntryIsWrittenWithTheOrder(t *testing.T) {
	s := openTest(t)
	w := write("A-1", order.Fields{Product: "X"}, t0)
	w.Log = &LogEntry{ReceivedAt: t0, Body: "raw", BodyBytes: 3, Origin: w.Origin}
	res := mustUpsert(t, s, w)
	logs, err := s.Logs(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(logs) != 1 || logs[0].ID != res.LogID || logs[0].Outcome != OutcomeCreated || logs[0].OrderID != res.Order.ID || logs[0].OrderNumber != "A-1" {
		t.Errorf("logs = %+v, result %+v", logs, res)
	}
}

func TestListFilters(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	day := 24 * time.Hour
	seed := []struct {
		number, product, store, status, profile, email string
		daysAgo                                        int
	}{
		{"1", "Pokemon ETB", "Target", "verified", "Main", "a@x.co", 10},
		{"2", "Switch 2", "Walmart", "declined", "Main", "b@x.co", 5},
		{"3", "Pokemon Booster", "Target", "shipped", "Alt", "a@x.co", 3},
		{"4", "Starlink Mini", "Best Buy", "verified", "Alt", "c@x.co", 1},
		{"5", "pokemon tin", "target", "verified", "Main", "A@X.CO", 0},
	}
	for _, o := range seed {
		w := write(o.number, order.Fields{Product: o.product, Store: o.store, Status: o.status, Profile: o.profile, Email: o.email}, t0)
		w.OccurredAt = t0.Add(-time.Duration(o.daysAgo) * day)
		mustUpsert(t, s, w)
	}
	tests := []struct {
		name string
		f    Filter
		want string
	}{
		{"all newest first", Filter{}, "5,4,3,2,1"},
		{"status", Filter{Status: "verified"}, "5,4,1"},
		{"store any case", Filter{Store: "TARGET"}, "5,3,1"},
		{"profile and status", Filter{Profile: "Main", Status: "verified"}, "5,1"},
		{"email", Filter{Email: "a@x.co"}, "5,3,1"},
		{"product text", Filter{Query: "pokemon"}, "5,3,1"},
		{"date range", Filter{From: t0.Add(-6 * day), To: t0.Add(-day)}, "3,2"},
		{"date range inclusive start", Filter{From: t0.Add(-day)}, "5,4"},
		{"store and date", Filter{Store: "target", From: t0.Add(-4 * day)}, "5,3"},
		{"nothing", Filter{Email: "nobody@x.co"}, ""},
		{"cursor", Filter{Before: 4}, "3,2,1"},
		{"cursor on index", Filter{Store: "target", Before: 5}, "3,1"},
		{"cursor on dates", Filter{From: t0.Add(-20 * day), Before: 3}, "2,1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := s.List(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if got := numbers(page.Orders); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestListPagesThroughEverythingOnce(t *testing.T) {
	s := openTest(t)
	for i := range 23 {
		mustUpsert(t, s, write(fmt.Sprint("N", i), order.Fields{Store: "Target"}, t0))
	}
	for _, f := range []Filter{{Limit: 5}, {Limit: 5, Store: "target"}, {Limit: 5, From: t0.Add(-time.Hour)}} {
		seen := map[uint64]bool{}
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatal("pagination does not end")
			}
			page, err := s.List(context.Background(), f)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range page.Orders {
				if seen[o.ID] {
					t.Fatalf("order %d listed twice", o.ID)
				}
				seen[o.ID] = true
			}
			if page.Next == 0 {
				break
			}
			f.Before = page.Next
		}
		if len(seen) != 23 {
			t.Errorf("filter %+v: saw %d orders, want 23", f, len(seen))
		}
	}
}

func TestIndexesFollowUpdates(t *testing.T) {
	s := openTest(t)
	mustUpsert(t, s, write("A", order.Fields{Status: "verified", Store: "Target"}, t0))
	mustUpsert(t, s, write("A", order.Fields{Status: "shipped"}, t0))
	for status, want := range map[string]string{"verified": "", "shipped": "A"} {
		page, err := s.List(context.Background(), Filter{Status: status})
		if err != nil {
			t.Fatal(err)
		}
		if got := numbers(page.Orders); got != want {
			t.Errorf("status %s: %q, want %q", status, got, want)
		}
	}
}

func TestConcurrentWritersLoseNothing(t *testing.T) {
	s := openTest(t)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				// Every writer also touches the shared order, so merges race too.
				if _, err := s.Upsert(context.Background(), write(fmt.Sprint(w, "-", i), order.Fields{}, t0)); err != nil {
					t.Error(err)
				}
				if _, err := s.Upsert(context.Background(), write("SHARED", order.Fields{Notes: fmt.Sprint(w, i)}, t0)); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	st, err := s.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Orders != 201 {
		t.Errorf("orders = %d, want 201", st.Orders)
	}
	page, _ := s.List(context.Background(), Filter{Limit: 500})
	ids := map[uint64]bool{}
	for _, o := range page.Orders {
		ids[o.ID] = true
	}
	if len(ids) != 201 {
		t.Errorf("distinct ids = %d, want 201", len(ids))
	}
}

func TestReopenKeepsEverything(t *testing.T) {
	path := filepath.Join(t.TempDir(), "roms.db")
	s, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	mustUpsert(t, s, write("A", order.Fields{Product: "X"}, t0))
	mustUpsert(t, s, write("A", order.Fields{Product: "Y"}, t0))
	s.Close()

	s, err = Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	o, err := s.Get(context.Background(), "a")
	if err != nil || o.Product != "Y" {
		t.Fatalf("after reopen: %+v %v", o, err)
	}
	res := mustUpsert(t, s, write("B", order.Fields{}, t0))
	if res.Order.ID != 2 {
		t.Errorf("id after reopen %d, want 2", res.Order.ID)
	}
	if ev, _ := s.Events(context.Background(), "A"); len(ev) != 2 {
		t.Errorf("events after reopen: %d, want 2", len(ev))
	}
}

func TestOpenRefusesALockedOrNewerDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "roms.db")
	s, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, 50*time.Millisecond); !errors.Is(err, ErrLocked) {
		t.Errorf("second open: %v, want ErrLocked", err)
	}
	s.Close()

	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keySchemaVersion, be64(schemaVersion+1)) })
	db.Close()
	if _, err := Open(path, time.Second); err == nil || !strings.Contains(err.Error(), "schema version 2") {
		t.Errorf("newer schema: %v, want a schema version error", err)
	}
}

func TestBackupIsAWorkingDatabase(t *testing.T) {
	s := openTest(t)
	mustUpsert(t, s, write("A", order.Fields{Product: "X"}, t0))
	var buf bytes.Buffer
	if _, err := s.Backup(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if o, err := c.Get(context.Background(), "A"); err != nil || o.Product != "X" {
		t.Errorf("backup copy: %+v %v", o, err)
	}
}

func TestPruneLogs(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	for i := range 10 {
		if _, err := s.AppendLog(ctx, LogEntry{ReceivedAt: t0.Add(time.Duration(i) * time.Hour), Body: fmt.Sprint(i)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.PruneLogs(ctx, 8, 0, t0)
	if err != nil || n != 2 {
		t.Fatalf("count prune deleted %d (%v), want 2", n, err)
	}
	// Entries 2..9 remain; those received before hour 5 are older than 4h at hour 9.
	n, err = s.PruneLogs(ctx, 0, 4*time.Hour, t0.Add(9*time.Hour))
	if err != nil || n != 3 {
		t.Fatalf("age prune deleted %d (%v), want 3", n, err)
	}
	logs, _ := s.Logs(ctx, 100)
	if len(logs) != 5 || logs[0].Body != "9" || logs[4].Body != "5" {
		t.Errorf("remaining logs %+v", logs)
	}
	if got, _ := s.Logs(ctx, 2); len(got) != 2 {
		t.Errorf("limit ignored: %d entries", len(got))
	}
}

func numbers(orders []order.Order) string {
	var out []string
	for _, o := range orders {
		out = append(out, o.OrderNumber)
	}
	return strings.Join(out, ",")
}

func TestMarkMakesAnInputIdempotent(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	w := write("M-1", order.Fields{Product: "X"}, t0)
	w.Mark = &Mark{Key: "discord:1:0", Hash: "aaa", Version: 100}
	w.Log = &LogEntry{Body: "first"}
	if res := mustUpsert(t, s, w); res.Outcome != OutcomeCreated {
		t.Fatalf("first: %s", res.Outcome)
	}
	if res := mustUpsert(t, s, w); res.Outcome != OutcomeDuplicate {
		t.Errorf("same mark again: %s, want duplicate", res.Outcome)
	}
	if dup, _ := s.Seen(ctx, *w.Mark); !dup {
		t.Error("Seen says no")
	}

	edit := write("M-1", order.Fields{Product: "Y"}, t0)
	edit.Mark = &Mark{Key: "discord:1:0", Hash: "bbb", Version: 200}
	if res := mustUpsert(t, s, edit); res.Outcome != OutcomeUpdated {
		t.Errorf("edit: %s, want updated", res.Outcome)
	}
	stale := write("M-1", order.Fields{Product: "X"}, t0)
	stale.Mark = &Mark{Key: "discord:1:0", Hash: "aaa", Version: 100}
	if res := mustUpsert(t, s, stale); res.Outcome != OutcomeDuplicate {
		t.Errorf("late delivery of the original: %s, want duplicate", res.Outcome)
	}
	if o, _ := s.Get(ctx, "M-1"); o.Product != "Y" {
		t.Errorf("product %q, want the edit to stand", o.Product)
	}
	logs, _ := s.Logs(ctx, 10)
	if len(logs) != 1 {
		t.Errorf("%d log entries, want only the first delivery's", len(logs))
	}

	mark := &Mark{Key: "discord:2:0", Hash: "ccc"}
	if id, err := s.AppendLog(ctx, LogEntry{Body: "ping"}, mark); err != nil || id == 0 {
		t.Fatalf("first ignored input: %d %v", id, err)
	}
	if id, err := s.AppendLog(ctx, LogEntry{Body: "ping"}, mark); err != nil || id != 0 {
		t.Errorf("repeated ignored input logged again: %d %v", id, err)
	}
}

func TestPositionsOnlyMoveForward(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if p, _ := s.Position(ctx, "c"); p != "" {
		t.Fatalf("fresh position %q", p)
	}
	for _, step := range []struct{ pos, want string }{
		{"1310012345678901234", "1310012345678901234"},
		{"999", "1310012345678901234"},
		{"1310012345678901233", "1310012345678901234"},
		{"1310012345678905555", "1310012345678905555"},
	} {
		if err := s.Advance(ctx, "c", step.pos); err != nil {
			t.Fatal(err)
		}
		if p, _ := s.Position(ctx, "c"); p != step.want {
			t.Errorf("after %s: %s, want %s", step.pos, p, step.want)
		}
	}
}
