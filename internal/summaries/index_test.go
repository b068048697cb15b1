package summaries

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/roms-dev/roms/internal/order"
)

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// filterCases are filters of every kind the orders API takes, alone and together.
func filterCases() []order.Filter {
	yes, no := true, false
	return []order.Filter{
		{}, {Deleted: true},
		{Statuses: []string{order.StatusShipped}}, {Statuses: []string{order.StatusVerified, order.StatusCancelled}},
		{HasTracking: &yes}, {HasTracking: &no}, {FullyReceived: &yes}, {FullyReceived: &no}, {Open: true},
		{From: t0.Add(3 * time.Hour)}, {To: t0.Add(5 * time.Hour)}, {From: t0.Add(2 * time.Hour), To: t0.Add(4 * time.Hour)},
		{From: t0.Add(99 * time.Hour)}, {From: t0.Add(4 * time.Hour), To: t0.Add(2 * time.Hour)},
		{Store: "TARGET"}, {Store: "get"}, {Profile: "amex"}, {Email: "b@ex"},
		{Query: "d-1"}, {Query: "1z9"}, {Query: "d-1\n1z"}, {Query: "switch"}, {Query: "best buy"}, {Query: "nothing"},
		{Store: "best", Open: true, From: t0.Add(time.Hour)}, {Deleted: true, Query: "d-"},
		{Statuses: []string{order.StatusReviewHold}, Open: true},
	}
}

// seedVaried puts orders of every kind a filter tells apart into x and m: statuses,
// tracking, units received, deleted, and dates with ties and out of order; enough of
// them that the rows are tested in several chunks, the last one part full.
func seedVaried(x *Index, m *model) {
	stores := []string{"Best Buy US", "Target", "Walmart"}
	statuses := []string{order.StatusVerified, order.StatusShipped, order.StatusCancelled, order.StatusReviewHold}
	for i := range 3*chunk + 11 {
		price := order.Money(1000 * (i % 7))
		o := order.Order{ID: uint64(i + 1), OrderNumber: fmt.Sprintf("D-%02d", i), OrderDate: t0.Add(time.Duration((i*7)%13) * time.Hour),
			Product: []string{"Switch 2", "Pokemon ETB", "PS5"}[i%3], Store: stores[i%3], Status: statuses[i%4],
			Profile: []string{"Amex 1", "Chase 2"}[i%2], Email: fmt.Sprintf("b@example%d.com", i%5),
			Quantity: 1 + i%3, QtyReceived: i % 4, Currency: "USD"}
		if i%3 == 1 {
			o.TrackingNumbers = []string{fmt.Sprintf("1Z9%04d", i)}
		}
		if i%2 == 0 {
			o.Price = &price
		}
		if i%5 == 0 {
			o.DeletedAt = &t0
		}
		x.Put(&o)
		m.put(o)
	}
}

// TestTheIndexAgreesWithTheModel pages through every filter in every sort, by cursor and
// by offset, split between the cores and not, and adds each up, then does it all again
// with the index loaded from the summaries as a store reads them when it opens.
func TestTheIndexAgreesWithTheModel(t *testing.T) {
	t.Parallel()
	m := newModel()
	seedVaried(&Index{}, m)
	put := func() *Index {
		x := &Index{}
		seedVaried(x, newModel())
		return x
	}
	ny, _ := time.LoadLocation("America/New_York")
	for _, index := range []struct {
		name string
		x    *Index
	}{{"as put", put()}, {"as put, split", splitAlways(put())}, {"as loaded", reopen(t, m)}, {"as loaded, split", splitAlways(reopen(t, m))}} {
		t.Run(index.name, func(t *testing.T) {
			for _, filter := range filterCases() {
				for _, sort := range order.Sorts {
					for _, limit := range []int{1, 3, 50} {
						f := filter
						f.Sort, f.Limit = sort, limit
						checkPages(t, index.x, m, f)
					}
				}
				checkTotals(t, index.x, m, filter, ny)
			}
		})
	}
}

// TestAnUnfilteredListIsServedByTheDateOrder: the first view of every list walks the
// date order; anything filtered is not served by it.
func TestAnUnfilteredListIsServedByTheDateOrder(t *testing.T) {
	t.Parallel()
	x, m := &Index{}, newModel()
	seedVaried(x, m)
	if _, _, _, ok := x.DatePage(order.Filter{Sort: order.SortDateDesc, Limit: 5}); !ok {
		t.Error("an unfiltered list by date was not served by the date order")
	}
	for _, f := range filterCases()[1:] {
		f.Sort, f.Limit = order.SortDateDesc, 5
		if _, _, _, ok := x.DatePage(f); ok {
			t.Errorf("%s was served by the date order alone", describe(f))
		}
	}
}

// TestListsFollowChangedStoresStatusesAndProfiles: a filter by store, status or profile
// visits the orders listed under the texts that pass (postings.go); an order whose text
// changes must move from one list to the other, and the lists made at load must be the
// same as those kept by puts.
func TestListsFollowChangedStoresStatusesAndProfiles(t *testing.T) {
	t.Parallel()
	x, m := &Index{}, newModel()
	seedVaried(x, m)
	for i := 0; i < 3*chunk; i += 7 {
		o := m.orders[uint64(i+1)]
		o.Store, o.Status, o.Profile = "Costco", order.StatusDelivered, "Citi 9"
		x.Put(&o)
		m.put(o)
	}
	filters := []order.Filter{{Store: "costco"}, {Store: "target"}, {Store: "co"}, {Profile: "citi"}, {Profile: "amex"},
		{Statuses: []string{order.StatusDelivered}}, {Statuses: []string{order.StatusVerified, order.StatusDelivered}},
		{Store: "t", Profile: "c", Statuses: []string{order.StatusShipped, order.StatusDelivered}}, {Store: "nowhere"}}
	for _, index := range []*Index{x, reopen(t, m)} {
		for _, f := range filters {
			checkPages(t, index, m, f)
		}
		if _, total, _ := indexPage(t, index, order.Filter{Store: "costco"}.WithDefaults()); total == 0 {
			t.Error("no order moved to Costco")
		}
	}
}

// TestSummariesLoadedAreTheOnesKeptByPuts compares every row as puts left it with the
// same row loaded from the encoded summaries.
func TestSummariesLoadedAreTheOnesKeptByPuts(t *testing.T) {
	t.Parallel()
	x, m := &Index{}, newModel()
	seedVaried(x, m)
	price, one := order.Money(29999), 1
	for i, o := range []order.Order{
		{Product: "ETB", Price: &price, Store: "Target", Profile: "Chase", Email: "a@b.co", Status: "verified", Currency: "USD"},
		{Product: "Switch", TrackingNumbers: []string{"1Z1", "1Z2"}, QtyReceived: one, Commission: &price, Test: true},
		{Product: "Pokémon", Store: "Pokémon Center", Total: &price, DeletedAt: &t0},
	} {
		o.ID, o.OrderNumber, o.OrderDate = uint64(500+i), fmt.Sprintf("MEMO-%d", i), t0 // leaves a gap in the ids
		x.Put(&o)
		m.put(o)
	}
	if got, want := rows(t, reopen(t, m)), rows(t, x); got != want {
		t.Errorf("summaries loaded:\n%s\nwant, as puts kept them:\n%s", got, want)
	}
}

// rows is every row of x as the totals read it, deleted or not.
func rows(t *testing.T, x *Index) string {
	var out []string
	x.mu.RLock()
	defer x.mu.RUnlock()
	for _, deleted := range []bool{false, true} {
		err := x.summaries(context.Background(), x.rowTest(order.Filter{Deleted: deleted}), x.every(), 0, len(x.dates), func(o *order.Order) {
			raw, _ := json.Marshal(o)
			out = append(out, fmt.Sprintf("%s deleted=%v", raw, o.DeletedAt != nil))
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return strings.Join(out, "\n")
}

// FuzzTheIndexAgreesWithTheModel drives random puts (new orders, changes, deletes and
// restores), reopenings and queries through an Index and the model, and compares every
// answer: each page of a list by cursor and by offset, the totals by every grouping, and
// the positions an export reads.
func FuzzTheIndexAgreesWithTheModel(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09"))
	f.Add([]byte("put put put reopen query query"))
	for seed := range uint64(6) {
		r := rand.New(rand.NewPCG(seed, seed))
		b := make([]byte, 400+int(seed)*300)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		f.Add(b)
	}
	ny, _ := time.LoadLocation("America/New_York")
	f.Fuzz(func(t *testing.T, b []byte) {
		d := &draw{b: b}
		x, m := &Index{}, newModel()
		x.splitFrom = 1 + d.pick(200)
		for !d.done() {
			switch op := d.pick(10); {
			case op < 6:
				o := d.order(m)
				x.Put(&o)
				m.put(o)
			case op == 6:
				split := x.splitFrom
				x = reopen(t, m)
				x.splitFrom = split
			default:
				checkInvariants(t, x)
				f := d.filter()
				checkPages(t, x, m, f)
				checkTotals(t, x, m, f, ny)
			}
		}
		checkInvariants(t, x)
		checkPages(t, x, m, order.Filter{Sort: order.SortDateDesc, Limit: 7})
	})
}

// draw reads choices from a fuzzer's bytes; once they run out, every choice is the first.
type draw struct{ b []byte }

func (d *draw) done() bool { return len(d.b) == 0 }

// pick is a number in [0, n).
func (d *draw) pick(n int) int {
	if len(d.b) == 0 {
		return 0
	}
	v := int(d.b[0]) % n
	d.b = d.b[1:]
	return v
}

func pickOf[T any](d *draw, choices ...T) T { return choices[d.pick(len(choices))] }

var (
	stores   = []string{"Best Buy US", "Target", "Walmart", "target.com", "", "Pokémon Center", "Best Buy CA"}
	statuses = []string{"", order.StatusVerified, order.StatusShipped, order.StatusDelivered, order.StatusCancelled,
		order.StatusReviewHold, order.StatusDeclined, order.StatusRefunded}
	profiles = []string{"Amex 1", "Chase 2", "", "amex gold", "Citi\n9"}
	emails   = []string{"a@example.com", "b+1@example.com", "", "A@Example.com"}
	products = []string{"Switch 2", "Pokemon ETB", "PS5", "", "Switch 2 OLED", "ÉTB"}
	needles  = []string{"target", "TAR", "buy", "best buy", "é", "É", "amex", "a@", "bby01-1", "1z9", "switch", "\n",
		"2\n", "nothing", "-", "tba", "citi\n9", "x\x00"}
)

// order is a new order (one id past the last, or a few, leaving a gap) or a change of
// one already put: any of its fields, its date now and then, deleted or restored.
func (d *draw) order(m *model) order.Order {
	var last uint64
	for id := range m.orders {
		last = max(last, id)
	}
	id := last + 1 + uint64(d.pick(4)/3)
	if last > 0 && d.pick(2) == 0 {
		id = 1 + uint64(d.pick(int(last)))
	}
	o, known := m.orders[id]
	if !known || d.pick(6) == 0 { // a date is set once, but the index must cope with a change
		o.ID, o.OrderDate = id, t0.Add(time.Duration(d.pick(8))*time.Hour)
	}
	o.OrderNumber = fmt.Sprintf("%s-%d", pickOf(d, "BBY01", "tgt", "TBA9"), o.ID)
	o.Store, o.Status, o.Profile = pickOf(d, stores...), pickOf(d, statuses...), pickOf(d, profiles...)
	o.Email, o.Product, o.Currency = pickOf(d, emails...), pickOf(d, products...), pickOf(d, "USD", "", "CAD")
	o.TrackingNumbers = pickOf(d, nil, []string{"1Z999"}, []string{"1Z999", "9400111"}, []string{"TBA123"})
	o.Quantity, o.QtyReceived = d.pick(4), d.pick(4)
	o.Price, o.Total, o.Commission = d.money(), d.money(), d.money()
	o.Test = d.pick(5) == 0
	o.DeletedAt = nil
	if d.pick(4) == 0 {
		o.DeletedAt = &t0
	}
	return o
}

func (d *draw) money() *order.Money {
	if d.pick(3) == 0 {
		return nil
	}
	m := order.Money(d.pick(5) * 1000)
	return &m
}

func (d *draw) filter() order.Filter {
	f := order.Filter{Sort: pickOf(d, order.Sorts...), Limit: pickOf(d, 1, 2, 3, 5, 50)}
	for range d.pick(3) {
		f.Statuses = append(f.Statuses, pickOf(d, statuses[1:]...))
	}
	needle := func() string {
		if d.pick(3) != 0 {
			return ""
		}
		return pickOf(d, needles...)
	}
	f.Store, f.Profile, f.Email, f.Query = needle(), needle(), needle(), needle()
	yes, no := true, false
	f.HasTracking, f.FullyReceived = pickOf(d, nil, nil, &yes, &no), pickOf(d, nil, nil, &yes, &no)
	f.Open, f.Deleted = d.pick(4) == 0, d.pick(5) == 0
	if d.pick(3) == 0 {
		f.From = t0.Add(time.Duration(d.pick(9)) * time.Hour)
	}
	if d.pick(3) == 0 {
		f.To = t0.Add(time.Duration(d.pick(9)) * time.Hour)
	}
	f.Offset = pickOf(d, 0, 0, 1, 4)
	return f
}
