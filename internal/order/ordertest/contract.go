// Package ordertest is the contract every order store must meet, as a test suite: run
// Contract from a store's own tests with a function that opens a fresh, empty store. The
// bbolt store runs it today; the PostgreSQL store will run the same.
package ordertest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roms-dev/roms/internal/order"
)

// T0 is the time the suite's writes happen at.
var T0 = time.Date(2026, 11, 20, 18, 0, 0, 0, time.UTC)

// Contract runs every test of the contract against stores from open.
func Contract(t *testing.T, open func(t *testing.T) order.Store) {
	tests := []struct {
		name string
		fn   func(*testing.T, order.Store)
	}{
		{"CreateUpdateUnchanged", createUpdateUnchanged},
		{"EventsByActor", eventsByActor},
		{"WriteManyRefusesOneWithoutTheOthers", writeMany},
		{"OrderDateIsWhenTheCheckoutHappened", orderDate},
		{"MustExistAndMustBeNew", mustExistAndMustBeNew},
		{"CheckAbortsTheWrite", checkAbortsTheWrite},
		{"DeleteAndRestore", deleteAndRestore},
		{"LogEntryIsWrittenWithTheOrder", logWithOrder},
		{"MarkMakesAnInputIdempotent", marks},
		{"FindLogsAndReplays", findLogs},
		{"PositionsOnlyMoveForward", positions},
		{"TaughtAliasesAreKept", taughtAliases},
		{"DocumentsByCollectionAndKey", documents},
		{"ListFilters", listFilters},
		{"NumbersByPrefix", numbersByPrefix},
		{"PagingVisitsEveryOrderOnceInEverySort", paging},
		{"BadCursorIsRefused", badCursor},
		{"EachFollowsTheSortOrder", each},
		{"Totals", totals},
		{"CountsFollowWritesAndPruning", counts},
		{"ConcurrentWritersLoseNothing", concurrentWriters},
		{"CancelledContextStopsWork", cancelled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

func ptr[T any](v T) *T { return &v }

func cents(v int64) *order.Money { m := order.Money(v); return &m }

// Edit is a write of fields to an order number at T0, by the API.
func Edit(number string, f order.Fields) order.Write {
	return order.Write{Number: number, Edit: order.Edit{Fields: f}, Origin: order.Origin{Source: order.SourceAPI}, Actor: order.ActorAPI, At: T0}
}

func mustWrite(t *testing.T, s order.Store, w order.Write) order.Result {
	t.Helper()
	res, err := s.Write(context.Background(), w)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// Numbers lists the order numbers of a page, comma-separated.
func Numbers(orders []order.Order) string {
	var out []string
	for _, o := range orders {
		out = append(out, o.OrderNumber)
	}
	return strings.Join(out, ",")
}

func createUpdateUnchanged(t *testing.T, s order.Store) {
	ctx := context.Background()
	first := Edit("#test-001", order.Fields{Product: "Test Product", Price: cents(9999), Email: "test@example.com", Status: "verified"})
	first.Actor = "message:http"
	res := mustWrite(t, s, first)
	if !holds(t, "the first write", res,
		that("created it", res.Outcome == order.OutcomeCreated), that("gave it an id", res.Order.ID != 0),
		that("kept the number without #", res.Order.OrderNumber == "test-001"),
		that("made the total 99.99", res.Order.Total != nil && *res.Order.Total == 9999)) {
		t.FailNow()
	}
	second := Edit("TEST-001", order.Fields{Status: "shipped", TrackingNumbers: []string{"1Z999"}})
	second.At = T0.Add(time.Hour)
	res = mustWrite(t, s, second)
	if !holds(t, "the update", res, that("updated it", res.Outcome == order.OutcomeUpdated),
		that("kept the product", res.Order.Product == "Test Product"), that("added the tracking", res.Order.TrackingNumber == "1Z999")) {
		t.FailNow()
	}
	if res = mustWrite(t, s, second); res.Outcome != order.OutcomeUnchanged || len(res.Changes) != 0 {
		t.Errorf("repeat: %s %v", res.Outcome, res.Changes)
	}
	o, err := s.Get(ctx, "Test-001")
	holds(t, "reading it back", o, that("found it", err == nil), that("is shipped", o.Status == "shipped"),
		that("has a shipped date", o.ShippedDate != nil), that("was updated at the write's time", o.UpdatedAt.Equal(T0.Add(time.Hour))))
	events, err := s.Events(ctx, "#TEST-001")
	if err != nil || len(events) != 2 {
		t.Fatalf("events: %+v %v", events, err)
	}
	holds(t, "its history", events,
		that("starts with a created event", events[0].Type == order.EventCreated),
		that("names the first write's actor", events[0].Actor == "message:http"),
		that("goes on with an update", events[1].Type == order.EventUpdated),
		that("names the update's actor", events[1].Actor == order.ActorAPI),
		that("lists the update's three changes, status first", len(events[1].Changes) == 3 && events[1].Changes[0].Field == "status"))
	if _, err := s.Get(ctx, "NOPE"); !errors.Is(err, order.ErrNotFound) {
		t.Errorf("missing order: %v", err)
	}
	if byID, err := s.ByID(ctx, o.ID); err != nil || byID.OrderNumber != "test-001" {
		t.Errorf("by id: %+v %v", byID, err)
	}
	if _, err := s.ByID(ctx, 999); !errors.Is(err, order.ErrNotFound) {
		t.Errorf("missing id: %v", err)
	}
	if _, err := s.Events(ctx, "NOPE"); !errors.Is(err, order.ErrNotFound) {
		t.Errorf("events of a missing order: %v", err)
	}
}

func eventsByActor(t *testing.T, s order.Store) {
	for i, w := range []order.Write{Edit("A", order.Fields{}), Edit("B", order.Fields{}), Edit("A", order.Fields{Notes: "x"}), Edit("B", order.Fields{Notes: "y"})} {
		if i >= 2 {
			w.Actor = "import:batch-1"
		}
		mustWrite(t, s, w)
	}
	mustWrite(t, s, func() order.Write { w := Edit("A", order.Fields{Notes: "z"}); w.Actor = "import:batch-10"; return w }())
	events, err := s.EventsBy(context.Background(), "import:batch-1")
	if holds(t, "the events of batch-1", events, that("read", err == nil), that("are two", len(events) == 2)) {
		holds(t, "the events of batch-1", events, that("first set x", events[0].Changes[0].New == "x"),
			that("then y", events[1].Changes[0].New == "y"))
	}
	if none, _ := s.EventsBy(context.Background(), "import:nope"); len(none) != 0 {
		t.Errorf("events of an unknown actor: %+v", none)
	}
}

func writeMany(t *testing.T, s order.Store) {
	ctx := context.Background()
	first := mustWrite(t, s, Edit("KNOWN", order.Fields{Quantity: ptr(1)}))
	refuse := errors.New("refused by check")
	missing := Edit("MISSING", order.Fields{Notes: "x"})
	missing.MustExist = true
	dup := Edit("known", order.Fields{})
	dup.MustBeNew = true
	checked := Edit("NEW-CHECKED", order.Fields{Notes: "y"})
	checked.Check = func(*order.Order, []order.Change) error { return refuse }
	results, errs, err := s.WriteMany(ctx, []order.Write{
		Edit("KNOWN", order.Fields{Notes: "one"}), missing, dup, checked, Edit("KNOWN", order.Fields{Notes: "two"}), Edit("NEW-1", order.Fields{}),
		Edit(" # ", order.Fields{}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !holds(t, "the writes' errors", errs,
		that("1 is not found", errors.Is(errs[1], order.ErrNotFound)), that("2 exists", errors.Is(errs[2], order.ErrExists)),
		that("3 is the check's refusal", errors.Is(errs[3], refuse)), that("6 has no number", errors.Is(errs[6], order.ErrNoNumber)),
		that("0, 4 and 5 succeed", errs[0] == nil && errs[4] == nil && errs[5] == nil)) {
		t.FailNow()
	}
	holds(t, "the writes' results", results, that("0 updated", results[0].Outcome == order.OutcomeUpdated),
		that("4 set the notes", results[4].Order.Notes == "two"), that("5 created", results[5].Outcome == order.OutcomeCreated),
		that("5 took the next id", results[5].Order.ID == first.Order.ID+1))
	if _, err := s.Get(ctx, "NEW-CHECKED"); !errors.Is(err, order.ErrNotFound) {
		t.Errorf("a refused create left an order: %v", err)
	}
	if ev, _ := s.Events(ctx, "KNOWN"); len(ev) != 3 {
		t.Errorf("KNOWN has %d events, want 3", len(ev))
	}
	if _, err := s.Write(ctx, Edit("", order.Fields{Notes: "z"})); !errors.Is(err, order.ErrNoNumber) {
		t.Errorf("a write without an order number: %v", err)
	}
	if c, _ := s.Counts(ctx); c.Orders != 2 {
		t.Errorf("counts %+v", c)
	}
}

func orderDate(t *testing.T, s order.Store) {
	w := Edit("D-1", order.Fields{})
	w.OccurredAt = T0.Add(-48 * time.Hour)
	if o := mustWrite(t, s, w).Order; !o.OrderDate.Equal(T0.Add(-48*time.Hour)) || !o.CreatedAt.Equal(T0) {
		t.Errorf("order date %v created %v", o.OrderDate, o.CreatedAt)
	}
}

func mustExistAndMustBeNew(t *testing.T, s order.Store) {
	w := Edit("E-1", order.Fields{Notes: "x"})
	w.MustExist = true
	if _, err := s.Write(context.Background(), w); !errors.Is(err, order.ErrNotFound) {
		t.Errorf("edit of a missing order: %v", err)
	}
	mustWrite(t, s, Edit("E-1", order.Fields{}))
	w = Edit("e-1", order.Fields{Product: "dup"})
	w.MustBeNew = true
	if _, err := s.Write(context.Background(), w); !errors.Is(err, order.ErrExists) {
		t.Errorf("create of a known number: %v", err)
	}
	if o, _ := s.Get(context.Background(), "E-1"); o.Product != "" {
		t.Errorf("refused create changed the order: %+v", o)
	}
}

func checkAbortsTheWrite(t *testing.T, s order.Store) {
	mustWrite(t, s, Edit("C-1", order.Fields{Quantity: ptr(1)}))
	tooMany := errors.New("too many")
	w := Edit("C-1", order.Fields{QtyReceived: ptr(5)})
	w.Check = func(o *order.Order, changes []order.Change) error {
		// The change of qty_received is there with its old value (the received status
		// follows it: all units in).
		if o.QtyReceived > o.Quantity && slices.ContainsFunc(changes, func(c order.Change) bool { return c.Field == "qty_received" && c.Old == 0 }) {
			return tooMany
		}
		return nil
	}
	if _, err := s.Write(context.Background(), w); !errors.Is(err, tooMany) {
		t.Errorf("check error: %v", err)
	}
	if o, _ := s.Get(context.Background(), "C-1"); o.QtyReceived != 0 {
		t.Errorf("aborted write stored: %+v", o)
	}
	if ev, _ := s.Events(context.Background(), "C-1"); len(ev) != 1 {
		t.Errorf("aborted write left an event: %+v", ev)
	}
}

func deleteAndRestore(t *testing.T, s order.Store) {
	ctx := context.Background()
	mustWrite(t, s, Edit("KEEP", order.Fields{Price: cents(100)}))
	mustWrite(t, s, Edit("TEST-ORDER", order.Fields{Price: cents(500)}))
	del := Edit("test-order", order.Fields{})
	del.Edit.Delete, del.MustExist = true, true
	if res := mustWrite(t, s, del); res.Outcome != order.OutcomeDeleted || res.Order.DeletedAt == nil {
		t.Fatalf("delete: %s %+v", res.Outcome, res.Order)
	}
	page, _ := s.List(ctx, order.Filter{})
	all, _, _ := s.Totals(ctx, order.Filter{}, order.GroupNone, time.UTC)
	holds(t, "the lists and totals after a delete", Numbers(page.Orders), that("list only KEEP", Numbers(page.Orders) == "KEEP"),
		that("count one match", page.Total == 1), that("count one checkout in the totals", all.Checkouts == 1))
	if page, _ := s.List(ctx, order.Filter{Deleted: true}); Numbers(page.Orders) != "TEST-ORDER" {
		t.Errorf("deleted list: %q", Numbers(page.Orders))
	}
	if _, err := s.Get(ctx, "TEST-ORDER"); err != nil {
		t.Errorf("a deleted order can still be looked up: %v", err)
	}
	restore := Edit("TEST-ORDER", order.Fields{})
	restore.Edit.Restore = true
	if res := mustWrite(t, s, restore); res.Outcome != order.OutcomeRestored || res.Order.DeletedAt != nil {
		t.Errorf("restore: %s %+v", res.Outcome, res.Order)
	}
	events, _ := s.Events(ctx, "TEST-ORDER")
	var types []string
	for _, e := range events {
		types = append(types, e.Type)
	}
	if strings.Join(types, ",") != "created,deleted,restored" {
		t.Errorf("history %v", types)
	}
}

func logWithOrder(t *testing.T, s order.Store) {
	ctx := context.Background()
	w := Edit("L-1", order.Fields{})
	w.Log = &order.LogEntry{Body: "Order Number\nL-1", ReceivedAt: T0}
	res := mustWrite(t, s, w)
	logs, err := s.Logs(ctx, 10)
	if holds(t, "the log", logs, that("reads", err == nil), that("holds one entry", len(logs) == 1)) {
		holds(t, "the log entry", logs[0], that("has the write's log id", logs[0].ID == res.LogID),
			that("says created", logs[0].Outcome == order.OutcomeCreated), that("names the order", logs[0].OrderNumber == "L-1"),
			that("links the order's id", logs[0].OrderID == res.Order.ID))
	}
	if id, err := s.AppendLog(ctx, order.LogEntry{Body: "ping", Outcome: order.OutcomeIgnored}, nil); err != nil || id == 0 {
		t.Fatalf("append: %d %v", id, err)
	}
	if logs, _ := s.Logs(ctx, 1); len(logs) != 1 || logs[0].Body != "ping" {
		t.Errorf("newest first: %+v", logs)
	}
	// A rejected input is kept as it came, NUL bytes and all.
	body := "\x00\x01 binary \u2603 \\u0000"
	id, err := s.AppendLog(ctx, order.LogEntry{Body: body, Outcome: order.OutcomeRejected}, nil)
	if err != nil {
		t.Fatalf("append a binary body: %v", err)
	}
	if e, err := s.Log(ctx, id); err != nil || e.Body != body {
		t.Errorf("binary body back: %q %v", e.Body, err)
	}
}

func findLogs(t *testing.T, s order.Store) {
	ctx := context.Background()
	var ids []uint64
	for i, outcome := range []string{order.OutcomeCreated, order.OutcomeRejected, order.OutcomeIgnored, order.OutcomeRejected} {
		id, err := s.AppendLog(ctx, order.LogEntry{Body: fmt.Sprint(i), Outcome: outcome, ReceivedAt: T0.Add(time.Duration(i) * time.Hour)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	all, err := s.FindLogs(ctx, order.LogFilter{Limit: 2})
	if holds(t, "the newest two of all entries", all, that("read", err == nil), that("count 4 in all", all.Total == 4),
		that("are two", len(all.Entries) == 2)) {
		holds(t, "the newest two of all entries", all, that("start with the newest", all.Entries[0].Body == "3"))
	}
	failed, _ := s.FindLogs(ctx, order.LogFilter{Limit: 10, StillFailed: true})
	if holds(t, "the failed entries", failed, that("count 2", failed.Total == 2), that("are two", len(failed.Entries) == 2)) {
		holds(t, "the failed entries", failed, that("are 3 then 1, newest first", failed.Entries[0].Body == "3" && failed.Entries[1].Body == "1"))
	}
	if err := s.MarkReplayed(ctx, ids[3], order.OutcomeCreated); err != nil {
		t.Fatal(err)
	}
	if failed, _ := s.FindLogs(ctx, order.LogFilter{Limit: 10, StillFailed: true}); failed.Total != 1 {
		t.Errorf("a replayed input is still failed: %+v", failed)
	}
	e, err := s.Log(ctx, ids[3])
	holds(t, "the replayed entry", e, that("reads", err == nil), that("says it was replayed as created", e.ReplayedAs == order.OutcomeCreated),
		that("keeps its body", e.Body == "3"))
	since, _ := s.FindLogs(ctx, order.LogFilter{Limit: 10, Since: T0.Add(2 * time.Hour), Outcomes: []string{order.OutcomeIgnored}})
	if since.Total != 1 || since.Entries[0].Body != "2" {
		t.Errorf("since and outcome: %+v", since)
	}
	if _, err := s.Log(ctx, 999); !errors.Is(err, order.ErrNotFound) {
		t.Errorf("missing entry: %v", err)
	}
}

func marks(t *testing.T, s order.Store) {
	ctx := context.Background()
	w := Edit("M-1", order.Fields{Product: "X"})
	w.Mark = &order.Mark{Key: "discord:1:0", Hash: "aaa", Version: 100}
	w.Log = &order.LogEntry{Body: "first"}
	if res := mustWrite(t, s, w); res.Outcome != order.OutcomeCreated {
		t.Fatalf("first: %s", res.Outcome)
	}
	if res := mustWrite(t, s, w); res.Outcome != order.OutcomeDuplicate {
		t.Errorf("same mark again: %s, want duplicate", res.Outcome)
	}
	if dup, _ := s.Seen(ctx, *w.Mark); !dup {
		t.Error("Seen says no")
	}
	edit := Edit("M-1", order.Fields{Product: "Y"})
	edit.Mark = &order.Mark{Key: "discord:1:0", Hash: "bbb", Version: 200}
	if res := mustWrite(t, s, edit); res.Outcome != order.OutcomeUpdated {
		t.Errorf("edit: %s, want updated", res.Outcome)
	}
	if res := mustWrite(t, s, w); res.Outcome != order.OutcomeDuplicate {
		t.Errorf("late delivery of the original: %s, want duplicate", res.Outcome)
	}
	if o, _ := s.Get(ctx, "M-1"); o.Product != "Y" {
		t.Errorf("product %q, want the edit to stand", o.Product)
	}
	if logs, _ := s.Logs(ctx, 10); len(logs) != 1 {
		t.Errorf("%d log entries, want only the first delivery's", len(logs))
	}
	mark := &order.Mark{Key: "discord:2:0", Hash: "ccc"}
	if id, err := s.AppendLog(ctx, order.LogEntry{Body: "ping"}, mark); err != nil || id == 0 {
		t.Fatalf("first ignored input: %d %v", id, err)
	}
	if id, err := s.AppendLog(ctx, order.LogEntry{Body: "ping"}, mark); err != nil || id != 0 {
		t.Errorf("repeated ignored input logged again: %d %v", id, err)
	}
}

func positions(t *testing.T, s order.Store) {
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

func taughtAliases(t *testing.T, s order.Store) {
	ctx := context.Background()
	if a, err := s.Aliases(ctx); err != nil || len(a) != 0 {
		t.Fatalf("fresh aliases %v %v", a, err)
	}
	for _, step := range [][2]string{{"MAIL", "email"}, {"Ticket", "order_number"}, {"MAIL", "notes"}, {"Ticket", ""}} {
		if err := s.Teach(ctx, step[0], step[1]); err != nil {
			t.Fatal(err)
		}
	}
	if a, err := s.Aliases(ctx); err != nil || len(a) != 1 || a["MAIL"] != "notes" {
		t.Errorf("aliases %v %v, want MAIL taught anew and Ticket forgotten", a, err)
	}
}

func documents(t *testing.T, s order.Store) {
	ctx := context.Background()
	if _, err := s.Document(ctx, "clients", "ann"); !errors.Is(err, order.ErrNotFound) {
		t.Fatalf("a document never stored: %v, want ErrNotFound", err)
	}
	put := func(collection, key, data string) {
		t.Helper()
		if err := s.PutDocument(ctx, collection, key, []byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	put("clients", "bob", "1")
	put("clients", "ann", "2")
	put("clients", "Zed", "3")
	put("fees", "ann", "other collection")
	put("clients", "bob", "4") // replaces
	keys := func(after string, limit int) string {
		t.Helper()
		docs, err := s.Documents(ctx, "clients", after, limit)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, d := range docs {
			out = append(out, d.Key+"="+string(d.Data))
			holds(t, "a listed document", d, that("its collection named", d.Collection == "clients"))
		}
		return strings.Join(out, " ")
	}
	for _, tt := range []struct {
		after string
		limit int
		want  string
	}{
		{"", 0, "Zed=3 ann=2 bob=4"}, // by key, byte by byte
		{"", 2, "Zed=3 ann=2"},
		{"Zed", 0, "ann=2 bob=4"},
		{"an", 1, "ann=2"},
		{"bob", 0, ""},
	} {
		if got := keys(tt.after, tt.limit); got != tt.want {
			t.Errorf("after %q limit %d: %q, want %q", tt.after, tt.limit, got, tt.want)
		}
	}
	if d, err := s.Document(ctx, "fees", "ann"); err != nil || string(d) != "other collection" {
		t.Errorf("fees/ann: %q %v", d, err)
	}
	if err := s.DeleteDocument(ctx, "clients", "ann"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteDocument(ctx, "clients", "never"); err != nil {
		t.Errorf("deleting a document that is not there: %v", err)
	}
	if got := keys("", 0); got != "Zed=3 bob=4" {
		t.Errorf("after the delete: %q", got)
	}
	if docs, err := s.Documents(ctx, "nothing-here", "", 0); err != nil || len(docs) != 0 {
		t.Errorf("an empty collection: %v %v", docs, err)
	}
}

// seedList stores five orders a day or more apart, newest last.
func seedList(t *testing.T, s order.Store) {
	day := 24 * time.Hour
	for _, o := range []struct {
		number, product, store, status, profile, email, tracking string
		price                                                    int64
		qty, received, daysAgo                                   int
	}{
		{"1", "Pokemon ETB", "Target", "verified", "Main", "bob@x.co", "", 4999, 1, 0, 10},
		{"2", "Switch 2", "Walmart", "declined", "Chase 2", "b@x.co", "", 44999, 1, 0, 5},
		{"3", "Pokemon Booster", "Target", "shipped", "Alt", "alice@x.co", "1Z999", 14399, 2, 1, 3},
		{"4", "Starlink Mini", "Best Buy US", "delivered", "Chase 2", "c@x.co", "1Z888", 29999, 1, 1, 1},
		{"5", "pokemon tin", "target", "verified", "Main", "BOB@X.CO", "", 0, 1, 0, 0},
	} {
		f := order.Fields{Product: o.product, Store: o.store, Status: o.status, Profile: o.profile, Email: o.email,
			Quantity: &o.qty, QtyReceived: &o.received, Currency: "USD"}
		if o.price > 0 {
			f.Price = cents(o.price)
		}
		if o.tracking != "" {
			f.TrackingNumbers = []string{o.tracking}
		}
		w := Edit(o.number, f)
		w.OccurredAt = T0.Add(-time.Duration(o.daysAgo) * day)
		mustWrite(t, s, w)
	}
}

func listFilters(t *testing.T, s order.Store) {
	seedList(t, s)
	day := 24 * time.Hour
	tests := []struct {
		name string
		f    order.Filter
		want string
	}{
		{"all, newest checkout first", order.Filter{}, "5,4,3,2,1"},
		{"oldest first", order.Filter{Sort: order.SortDateAsc}, "1,2,3,4,5"},
		{"dearest first, no price last", order.Filter{Sort: order.SortPriceDesc}, "2,4,3,1,5"},
		{"cheapest first, no price last", order.Filter{Sort: order.SortPriceAsc}, "1,3,4,2,5"},
		{"one status", order.Filter{Statuses: []string{"verified"}}, "5,1"},
		{"several statuses", order.Filter{Statuses: []string{"shipped", "delivered"}}, "4,3"},
		{"store by part, any case", order.Filter{Store: "best buy"}, "4"},
		{"store any case", order.Filter{Store: "TARGET"}, "5,3,1"},
		{"profile by part", order.Filter{Profile: "chase"}, "4,2"},
		{"email by part", order.Filter{Email: "bob"}, "5,1"},
		{"text in the product", order.Filter{Query: "pokemon"}, "5,3,1"},
		{"text in the order number", order.Filter{Query: "4"}, "4"},
		{"text in the email", order.Filter{Query: "alice@"}, "3"},
		{"text in the tracking number", order.Filter{Query: "1z888"}, "4"},
		{"text in the store", order.Filter{Query: "walmart"}, "2"},
		{"without tracking", order.Filter{HasTracking: ptr(false)}, "5,2,1"},
		{"with tracking", order.Filter{HasTracking: ptr(true)}, "4,3"},
		{"not fully received", order.Filter{FullyReceived: ptr(false)}, "5,3,2,1"},
		{"still open: no tracking, not received, or on hold; never declined", order.Filter{Open: true}, "5,3,1"},
		{"date range", order.Filter{From: T0.Add(-6 * day), To: T0.Add(-day)}, "3,2"},
		{"date range includes its start", order.Filter{From: T0.Add(-day)}, "5,4"},
		{"store and date", order.Filter{Store: "target", From: T0.Add(-4 * day)}, "5,3"},
		{"nothing", order.Filter{Email: "nobody@x.co"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := s.List(context.Background(), tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if got := Numbers(page.Orders); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if want := len(strings.Split(tt.want, ",")); tt.want != "" && page.Total != want {
				t.Errorf("total %d, want %d", page.Total, want)
			}
		})
	}
}

func numbersByPrefix(t *testing.T, s order.Store) {
	for _, n := range []string{"BBY01-100", "bby01-200", "TGT-1", "BBY02-1", "BBY01-300"} {
		mustWrite(t, s, Edit(n, order.Fields{}))
	}
	del := Edit("BBY01-300", order.Fields{})
	del.Edit.Delete = true
	mustWrite(t, s, del)
	for _, tt := range []struct {
		prefix string
		limit  int
		want   string
	}{
		{"#bby01", 25, "bby01-200,BBY01-100"},
		{"BBY", 2, "BBY02-1,bby01-200"},
		{"", 3, "BBY02-1,TGT-1,bby01-200"},
		{"nope", 25, ""},
	} {
		got, err := s.Numbers(context.Background(), tt.prefix, tt.limit)
		if err != nil || strings.Join(got, ",") != tt.want {
			t.Errorf("Numbers(%q, %d) = %q %v, want %q", tt.prefix, tt.limit, got, err, tt.want)
		}
	}
}

func paging(t *testing.T, s order.Store) {
	for i := range 23 {
		w := Edit(fmt.Sprint("N", i), order.Fields{Store: "Target", Price: cents(int64(100 * (i % 4)))})
		w.OccurredAt = T0.Add(time.Duration(i%5) * time.Minute) // ties on date and on price
		if i%7 == 0 {
			w.Edit.Price = nil
		}
		mustWrite(t, s, w)
	}
	for _, sort := range order.Sorts {
		for _, f := range []order.Filter{{Limit: 5}, {Limit: 5, Store: "target"}, {Limit: 5, From: T0.Add(-time.Hour)}} {
			f.Sort = sort
			var got []string
			for pages := 0; ; pages++ {
				if pages > 10 {
					t.Fatal("pagination does not end")
				}
				page, err := s.List(context.Background(), f)
				if err != nil {
					t.Fatal(err)
				}
				if page.Total != 23 {
					t.Errorf("%s: total %d", sort, page.Total)
				}
				got = append(got, Numbers(page.Orders))
				if page.Next == "" {
					break
				}
				f.After = page.Next
			}
			all, _ := s.List(context.Background(), order.Filter{Sort: sort, Limit: 100})
			if strings.Join(got, ",") != Numbers(all.Orders) {
				t.Errorf("%s %+v: pages %v\nwhole list %s", sort, f, got, Numbers(all.Orders))
			}
			var numbered []string
			for offset := 0; offset < 23; offset += 5 {
				page, _ := s.List(context.Background(), order.Filter{Sort: sort, Store: f.Store, From: f.From, Offset: offset, Limit: 5})
				numbered = append(numbered, Numbers(page.Orders))
			}
			if strings.Join(numbered, ",") != Numbers(all.Orders) {
				t.Errorf("%s: numbered pages %v", sort, numbered)
			}
		}
	}
}

func badCursor(t *testing.T, s order.Store) {
	seedList(t, s)
	page, _ := s.List(context.Background(), order.Filter{Limit: 2})
	for _, f := range []order.Filter{{After: "garbage"}, {After: page.Next, Sort: order.SortPriceAsc}} {
		if _, err := s.List(context.Background(), f); !errors.Is(err, order.ErrBadCursor) {
			t.Errorf("%+v: %v", f, err)
		}
	}
}

func each(t *testing.T, s order.Store) {
	seedList(t, s)
	var got []string
	err := s.Each(context.Background(), order.Filter{Sort: order.SortPriceDesc, Store: "target"}, func(o *order.Order) error {
		got = append(got, o.OrderNumber)
		return nil
	})
	if err != nil || strings.Join(got, ",") != "3,1,5" {
		t.Errorf("each: %v %v", got, err)
	}
	stop := errors.New("stop")
	if err := s.Each(context.Background(), order.Filter{}, func(*order.Order) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("error from fn: %v", err)
	}
}

func totals(t *testing.T, s order.Store) {
	seedList(t, s)
	all, groups, err := s.Totals(context.Background(), order.Filter{}, order.GroupStore, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	// Spend leaves out the declined Switch: 49.99 + 2 x 143.99 + 299.99.
	holds(t, "the overall totals", all, that("count 5 checkouts", all.Checkouts == 5), that("count 1 decline", all.Declined == 1),
		that("count 5 units", all.Units == 5), that("count 2 with tracking", all.WithTracking == 2),
		that("count 2 units received", all.UnitsReceived == 2),
		that("spend 637.96 over 3 orders in one currency", len(all.Money) == 1 && all.Money[0].Spend == 63796 && all.Money[0].Orders == 3))
	var names []string
	for _, g := range groups {
		names = append(names, fmt.Sprintf("%s:%d", g.Group, g.Checkouts))
	}
	// Most checkouts first, then by name; stores group as written: "Target" and "target"
	// are two groups.
	if !slices.Equal(names, []string{"Target:2", "Best Buy US:1", "Walmart:1", "target:1"}) {
		t.Errorf("groups %v", names)
	}
	status, _, _ := s.Totals(context.Background(), order.Filter{Statuses: []string{"verified"}}, order.GroupNone, time.UTC)
	if status.Checkouts != 2 {
		t.Errorf("filtered totals %+v", status)
	}
}

func counts(t *testing.T, s order.Store) {
	ctx := context.Background()
	mustWrite(t, s, Edit("A", order.Fields{}))
	mustWrite(t, s, Edit("A", order.Fields{Notes: "again"}))
	mustWrite(t, s, Edit("B", order.Fields{}))
	for range 3 {
		if _, err := s.AppendLog(ctx, order.LogEntry{ReceivedAt: T0}, nil); err != nil {
			t.Fatal(err)
		}
	}
	c, err := s.Counts(ctx)
	holds(t, "the counts", c, that("read", err == nil), that("count 2 orders", c.Orders == 2), that("count 3 log entries", c.LogItems == 3))
	before, _ := s.Counts(ctx)
	if before.LogBytes <= 0 {
		t.Errorf("log bytes not counted: %+v", before)
	}
	if n, err := s.PruneLogs(ctx, order.Retention{MaxEntries: 1}, T0); err != nil || n != 2 {
		t.Errorf("prune: %d %v", n, err)
	}
	// Bytes are what the store keeps, which may be packed: entries alike take about
	// the same, not exactly.
	c, _ = s.Counts(ctx)
	holds(t, "the counts after pruning", c, that("count 1 log entry", c.LogItems == 1), that("count its bytes", c.LogBytes > 0),
		that("count at most half the bytes of before", c.LogBytes*2 <= before.LogBytes))
	// Bodies that no packing shrinks, so that every store keeps about 10 KB of each.
	r := rand.New(rand.NewPCG(1, 2))
	big := strings.Map(func(rune) rune { return rune('a' + r.IntN(26)) }, strings.Repeat("x", 10_000))
	for range 5 {
		if _, err := s.AppendLog(ctx, order.LogEntry{ReceivedAt: T0, Body: big}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.PruneLogs(ctx, order.Retention{MaxBytes: 25_000}, T0); err != nil || n != 4 {
		t.Errorf("prune to a size: %d %v", n, err)
	}
	if c, _ := s.Counts(ctx); c.LogBytes > 25_000 || c.LogItems != 2 {
		t.Errorf("after pruning to a size: %+v", c)
	}
}

func concurrentWriters(t *testing.T, s order.Store) {
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 25 {
				// Every writer also touches the shared order, so merges race too.
				if _, err := s.Write(context.Background(), Edit(fmt.Sprint(w, "-", i), order.Fields{})); err != nil {
					t.Error(err)
				}
				if _, err := s.Write(context.Background(), Edit("SHARED", order.Fields{Notes: fmt.Sprint(w, i)})); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if c, _ := s.Counts(context.Background()); c.Orders != 201 {
		t.Errorf("orders = %d, want 201", c.Orders)
	}
	page, _ := s.List(context.Background(), order.Filter{Limit: 500})
	if page.Total != 201 || len(page.Orders) != 201 {
		t.Errorf("listed %d of %d, want 201", len(page.Orders), page.Total)
	}
	if ev, _ := s.Events(context.Background(), "SHARED"); len(ev) != 200 {
		t.Errorf("shared order has %d events, want 200", len(ev))
	}
}

func cancelled(t *testing.T, s order.Store) {
	seedList(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.List(ctx, order.Filter{}); !errors.Is(err, context.Canceled) {
		t.Errorf("list: %v", err)
	}
	if _, _, err := s.Totals(ctx, order.Filter{}, order.GroupNone, time.UTC); !errors.Is(err, context.Canceled) {
		t.Errorf("totals: %v", err)
	}
	if _, err := s.Write(ctx, Edit("Z", order.Fields{})); !errors.Is(err, context.Canceled) {
		t.Errorf("write: %v", err)
	}
}

// condition is one expectation of a check, named as a failure says it.
type condition struct {
	name string
	ok   bool
}

func that(name string, ok bool) condition { return condition{name, ok} }

// holds reports whether every condition holds, and fails t naming each that does not, so
// that a check of several things says which went wrong.
func holds(t *testing.T, what string, got any, conditions ...condition) bool {
	t.Helper()
	var failed []string
	for _, c := range conditions {
		if !c.ok {
			failed = append(failed, c.name)
		}
	}
	if len(failed) > 0 {
		t.Errorf("%s, not as it should be: want %s; got %+v", what, strings.Join(failed, "; "), got)
	}
	return len(failed) == 0
}
