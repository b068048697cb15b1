package summaries

import (
	"cmp"
	"fmt"
	"slices"
	"sync"

	"github.com/roms-dev/roms/internal/order"
)

// Index holds the summary of every order in memory, by id, so that filters, sorts and
// totals decode nothing and read no page of the file. Shared texts are interned.
//
// The summaries are kept by column, [id-1] being order id's (a store gives ids in
// sequence from 1), so that a filter reads only the columns it tests.
type Index struct {
	mu     sync.RWMutex
	dates  []int64 // unix nanoseconds
	prices []int64 // when flags has flagPrice
	flags  []uint8 // 0: no order with this id
	// Symbols of text.
	status, store, profile, email, product []uint32
	rest                                   []restRow
	// cold holds every order's own texts, which no list reads but q=, from own.
	cold []coldRow
	own  ownText
	text symbols
	// byDate holds the ids of every order by order date, then id (an order's date never
	// changes after it is made, so new orders, the newest, go at the end); live counts
	// the orders not deleted. Together they serve the unfiltered list (DatePage).
	byDate []uint32
	live   int
	// The orders of each status, store and profile (postings.go): made at once by Load
	// (index), then kept by putLocked.
	byStatus, byStore, byProfile postings
	// splitFrom, when set, replaces the package's: tests split small lists too.
	splitFrom int
}

// summaryRow is a summary: the fields of order.Order that filters, sorts and totals read.
// It is what set spreads over the columns and row gathers from them.
type summaryRow struct {
	date                     int64 // unix nanoseconds
	price, total, commission int64
	quantity, qtyReceived    int32
	flags                    uint8
	product, email           uint32 // symbols
	profile, store, status   uint32
	currency                 uint32
}

// restRow is what of a summary only totals and exports read.
type restRow struct {
	total, commission     int64
	quantity, qtyReceived int32
	currency              uint32
}

// coldRow is the rest of a summary: every order's own texts, as they were given.
type coldRow struct {
	number   string
	tracking []string
}

// Load makes an index of the summaries that each gives to add, encoded as Encode makes
// them, with their ids; n is how many there are, or 0 when not known. An empty Index is
// ready to use as it is. Each summary is decoded straight into the columns, its texts
// looked up in the symbols without being copied first: this is most of a big database's
// start-up.
func Load(n int, each func(add func(id uint64, summary []byte) error) error) (*Index, error) {
	x := &Index{}
	x.reserve(n)
	err := each(func(id uint64, v []byte) error {
		if err := x.loadRow(id, v); err != nil {
			return fmt.Errorf("summary of order %d: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	x.index()
	x.sortByDate()
	return x, nil
}

// sortByDate makes byDate and live from the rows. The (date, id) pairs are sorted side
// by side rather than through the columns, which would read two columns a comparison.
func (x *Index) sortByDate() {
	type dated struct {
		date int64
		id   uint32
	}
	pairs := make([]dated, 0, len(x.dates))
	x.live = 0
	for i, flags := range x.flags {
		if flags&flagPresent != 0 {
			pairs = append(pairs, dated{x.dates[i], uint32(i + 1)})
			if flags&flagDeleted == 0 {
				x.live++
			}
		}
	}
	slices.SortFunc(pairs, func(a, b dated) int { return cmp.Or(cmp.Compare(a.date, b.date), cmp.Compare(a.id, b.id)) })
	x.byDate = make([]uint32, len(pairs))
	for i, d := range pairs {
		x.byDate[i] = d.id
	}
}

// index makes the postings of the status, store and profile columns from the rows, each
// list counted first and made once at its size, rather than grown a row at a time.
func (x *Index) index() {
	counts := make([]int32, len(x.text.values))
	lists := make([][]uint32, len(x.text.values))
	for _, c := range []struct {
		p   *postings
		col []uint32
	}{{&x.byStatus, x.status}, {&x.byStore, x.store}, {&x.byProfile, x.profile}} {
		clear(counts)
		for i, sym := range c.col {
			if x.flags[i]&flagPresent != 0 {
				counts[sym]++
			}
		}
		*c.p = postings{}
		for sym, n := range counts {
			if n > 0 {
				lists[sym] = make([]uint32, 0, n)
			}
		}
		for i, sym := range c.col {
			if x.flags[i]&flagPresent != 0 {
				lists[sym] = append(lists[sym], uint32(i+1))
			}
		}
		for sym, list := range lists {
			if list != nil {
				(*c.p)[uint32(sym)] = list
				lists[sym] = nil
			}
		}
	}
}

// compareDate orders ids by their order's date, then by id.
func (x *Index) compareDate(a, b uint32) int {
	return cmp.Or(cmp.Compare(x.dates[a-1], x.dates[b-1]), cmp.Compare(a, b))
}

// loadRow decodes one summary (encoding.go has its layout) into the row of its order.
func (x *Index) loadRow(id uint64, b []byte) error {
	if id == 0 || len(b) < 2 || b[0] != summaryVersion {
		return ErrCorrupt
	}
	r := &summaryReader{b: b[1:]}
	row := summaryRow{date: r.varint()}
	if len(r.b) == 0 {
		return ErrCorrupt
	}
	row.flags, r.b = r.b[0]|flagPresent, r.b[1:]
	row.quantity, row.qtyReceived = int32(r.uvarint()), int32(r.uvarint())
	for _, money := range []struct {
		dst  *int64
		flag uint8
	}{{&row.price, flagPrice}, {&row.total, flagTotal}, {&row.commission, flagCommission}} {
		if row.flags&money.flag != 0 {
			*money.dst = r.varint()
		}
	}
	cold := coldRow{number: r.string()}
	for _, dst := range []*uint32{&row.product, &row.email, &row.profile, &row.store, &row.status, &row.currency} {
		*dst = x.text.idOf(r.bytes())
	}
	if n := r.uvarint(); n > 0 && n <= uint64(len(r.b)) {
		cold.tracking = make([]string, n)
		for i := range cold.tracking {
			cold.tracking[i] = r.string()
		}
	}
	if r.err != nil {
		return r.err
	}
	x.set(id, row, cold)
	return nil
}

// reserve makes room for n orders in every column.
func (x *Index) reserve(n int) {
	x.dates, x.prices, x.flags = slices.Grow(x.dates, n), slices.Grow(x.prices, n), slices.Grow(x.flags, n)
	x.status, x.store = slices.Grow(x.status, n), slices.Grow(x.store, n)
	x.profile, x.email, x.product = slices.Grow(x.profile, n), slices.Grow(x.email, n), slices.Grow(x.product, n)
	x.rest, x.cold = slices.Grow(x.rest, n), slices.Grow(x.cold, n)
}

// set puts the summary of order id in place, making room for it, with what it holds of
// cold: its own text, whether it has tracking numbers, and whether every unit came.
func (x *Index) set(id uint64, r summaryRow, cold coldRow) {
	for uint64(len(x.dates)) < id {
		x.dates, x.prices, x.flags = append(x.dates, 0), append(x.prices, 0), append(x.flags, 0)
		x.status, x.store = append(x.status, 0), append(x.store, 0)
		x.profile, x.email, x.product = append(x.profile, 0), append(x.email, 0), append(x.product, 0)
		x.rest, x.cold = append(x.rest, restRow{}), append(x.cold, coldRow{})
	}
	x.own.set(int(id-1), ownTextOf(cold.number, cold.tracking))
	r.flags &^= flagTracked | flagReceived // worked out here, whatever the file said
	if len(cold.tracking) > 0 {
		r.flags |= flagTracked
	}
	if r.qtyReceived >= r.quantity {
		r.flags |= flagReceived
	}
	i := id - 1
	x.dates[i], x.prices[i], x.flags[i] = r.date, r.price, r.flags
	x.status[i], x.store[i], x.profile[i], x.email[i], x.product[i] = r.status, r.store, r.profile, r.email, r.product
	x.rest[i] = restRow{total: r.total, commission: r.commission, quantity: r.quantity, qtyReceived: r.qtyReceived,
		currency: r.currency}
	x.cold[i] = cold
}

// row gathers the summary at i from the columns.
func (x *Index) row(i int) summaryRow {
	rest := &x.rest[i]
	return summaryRow{date: x.dates[i], price: x.prices[i], total: rest.total, commission: rest.commission,
		quantity: rest.quantity, qtyReceived: rest.qtyReceived, flags: x.flags[i],
		product: x.product[i], email: x.email[i], profile: x.profile[i], store: x.store[i], status: x.status[i],
		currency: rest.currency}
}

// Put keeps the summaries of these orders as they were just stored. Writers call it in
// the order of their commits, so that the last summary of an order is the one kept.
// Deleting an order is a Put of it with DeletedAt set: no order ever leaves the store.
func (x *Index) Put(orders ...*order.Order) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, o := range orders {
		x.putLocked(o)
	}
}

func (x *Index) putLocked(o *order.Order) {
	if o.ID == 0 {
		return
	}
	r := summaryRow{date: o.OrderDate.UnixNano(), quantity: int32(o.Quantity), qtyReceived: int32(o.QtyReceived), flags: flagPresent,
		product: x.text.id(o.Product), email: x.text.id(o.Email),
		profile: x.text.id(o.Profile), store: x.text.id(o.Store), status: x.text.id(o.Status), currency: x.text.id(o.Currency)}
	if o.DeletedAt != nil {
		r.flags |= flagDeleted
	}
	if o.Test {
		r.flags |= flagTest
	}
	for _, money := range []struct {
		v    *order.Money
		dst  *int64
		flag uint8
	}{{o.Price, &r.price, flagPrice}, {o.Total, &r.total, flagTotal}, {o.Commission, &r.commission, flagCommission}} {
		if money.v != nil {
			*money.dst, r.flags = int64(*money.v), r.flags|money.flag
		}
	}
	cold := coldRow{number: o.OrderNumber}
	if len(o.TrackingNumbers) > 0 {
		cold.tracking = append([]string(nil), o.TrackingNumbers...)
	}
	id, i := uint32(o.ID), int(o.ID-1)
	had := i < len(x.dates) && x.flags[i]&flagPresent != 0
	var oldStatus, oldStore, oldProfile uint32
	dated := had // in byDate where it is
	if had {
		oldStatus, oldStore, oldProfile = x.status[i], x.store[i], x.profile[i]
		if x.flags[i]&flagDeleted == 0 {
			x.live--
		}
		if x.dates[i] != r.date { // not expected, but the order must stay findable
			k, _ := slices.BinarySearchFunc(x.byDate, id, x.compareDate)
			x.byDate = slices.Delete(x.byDate, k, k+1)
			dated = false
		}
	}
	if x.byStatus == nil { // an empty Index
		x.byStatus, x.byStore, x.byProfile = postings{}, postings{}, postings{}
	}
	x.byStatus.move(id, had, oldStatus, r.status)
	x.byStore.move(id, had, oldStore, r.store)
	x.byProfile.move(id, had, oldProfile, r.profile)
	x.set(o.ID, r, cold)
	if r.flags&flagDeleted == 0 {
		x.live++
	}
	if !dated {
		k, _ := slices.BinarySearchFunc(x.byDate, id, x.compareDate)
		x.byDate = slices.Insert(x.byDate, k, id)
	}
}
