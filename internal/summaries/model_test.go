package summaries

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/roms-dev/roms/internal/order"
)

// model is the reference an Index is checked against: the summary of every order in a
// plain map, every query answered by testing each order with order.Matcher and sorting
// the matches, with none of the index's columns, lists, shortcuts or parallel parts.
type model struct {
	orders map[uint64]order.Order
}

func newModel() *model { return &model{orders: map[uint64]order.Order{}} }

func (m *model) put(o order.Order) { m.orders[o.ID] = o }

// matches is every order that matches f, in id order.
func (m *model) matches(f order.Filter) []order.Order {
	matcher := order.NewMatcher(f)
	var out []order.Order
	for _, o := range m.orders {
		if matcher.Match(&o) {
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b order.Order) int { return int(a.ID) - int(b.ID) })
	return out
}

// sorted is the position of every match in f's sort, in that sort.
func (m *model) sorted(f order.Filter) []order.Position {
	var positions []order.Position
	for _, o := range m.matches(f) {
		positions = append(positions, order.PositionOf(&o, f.Sort))
	}
	slices.SortFunc(positions, func(a, b order.Position) int { return order.Compare(f.Sort, a, b) })
	return positions
}

// page is what a list of f returns: the ids of its page, the number of matches, and the
// cursor of the next page. f has its defaults; all is m.sorted(f).
func page(t *testing.T, f order.Filter, all []order.Position) ([]uint64, int, string) {
	rest := all
	if f.After != "" {
		after, err := order.ParseCursor(f.Sort, f.After)
		if err != nil {
			t.Fatalf("the index gave a cursor that does not read: %q", f.After)
		}
		k := 0
		for k < len(rest) && order.Compare(f.Sort, rest[k], after) <= 0 {
			k++
		}
		rest = rest[k:]
	} else {
		rest = rest[min(max(f.Offset, 0), len(rest)):]
	}
	window := rest[:min(f.Limit, len(rest))]
	next := ""
	if len(window) < len(rest) {
		next = order.Cursor(f.Sort, window[len(window)-1])
	}
	return ids(window), len(all), next
}

func (m *model) totals(f order.Filter, by string, loc *time.Location) (order.Totals, []order.Totals) {
	tally := order.NewTally(by, loc)
	for _, o := range m.matches(f) {
		tally.Add(&o)
	}
	return tally.Result()
}

func ids(positions []order.Position) []uint64 {
	out := []uint64{}
	for _, p := range positions {
		out = append(out, p.ID)
	}
	return out
}

// indexPage is a list of f as a store serves it from x: from the date order when it
// can, else from a pager over the rows. f has its defaults.
func indexPage(t *testing.T, x *Index, f order.Filter) ([]uint64, int, string) {
	positions, total, next, ok := x.DatePage(f)
	if !ok {
		p, err := x.Page(context.Background(), f)
		if err != nil {
			t.Fatalf("%s: %v", describe(f), err)
		}
		positions, next = p.Window()
		total = p.Total
	}
	return ids(positions), total, next
}

// describe is a filter as a test failure names it: only what is set.
func describe(f order.Filter) string {
	var parts []string
	add := func(name string, v any, set bool) {
		if set {
			parts = append(parts, fmt.Sprintf("%s=%v", name, v))
		}
	}
	add("statuses", f.Statuses, len(f.Statuses) > 0)
	add("store", f.Store, f.Store != "")
	add("profile", f.Profile, f.Profile != "")
	add("email", f.Email, f.Email != "")
	add("q", fmt.Sprintf("%q", f.Query), f.Query != "")
	add("has_tracking", f.HasTracking != nil && *f.HasTracking, f.HasTracking != nil)
	add("fully_received", f.FullyReceived != nil && *f.FullyReceived, f.FullyReceived != nil)
	add("open", f.Open, f.Open)
	add("from", f.From.Format(time.RFC3339), !f.From.IsZero())
	add("to", f.To.Format(time.RFC3339), !f.To.IsZero())
	add("deleted", f.Deleted, f.Deleted)
	add("sort", f.Sort, true)
	add("limit", f.Limit, true)
	add("offset", f.Offset, f.Offset != 0)
	add("after", f.After, f.After != "")
	return "{" + strings.Join(parts, " ") + "}"
}

// checkPages pages through f by cursor to its end, then reads one page by offset, each
// page from x and from the model.
func checkPages(t *testing.T, x *Index, m *model, f order.Filter) {
	t.Helper()
	f = f.WithDefaults()
	all := m.sorted(f)
	for pages := 0; ; pages++ {
		got, total, next := indexPage(t, x, f)
		want, wantTotal, wantNext := page(t, f, all)
		if !slices.Equal(got, want) {
			t.Fatalf("%s page %d: the index lists %v, the model %v", describe(f), pages, got, want)
		}
		if total != wantTotal {
			t.Fatalf("%s page %d: the index counts %d matches, the model %d", describe(f), pages, total, wantTotal)
		}
		if next != wantNext {
			t.Fatalf("%s page %d: the index's next cursor is %q, the model's %q", describe(f), pages, next, wantNext)
		}
		if next == "" {
			break
		}
		f.After = next
	}
	f.After, f.Offset = "", 2
	if got, want := fst(indexPage(t, x, f)), fst(page(t, f, all)); !slices.Equal(got, want) {
		t.Fatalf("%s: the index lists %v, the model %v", describe(f), got, want)
	}
}

func fst(ids []uint64, _ int, _ string) []uint64 { return ids }

// checkTotals compares the totals of f, by every grouping, and the sorted positions an
// export reads.
func checkTotals(t *testing.T, x *Index, m *model, f order.Filter, loc *time.Location) {
	t.Helper()
	for _, by := range append([]string{order.GroupNone}, order.Groupings...) {
		tally, err := x.Tally(context.Background(), f, by, loc)
		if err != nil {
			t.Fatalf("%s by %q: %v", describe(f), by, err)
		}
		gotAll, gotGroups := tally.Result()
		wantAll, wantGroups := m.totals(f, by, loc)
		if !reflect.DeepEqual(gotAll, wantAll) {
			t.Fatalf("%s by %q: the index adds up %+v, the model %+v", describe(f), by, gotAll, wantAll)
		}
		if !reflect.DeepEqual(gotGroups, wantGroups) {
			t.Fatalf("%s by %q: the index's groups are %+v, the model's %+v", describe(f), by, gotGroups, wantGroups)
		}
	}
	f.Sort = cmpOr(f.Sort, order.SortDateDesc)
	got, err := x.Sorted(context.Background(), f)
	if err != nil {
		t.Fatalf("%s sorted: %v", describe(f), err)
	}
	if want := m.sorted(f); !slices.Equal(got, want) {
		t.Fatalf("%s: the index exports %v, the model %v", describe(f), got, want)
	}
}

func cmpOr(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}

// reopen is the index a store makes of x's summaries as it stored them, when it opens
// again.
func reopen(t *testing.T, m *model) *Index {
	t.Helper()
	keys := make([]uint64, 0, len(m.orders))
	for id := range m.orders {
		keys = append(keys, id)
	}
	slices.Sort(keys)
	x, err := Load(len(keys), func(add func(uint64, []byte) error) error {
		for _, id := range keys {
			o := m.orders[id]
			if err := add(id, Encode(&o)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("load the summaries again: %v", err)
	}
	return x
}

// splitAlways is an index that splits every pass between the cores, however small.
func splitAlways(x *Index) *Index {
	x.splitFrom = 1
	return x
}

// checkInvariants checks what the package comment promises of x's structures directly,
// so that a broken invariant is named even before a query trips over it.
func checkInvariants(t *testing.T, x *Index) {
	t.Helper()
	x.mu.RLock()
	defer x.mu.RUnlock()
	present, live := 0, 0
	for i, flags := range x.flags {
		if flags&flagPresent == 0 {
			continue
		}
		present++
		if flags&flagDeleted == 0 {
			live++
		}
		rest, cold := x.rest[i], x.cold[i]
		if tracked := flags&flagTracked != 0; tracked != (len(cold.tracking) > 0) {
			t.Fatalf("order %d: tracked flag %v with tracking %v", i+1, tracked, cold.tracking)
		}
		if received := flags&flagReceived != 0; received != (rest.qtyReceived >= rest.quantity) {
			t.Fatalf("order %d: received flag %v with %d of %d", i+1, received, rest.qtyReceived, rest.quantity)
		}
		if got, want := string(x.own.segment(int(x.own.seg[i]))), ownTextOf(cold.number, cold.tracking); got != want {
			t.Fatalf("order %d: own text %q, want %q", i+1, got, want)
		}
	}
	if live != x.live {
		t.Fatalf("live counts %d orders, there are %d", x.live, live)
	}
	if len(x.byDate) != present || !slices.IsSortedFunc(x.byDate, x.compareDate) {
		t.Fatalf("the date order holds %d ids (%d orders), sorted: %v", len(x.byDate), present, slices.IsSortedFunc(x.byDate, x.compareDate))
	}
	for _, c := range []struct {
		name string
		p    postings
		col  []uint32
	}{{"status", x.byStatus, x.status}, {"store", x.byStore, x.store}, {"profile", x.byProfile, x.profile}} {
		n := 0
		for sym, list := range c.p {
			if !slices.IsSorted(list) {
				t.Fatalf("the %s list of %q is not in id order: %v", c.name, x.text.values[sym], list)
			}
			for _, id := range list {
				if x.flags[id-1]&flagPresent == 0 || c.col[id-1] != sym {
					t.Fatalf("order %d is listed under %s %q, which is not its own", id, c.name, x.text.values[sym])
				}
			}
			n += len(list)
		}
		if n != present {
			t.Fatalf("the %s lists hold %d ids, there are %d orders", c.name, n, present)
		}
	}
}
