package bbolt

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/order/ordertest"
)

var t0 = ordertest.T0

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

func TestContract(t *testing.T) {
	t.Parallel()
	ordertest.Contract(t, func(t *testing.T) order.Store { return openTest(t) })
}

func edit(number string, f order.Fields) order.Write {
	return ordertest.Edit(number, f)
}

func mustWrite(t *testing.T, s *Store, w order.Write) order.Result {
	t.Helper()
	res, err := s.Write(context.Background(), w)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestReopenKeepsEverything(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "roms.db")
	s, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, s, edit("A", order.Fields{Product: "X"}))
	mustWrite(t, s, edit("A", order.Fields{Product: "Y"}))
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
	res := mustWrite(t, s, edit("B", order.Fields{}))
	if res.Order.ID != 2 {
		t.Errorf("id after reopen %d, want 2", res.Order.ID)
	}
	if ev, _ := s.Events(context.Background(), "A"); len(ev) != 2 {
		t.Errorf("events after reopen: %d, want 2", len(ev))
	}
}

func TestOpenRefusesALockedOrNewerDatabase(t *testing.T) {
	t.Parallel()
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
	if _, err := Open(path, time.Second); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("schema version %d", schemaVersion+1)) {
		t.Errorf("newer schema: %v, want a schema version error", err)
	}
}

func TestBackupIsAWorkingDatabase(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	mustWrite(t, s, edit("A", order.Fields{Product: "X"}))
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
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	for i := range 10 {
		if _, err := s.AppendLog(ctx, order.LogEntry{ReceivedAt: t0.Add(time.Duration(i) * time.Hour), Body: fmt.Sprint(i)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.PruneLogs(ctx, order.Retention{MaxEntries: 8}, t0)
	if err != nil || n != 2 {
		t.Fatalf("count prune deleted %d (%v), want 2", n, err)
	}
	// Entries 2..9 remain; those received before hour 5 are older than 4h at hour 9.
	n, err = s.PruneLogs(ctx, order.Retention{MaxAge: 4 * time.Hour}, t0.Add(9*time.Hour))
	if err != nil || n != 3 {
		t.Fatalf("age prune deleted %d (%v), want 3", n, err)
	}
	logs, _ := s.Logs(ctx, 100)
	if len(logs) != 5 || logs[0].Body != "9" || logs[4].Body != "5" {
		t.Errorf("remaining logs %+v", logs)
	}
	// A long trim goes in small transactions (of pruneChunk entries) until it is done.
	var wg sync.WaitGroup
	for w := range 10 {
		wg.Go(func() {
			for i := range 120 {
				if _, err := s.AppendLog(ctx, order.LogEntry{ReceivedAt: t0, Body: fmt.Sprint(w, i)}, nil); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if n, err := s.PruneLogs(ctx, order.Retention{MaxEntries: 5}, t0); err != nil || n != 1200 {
		t.Errorf("a trim of 1200: %d %v", n, err)
	}
	if got, _ := s.Logs(ctx, 2); len(got) != 2 {
		t.Errorf("limit ignored: %d entries", len(got))
	}
}

func TestMigratesADatabaseWrittenBySchemaV1(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("testdata/schema-v1.db")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "roms.db")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if c, _ := s.Counts(ctx); c.Orders != 3 || c.LogItems != 5 {
		t.Errorf("counts after migration %+v", c)
	}
	o, err := s.Get(ctx, "tgt-1001")
	if err != nil || strings.Join(o.TrackingNumbers, "|") != "1Z999|1Z888" || *o.Price != 129999 || *o.Total != 259998 {
		t.Errorf("order with two tracking numbers: %+v %v", o, err)
	}
	bby, _ := s.Get(ctx, "BBY01-807102506907")
	if bby.Status != "shipped" || bby.TrackingNumber != "1Z555" || *bby.Price != 29999 || bby.Profile != "Chase 2" {
		t.Errorf("updated order %+v", bby)
	}
	if ev, _ := s.Events(ctx, "BBY01-807102506907"); len(ev) != 2 || ev[1].Type != order.EventUpdated {
		t.Errorf("history %+v", ev)
	}
	http, _ := s.EventsBy(ctx, "message:http")
	discord, _ := s.EventsBy(ctx, "message:discord:1290000000000000001/1300000000000000001")
	if len(http) != 3 || len(discord) != 1 {
		t.Errorf("version 1 events indexed by origin: %d from http, %d from discord; want 3 and 1", len(http), len(discord))
	}
	if page, _ := s.List(ctx, order.Filter{Profile: "chase"}); ordertest.Numbers(page.Orders) != "BBY01-807102506907" {
		t.Errorf("search after migration: %q", ordertest.Numbers(page.Orders))
	}
	if dup, _ := s.Seen(ctx, order.Mark{Key: "discord:1300000000000000001:0", Hash: "abc", Version: 1}); !dup {
		t.Error("idempotency mark lost")
	}
	if p, _ := s.Position(ctx, "discord:channel:1290000000000000001"); p != "1300000000000000001" {
		t.Errorf("position %q", p)
	}
	res, err := s.Write(ctx, edit("TGT-1001", order.Fields{TrackingNumbers: []string{"1Z888", "1Z777"}}))
	if err != nil || res.Order.TrackingNumber != "1Z999, 1Z888, 1Z777" || res.Order.ID != 2 {
		t.Errorf("write after migration: %+v %v", res.Order, err)
	}
	if r := mustWrite(t, s, edit("NEW-1", order.Fields{})); r.Order.ID != 4 {
		t.Errorf("new order id %d, want 4", r.Order.ID)
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket([]byte("idx_email")) != nil {
			return errors.New("exact-match index left behind")
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
	s.Close()
	again, err := Open(path, time.Second) // migrated once; opens as version 2
	if err != nil {
		t.Fatal(err)
	}
	again.Close()
}

func TestListScalesToWhatItReturns(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	for i := range 120 {
		mustWrite(t, s, edit(fmt.Sprint("P", i), order.Fields{}))
	}
	page, err := s.List(context.Background(), order.Filter{Limit: 7})
	if err != nil || len(page.Orders) != 7 || page.Total != 120 || page.Next == "" {
		t.Errorf("page of 7: %d orders, total %d, next %q, %v", len(page.Orders), page.Total, page.Next, err)
	}
}

func TestDamagedFilesAreRefusedWithWhatToDo(t *testing.T) {
	t.Parallel()
	fixture, err := os.ReadFile("testdata/schema-v1.db")
	if err != nil {
		t.Fatal(err)
	}
	// A page in the middle of the file written over, as a bad sector or a copy cut off
	// and patched would leave it.
	scrambled := bytes.Clone(fixture)
	for i := 4 * 4096; i < 6*4096; i++ {
		scrambled[i] = 0xA5
	}
	for _, tt := range []struct {
		name    string
		content []byte
		want    string
	}{
		{"empty", []byte{}, "is empty (0 bytes)"},
		{"cut short", fixture[:20000], "is cut short (20000 bytes"},
		{"too short for a database", fixture[:4096], "is cut short"},
		{"meta pages overwritten", append(make([]byte, 8192), fixture[8192:]...), "database is damaged"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "roms.db")
			if err := os.WriteFile(path, tt.content, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Open(path, time.Second)
			if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "restore your latest backup") {
				t.Errorf("open: %v", err)
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(after, tt.content) {
				t.Error("the damaged file was changed")
			}
		})
	}
	t.Run("pages scrambled", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "roms.db")
		if err := os.WriteFile(path, scrambled, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Open(path, time.Second)
		if err != nil {
			if !errors.Is(err, ErrDamaged) {
				t.Fatalf("open: %v", err)
			}
			return
		}
		defer s.Close()
		if err := s.Verify(); !errors.Is(err, ErrDamaged) || !errors.Is(s.Problem(), ErrDamaged) {
			t.Errorf("verify %v, problem %v", err, s.Problem())
		}
	})
	if _, err := OpenExisting(filepath.Join(t.TempDir(), "typo.db"), time.Second); !errors.Is(err, ErrNoDatabase) || !strings.Contains(err.Error(), "storage.path") {
		t.Errorf("missing file: %v", err)
	}
}

func TestFailingWritesShowAsAProblemUntilOneSucceeds(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	if s.Problem() != nil {
		t.Fatal(s.Problem())
	}
	full := errors.New("write roms.db: no space left on device")
	s.noteWrite(full)
	if err := s.Problem(); !errors.Is(err, full) || !strings.Contains(err.Error(), "writes are failing") {
		t.Errorf("problem %v", err)
	}
	mustWrite(t, s, edit("OK-1", order.Fields{}))
	if err := s.Problem(); err != nil {
		t.Errorf("after a good write: %v", err)
	}
	if _, err := s.Write(context.Background(), func() order.Write { w := edit("MISSING", order.Fields{}); w.MustExist = true; return w }()); !errors.Is(err, order.ErrNotFound) || s.Problem() != nil {
		t.Errorf("a refused write is not a disk problem: %v %v", err, s.Problem())
	}
}

func TestAReadThatFindsDamageIsAProblem(t *testing.T) {
	t.Parallel()
	s, err := Open(filepath.Join(t.TempDir(), "roms.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mustWrite(t, s, edit("OK-1", order.Fields{Product: "fine"}))
	res := mustWrite(t, s, edit("BAD-1", order.Fields{Product: "soon garbage"}))
	// What a flipped bit in a record would leave: bytes that are no longer the JSON ROMS
	// wrote.
	if err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketOrders).Put(be64(res.Order.ID), []byte("{\"id\": 2, \"pro\x00"))
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(context.Background(), "OK-1"); err != nil || s.Problem() != nil {
		t.Fatalf("a sound order: %v %v", err, s.Problem())
	}
	_, err = s.Get(context.Background(), "BAD-1")
	if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "restore your latest backup") {
		t.Errorf("read of the damaged order: %v", err)
	}
	if p := s.Problem(); !errors.Is(p, ErrDamaged) || !strings.Contains(p.Error(), "order 2") {
		t.Errorf("problem %v", p)
	}
}

func TestReceivedAtReadsTheEntrysTime(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 20, 18, 4, 5, 123456789, time.UTC)
	raw, _ := json.Marshal(order.LogEntry{ID: 12345678901, ReceivedAt: at, Body: strings.Repeat("x", 1000)})
	if got := receivedAt(raw); !got.Equal(at) {
		t.Errorf("receivedAt = %v, want %v", got, at)
	}
	if got := receivedAt([]byte(`{"body":"x","received_at":"2026-11-20T18:04:05Z"}`)); !got.Equal(time.Date(2026, 11, 20, 18, 4, 5, 0, time.UTC)) {
		t.Errorf("receivedAt of another key order = %v", got)
	}
}

// TestSummariesInMemoryFollowRacingWriters writes one order from many goroutines at once:
// whichever commit is last, the summaries that filters read agree with the stored order.
func TestSummariesInMemoryFollowRacingWriters(t *testing.T) {
	t.Parallel()
	s, err := Open(filepath.Join(t.TempDir(), "roms.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			status := []string{order.StatusVerified, order.StatusShipped, order.StatusDelivered}[i%3]
			if _, err := s.Write(ctx, edit("RACE-1", order.Fields{Status: status, Notes: fmt.Sprint(i)})); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	o, err := s.Get(ctx, "RACE-1")
	if err != nil {
		t.Fatal(err)
	}
	page, err := s.List(ctx, order.Filter{Statuses: []string{o.Status}})
	if err != nil || page.Total != 1 {
		t.Errorf("filtering by the stored status %q finds %d orders, want 1 (%v)", o.Status, page.Total, err)
	}
	path := s.Path()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	reopened, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer reopened.Close()
	if page, _ := reopened.List(ctx, order.Filter{Statuses: []string{o.Status}}); page.Total != 1 {
		t.Errorf("after reopening, filtering by %q finds %d orders", o.Status, page.Total)
	}
}

func TestSchemaTwoLosesItsDateIndex(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "roms.db")
	s, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write(context.Background(), edit("V2-1", order.Fields{})); err != nil {
		t.Fatal(err)
	}
	_ = s.db.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucket([]byte("idx_order_date")); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, be64(2))
	})
	s.Close()
	s, err = Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_ = s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket([]byte("idx_order_date")) != nil || binary.BigEndian.Uint64(tx.Bucket(bucketMeta).Get(keySchemaVersion)) != schemaVersion {
			t.Error("schema 2 was not migrated to 3")
		}
		return nil
	})
	if page, err := s.List(context.Background(), order.Filter{}); err != nil || page.Total != 1 {
		t.Errorf("list after the migration: %d %v", page.Total, err)
	}
}

// TestSummariesLoadedAtOpenAreTheOnesKeptByWrites compares lists and totals from the
// summaries in memory as writes left them with those of the summaries read back from the
// file when it opens again (internal/summaries checks every query against a model).
func TestSummariesLoadedAtOpenAreTheOnesKeptByWrites(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "roms.db")
	s, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	price, one := order.Money(29999), 1
	for i, f := range []order.Fields{
		{Product: "ETB", Price: &price, Store: "Target", Profile: "Chase", Email: "a@b.co", Status: "verified", Currency: "USD"},
		{Product: "Switch", TrackingNumbers: []string{"1Z1", "1Z2"}, QtyReceived: &one, Commission: &price},
		{Product: "Pokémon", Store: "Pokémon Center"},
	} {
		if _, err := s.Write(ctx, edit(fmt.Sprintf("MEMO-%d", i), f)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Write(ctx, order.Write{Number: "MEMO-1", Edit: order.Edit{Delete: true}, At: t0}); err != nil {
		t.Fatal(err)
	}
	rows := func(s *Store) []string {
		var out []string
		for _, deleted := range []bool{false, true} {
			page, err := s.List(ctx, order.Filter{Deleted: deleted, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			total, _, err := s.Totals(ctx, order.Filter{Deleted: deleted}, order.GroupNone, time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range page.Orders {
				out = append(out, fmt.Sprintf("%s deleted=%v", o.OrderNumber, o.DeletedAt != nil))
			}
			raw, _ := json.Marshal(total)
			out = append(out, string(raw))
		}
		return out
	}
	written := rows(s)
	s.Close()
	s, err = Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if loaded := rows(s); strings.Join(loaded, "\n") != strings.Join(written, "\n") {
		t.Errorf("summaries read at open:\n%s\nwant, as writes kept them:\n%s", strings.Join(loaded, "\n"), strings.Join(written, "\n"))
	}
}

func TestEventsAreStoredSmallerAndReadBack(t *testing.T) {
	t.Parallel()
	e := order.Event{ID: 7, OrderID: 3, Number: "A-1", Type: order.EventCreated, At: t0, Actor: "message:http",
		Changes: []order.Change{{Field: "product", New: "STARLINK Mini Kit"}, {Field: "price", New: 299.99}, {Field: "store", New: "Best Buy US"},
			{Field: "profile", New: "Chase 1"}, {Field: "email", New: "someone@example.com"}, {Field: "status", New: "verified"}}}
	stored, err := encodeEvent(e)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := json.Marshal(e)
	if len(stored) >= len(plain) {
		t.Errorf("stored %d bytes, the JSON is %d", len(stored), len(plain))
	}
	var deflated bytes.Buffer // as ROMS stored events before zstd
	deflated.WriteByte(deflatedEvent)
	w, _ := flate.NewWriter(&deflated, flate.BestSpeed)
	w.Write(plain)
	w.Close()
	for _, v := range [][]byte{stored, plain, deflated.Bytes()} { // older files hold the last two
		got, err := decodeEvent(append(be64(e.OrderID), be64(e.ID)...), v)
		if err != nil {
			t.Fatal(err)
		}
		if back, _ := json.Marshal(got); !bytes.Equal(back, plain) {
			t.Errorf("read back %s, want %s", back, plain)
		}
	}
}

// TestTheEventDictionaryNeverChanges: every event stored with it is unreadable without it.
func TestTheEventDictionaryNeverChanges(t *testing.T) {
	t.Parallel()
	const want = "e62e084a152f7c57cd9d4411d5c068fbd3b67be6e6e71a7eaec54b208cf2e142"
	if got := fmt.Sprintf("%x", sha256.Sum256(eventDict)); got != want {
		t.Errorf("eventdict.jsonl changed (sha256 %s): events stored with it can no longer be read. "+
			"Put it back, and add a new dictionary under a new first byte instead", got)
	}
}

// TestAWriteThatFailsInASharedCommitFailsAlone: concurrent writes share transactions, and
// one refused write among them must not take the others down with it.
func TestAWriteThatFailsInASharedCommitFailsAlone(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 64)
	for i := range errs {
		wg.Go(func() {
			w := edit(fmt.Sprintf("SHARED-%d", i), order.Fields{Product: "Switch 2"})
			w.MustExist = i%8 == 0 // these name no order: refused
			_, errs[i] = s.Write(ctx, w)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if want := i%8 == 0; want != errors.Is(err, order.ErrNotFound) {
			t.Errorf("write %d: %v, refused: %v", i, err, want)
		}
	}
	if c, _ := s.Counts(ctx); c.Orders != 56 {
		t.Errorf("%d orders stored, want 56", c.Orders)
	}
	if commits, writes := s.CommitCounts(); commits < 1 || writes < 64 {
		t.Errorf("%d commits, %d writes counted", commits, writes)
	}
}

func TestWritesAfterCloseFail(t *testing.T) {
	t.Parallel()
	s, err := Open(filepath.Join(t.TempDir(), "roms.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := s.Write(context.Background(), edit("LATE-1", order.Fields{Product: "x"})); err == nil {
		t.Error("a write after Close succeeded")
	}
}

// TestAWriteWorkedOutBeforeAnotherIsWorkedOutAgain: a write is worked out before its
// commit; when another write changed the order in between, the commit must merge into
// the order as it is now, not as it was.
func TestAWriteWorkedOutBeforeAnotherIsWorkedOutAgain(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	mustWrite(t, s, edit("STALE-1", order.Fields{Product: "Switch 2", Status: order.StatusVerified}))
	late := edit("STALE-1", order.Fields{Notes: "from the later write"})
	key := order.Key(late.Number)
	var ahead *worked
	_ = s.view(func(tx *bolt.Tx) error {
		var err error
		ahead, err = work(tx, key, late)
		return err
	})
	mustWrite(t, s, edit("STALE-1", order.Fields{Status: order.StatusShipped}))
	var res order.Result
	err := s.db.Update(func(tx *bolt.Tx) error {
		var err error
		res, err = write(tx, key, late, ahead)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	o, _ := s.Get(ctx, "STALE-1")
	if o.Status != order.StatusShipped || o.Notes != "from the later write" || res.Order.Status != order.StatusShipped {
		t.Errorf("stored status %q notes %q, result status %q: the write was not merged into the order as it is now",
			o.Status, o.Notes, res.Order.Status)
	}
	events, _ := s.Events(ctx, "STALE-1")
	if len(events) != 3 || events[2].OrderID != o.ID || events[2].ID <= events[1].ID {
		t.Errorf("events %+v", events)
	}
}

// TestStoredOrdersReadAsTheyWereWritten: orders are written with encoding/json and read
// back with a faster decoder (go-json), which must read every field as encoding/json
// would, whatever the text holds.
func TestStoredOrdersReadAsTheyWereWritten(t *testing.T) {
	t.Parallel()
	texts := []string{"", "plain", `quote " backslash \ slash /`, "<b>&amp;</b>", "\u2028 \u2029", "emoji 🎮",
		"nul \x00 byte", "tab\tnewline\n", "invalid \xff utf-8", "日本語", strings.Repeat("long ", 400)}
	price, at := order.Money(-1999), t0.Add(1234567890*time.Nanosecond)
	for i, text := range texts {
		o := order.Order{ID: uint64(i + 1), OrderNumber: "N-" + text, Product: text, Price: &price, Total: &price,
			Currency: "EUR", Quantity: i, Email: text, CustomerName: text, Profile: text, ProxyList: text, ReferenceNumber: text,
			Status: text, TrackingNumbers: []string{text, "1Z"}, TrackingNumber: text, TrackingURL: text, QtyReceived: -i,
			PaymentMethod: text, ShippingAddress: text, ShippingMethod: text, Notes: text, OrderDate: at, OrderTime: text,
			PostedDate: &at, ShippedDate: &at, Source: text, WorksheetName: text, Store: text, ShareLink: text, ImageURL: text,
			RawHeader: text, Extra: map[string]string{text: text, "b": ""}, Items: []order.Item{{Product: text, Quantity: 2, Price: &price}, {}},
			Origin: order.Origin{Source: text, GuildID: "1", ChannelID: text, MessageID: "3"}, CreatedAt: at, UpdatedAt: at.UTC(),
			DeletedAt: &at, Test: i%2 == 0}
		for _, o := range []order.Order{o, {ID: uint64(i + 1)}} {
			raw, err := json.Marshal(o)
			if err != nil {
				t.Fatal(err)
			}
			var want order.Order
			if err := json.Unmarshal(raw, &want); err != nil {
				t.Fatal(err)
			}
			got, err := decodeOrder(be64(o.ID), raw)
			if err != nil {
				t.Fatalf("%q: %v", text, err)
			}
			if a, b := mustJSON(t, got), mustJSON(t, want); a != b {
				t.Errorf("%q: read back\n%s\nencoding/json reads\n%s", text, a, b)
			}
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSteppingReaderFindsEveryKey(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	_ = s.db.Update(func(tx *bolt.Tx) error {
		b, _ := tx.CreateBucket([]byte("t"))
		for _, id := range []uint64{1, 2, 4, 6, 8, 10} { // 3, 5, 7 and 9 missing
			_ = b.Put(be64(id), []byte(fmt.Sprint(id)))
		}
		return nil
	})
	_ = s.db.View(func(tx *bolt.Tx) error {
		r := steppingReader{c: tx.Bucket([]byte("t")).Cursor()}
		for _, id := range []uint64{4, 6, 6, 8, 10, 8, 2, 1, 3, 11, 10, 0, 2} {
			want := ""
			if id == 1 || id == 2 || id > 2 && id <= 10 && id%2 == 0 {
				want = fmt.Sprint(id)
			}
			if got := string(r.get(be64(id))); got != want {
				t.Errorf("get %d: %q, want %q", id, got, want)
			}
		}
		return nil
	})
}

// TestEachStopsWhereItsCallerStops: orders are decoded in batches ahead of the caller;
// an error of the caller's, or its context ending, stops the reading at once, and every
// order before was given in turn.
func TestEachStopsWhereItsCallerStops(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	writes := make([]order.Write, 3*decodeBatch+7)
	for i := range writes {
		writes[i] = edit(fmt.Sprintf("E-%04d", i), order.Fields{Product: "x"})
		writes[i].OccurredAt = t0.Add(time.Duration(i) * time.Minute)
	}
	if _, _, err := s.WriteMany(ctx, writes); err != nil {
		t.Fatal(err)
	}
	var all []string
	if err := s.Each(ctx, order.Filter{Sort: order.SortDateAsc}, func(o *order.Order) error {
		all = append(all, o.OrderNumber)
		return nil
	}); err != nil || len(all) != len(writes) || all[0] != "E-0000" || all[len(all)-1] != writes[len(writes)-1].Number {
		t.Fatalf("every order: %d of %d, %v", len(all), len(writes), err)
	}
	stop := errors.New("enough")
	var seen []string
	err := s.Each(ctx, order.Filter{Sort: order.SortDateAsc}, func(o *order.Order) error {
		if len(seen) == decodeBatch+10 {
			return stop
		}
		seen = append(seen, o.OrderNumber)
		return nil
	})
	if !errors.Is(err, stop) || !slices.Equal(seen, all[:decodeBatch+10]) {
		t.Errorf("stopped with %v after %d orders", err, len(seen))
	}
	cancelled, cancel := context.WithCancel(ctx)
	n := 0
	err = s.Each(cancelled, order.Filter{}, func(o *order.Order) error {
		if n++; n == 5 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || n > 2*decodeBatch {
		t.Errorf("cancelled: %v after %d orders", err, n)
	}
}

// TestPlainLogEntriesOfOlderFilesStayReadable: entries are stored packed (logs.go); those
// of older files are plain JSON and must read, list and replay as before.
func TestPlainLogEntriesOfOlderFilesStayReadable(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	id, err := s.AppendLog(ctx, order.LogEntry{ReceivedAt: t0, Body: "Order Number: NEW-1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	old, _ := json.Marshal(order.LogEntry{ID: id + 1, ReceivedAt: t0, Body: "Order Number: OLD-1"})
	err = s.db.Update(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketLogs).Get(be64(id)); len(v) == 0 || v[0] != s2Event {
			t.Errorf("a new entry is stored as %q, not packed", v)
		}
		if err := addCount(tx, keyLogCount, 1); err != nil {
			return err
		}
		return tx.Bucket(bucketLogs).Put(be64(id+1), old)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.MarkReplayed(ctx, id+1, order.OutcomeCreated); err != nil {
		t.Fatal(err)
	}
	entries, err := s.Logs(ctx, 10)
	if err != nil || len(entries) != 2 || entries[0].Body != "Order Number: OLD-1" || entries[0].ReplayedAs != order.OutcomeCreated ||
		entries[1].Body != "Order Number: NEW-1" {
		t.Fatalf("entries %+v %v", entries, err)
	}
	if e, err := s.Log(ctx, id+1); err != nil || e.Body != "Order Number: OLD-1" {
		t.Errorf("the old entry reads %+v %v", e, err)
	}
}
