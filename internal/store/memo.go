package store

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/roms-dev/roms/internal/order"
)

// memo holds every order's summary in memory, by id, so that filters, sorts and totals
// decode nothing and read no page of the file: scanning a summary from disk cost about
// 1.9 µs an order (2 s at 1,000,000); a row here is matched in a few dozen nanoseconds.
// Shared text is interned, so an order costs about 200 bytes with its own texts. It is
// loaded when the store opens and kept up to date after every commit.
//
// The summaries are kept by column, [id-1] being order id's (ids are given in sequence
// from 1), so that a filter reads only what it tests, side by side: a filter by dates
// reads 8 bytes an order, by dates and store 13, where each row it tested was 72 bytes
// before (at a million orders, a month listed in 19 ms with rows, 6 with the dates
// apart; every order by profile in 14-15 ms with rows, 11 by column; 193 bytes an order
// in memory before, 182 after).
type memo struct {
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
	// the orders not deleted. Together they serve the unfiltered list (datePage).
	byDate []uint32
	live   int
	// The orders of each status, store and profile (postings.go): made at once by load
	// (index), then kept by putLocked.
	byStatus, byStore, byProfile postings
}

// memoRow is a summary: the fields of order.Order that filters, sorts and totals read.
// It is what set spreads over the columns and row gathers from them.
type memoRow struct {
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

// Beside the summary flags (summary.go).
const (
	memoReceived = 1 << 5 // every unit is received: quantity received >= quantity
	memoTracked  = 1 << 6 // it has tracking numbers
	memoPresent  = 1 << 7
)

// symbols interns strings: the same store, profile or status is kept once.
type symbols struct {
	ids    map[string]uint32
	values []string
}

// idOf is id for text given as bytes: a known text costs no copy.
func (t *symbols) idOf(b []byte) uint32 {
	if id, ok := t.ids[string(b)]; ok {
		return id
	}
	return t.id(string(b))
}

func (t *symbols) id(s string) uint32 {
	if id, ok := t.ids[s]; ok {
		return id
	}
	if t.ids == nil {
		t.ids = map[string]uint32{}
	}
	id := uint32(len(t.values))
	t.values = append(t.values, s)
	t.ids[s] = id
	return id
}

// load reads every summary of the file. It decodes them straight into rows, text looked
// up in the symbols without being copied first: at a million orders, start-up is this.
func (m *memo) load(tx *bolt.Tx) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := tx.Bucket(bucketSummaries)
	if n := b.Stats().KeyN; n > 0 {
		m.reserve(n)
	}
	err := b.ForEach(func(k, v []byte) error {
		id := binary.BigEndian.Uint64(k)
		if err := m.loadRow(id, v); err != nil {
			return fmt.Errorf("summary of order %d: %w: %v", id, errCorrupt, err)
		}
		return nil
	})
	m.index()
	// Sorted as (date, id) pairs side by side: comparing through the rows for each of a
	// million ids took twice as long.
	type dated struct {
		date int64
		id   uint32
	}
	order := make([]dated, 0, len(m.dates))
	m.live = 0
	for i, flags := range m.flags {
		if flags&memoPresent != 0 {
			order = append(order, dated{m.dates[i], uint32(i + 1)})
			if flags&flagDeleted == 0 {
				m.live++
			}
		}
	}
	slices.SortFunc(order, func(a, b dated) int { return cmp.Or(cmp.Compare(a.date, b.date), cmp.Compare(a.id, b.id)) })
	m.byDate = make([]uint32, len(order))
	for i, d := range order {
		m.byDate[i] = d.id
	}
	return err
}

// index makes the postings of the status, store and profile columns from the rows, each
// list counted first and made once at its size: made by set, a row at a time, they took
// half a second of a million orders' start-up.
func (m *memo) index() {
	counts := make([]int32, len(m.text.values))
	lists := make([][]uint32, len(m.text.values))
	for _, c := range []struct {
		p   *postings
		col []uint32
	}{{&m.byStatus, m.status}, {&m.byStore, m.store}, {&m.byProfile, m.profile}} {
		clear(counts)
		for i, sym := range c.col {
			if m.flags[i]&memoPresent != 0 {
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
			if m.flags[i]&memoPresent != 0 {
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
func (m *memo) compareDate(a, b uint32) int {
	return cmp.Or(cmp.Compare(m.dates[a-1], m.dates[b-1]), cmp.Compare(a, b))
}

// loadRow decodes one summary (summary.go has its layout) into the row of its order.
func (m *memo) loadRow(id uint64, b []byte) error {
	if id == 0 || len(b) < 2 || b[0] != summaryVersion {
		return errBadSummary
	}
	r := &summaryReader{b: b[1:]}
	row := memoRow{date: r.varint()}
	if len(r.b) == 0 {
		return errBadSummary
	}
	row.flags, r.b = r.b[0]|memoPresent, r.b[1:]
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
		*dst = m.text.idOf(r.bytes())
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
	m.set(id, row, cold)
	return nil
}

// reserve makes room for n orders in every column.
func (m *memo) reserve(n int) {
	m.dates, m.prices, m.flags = slices.Grow(m.dates, n), slices.Grow(m.prices, n), slices.Grow(m.flags, n)
	m.status, m.store = slices.Grow(m.status, n), slices.Grow(m.store, n)
	m.profile, m.email, m.product = slices.Grow(m.profile, n), slices.Grow(m.email, n), slices.Grow(m.product, n)
	m.rest, m.cold = slices.Grow(m.rest, n), slices.Grow(m.cold, n)
}

// set puts the summary of order id in place, making room for it, with what it holds of
// cold: its own text, whether it has tracking numbers, and whether every unit came.
func (m *memo) set(id uint64, r memoRow, cold coldRow) {
	for uint64(len(m.dates)) < id {
		m.dates, m.prices, m.flags = append(m.dates, 0), append(m.prices, 0), append(m.flags, 0)
		m.status, m.store = append(m.status, 0), append(m.store, 0)
		m.profile, m.email, m.product = append(m.profile, 0), append(m.email, 0), append(m.product, 0)
		m.rest, m.cold = append(m.rest, restRow{}), append(m.cold, coldRow{})
	}
	m.own.set(int(id-1), ownTextOf(cold.number, cold.tracking))
	r.flags &^= memoTracked | memoReceived // worked out here, whatever the file said
	if len(cold.tracking) > 0 {
		r.flags |= memoTracked
	}
	if r.qtyReceived >= r.quantity {
		r.flags |= memoReceived
	}
	i := id - 1
	m.dates[i], m.prices[i], m.flags[i] = r.date, r.price, r.flags
	m.status[i], m.store[i], m.profile[i], m.email[i], m.product[i] = r.status, r.store, r.profile, r.email, r.product
	m.rest[i] = restRow{total: r.total, commission: r.commission, quantity: r.quantity, qtyReceived: r.qtyReceived,
		currency: r.currency}
	m.cold[i] = cold
}

// row gathers the summary at i from the columns.
func (m *memo) row(i int) memoRow {
	rest := &m.rest[i]
	return memoRow{date: m.dates[i], price: m.prices[i], total: rest.total, commission: rest.commission,
		quantity: rest.quantity, qtyReceived: rest.qtyReceived, flags: m.flags[i],
		product: m.product[i], email: m.email[i], profile: m.profile[i], store: m.store[i], status: m.status[i],
		currency: rest.currency}
}

// put keeps the summary of an order as it was just committed. Only the commit loop
// calls it, in the order of the commits.
func (m *memo) put(o *order.Order) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.putLocked(o)
}

// refresh reads the summaries of these orders as committed now.
func (m *memo) refresh(view func(func(*bolt.Tx) error) error, ids ...uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return view(func(tx *bolt.Tx) error {
		summaries := tx.Bucket(bucketSummaries)
		for _, id := range ids {
			if id == 0 {
				continue
			}
			o, err := decodeSummary(id, summaries.Get(be64(id)))
			if err != nil {
				return fmt.Errorf("summary of order %d: %w: %v", id, errCorrupt, err)
			}
			m.putLocked(&o)
		}
		return nil
	})
}

func (m *memo) putLocked(o *order.Order) {
	if o.ID == 0 {
		return
	}
	r := memoRow{date: o.OrderDate.UnixNano(), quantity: int32(o.Quantity), qtyReceived: int32(o.QtyReceived), flags: memoPresent,
		product: m.text.id(o.Product), email: m.text.id(o.Email),
		profile: m.text.id(o.Profile), store: m.text.id(o.Store), status: m.text.id(o.Status), currency: m.text.id(o.Currency)}
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
	had := i < len(m.dates) && m.flags[i]&memoPresent != 0
	var oldStatus, oldStore, oldProfile uint32
	dated := had // in byDate where it is
	if had {
		oldStatus, oldStore, oldProfile = m.status[i], m.store[i], m.profile[i]
		if m.flags[i]&flagDeleted == 0 {
			m.live--
		}
		if m.dates[i] != r.date { // not expected, but the order must stay findable
			k, _ := slices.BinarySearchFunc(m.byDate, id, m.compareDate)
			m.byDate = slices.Delete(m.byDate, k, k+1)
			dated = false
		}
	}
	m.byStatus.move(id, had, oldStatus, r.status)
	m.byStore.move(id, had, oldStore, r.store)
	m.byProfile.move(id, had, oldProfile, r.profile)
	m.set(o.ID, r, cold)
	if r.flags&flagDeleted == 0 {
		m.live++
	}
	if !dated {
		k, _ := slices.BinarySearchFunc(m.byDate, id, m.compareDate)
		m.byDate = slices.Insert(m.byDate, k, id)
	}
}

// datePage serves a page of every order that is not deleted, by date: the first view of
// the dashboard and of /orders. It walks the date order from the page's start and stops
// at the page's end, and the total is the live count, so the cost does not grow with the
// number of orders. ok is false for any other filter, which a scan serves.
func (m *memo) datePage(f order.Filter) (positions []order.Position, total int, next string, ok bool) {
	if f.Deleted || len(f.Statuses) > 0 || !f.From.IsZero() || !f.To.IsZero() || f.HasTracking != nil ||
		f.FullyReceived != nil || f.Open || (f.Sort != order.SortDateDesc && f.Sort != order.SortDateAsc) {
		return nil, 0, "", false
	}
	if store, profile, email, query := order.NewMatcher(f).Needles(); store+profile+email+query != "" {
		return nil, 0, "", false
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	desc := f.Sort == order.SortDateDesc
	i, step := 0, 1 // where the walk starts in byDate, and which way it goes
	if desc {
		i, step = len(m.byDate)-1, -1
	}
	skip := max(f.Offset, 0)
	if f.After != "" {
		after, err := order.ParseCursor(f.Sort, f.After)
		if err != nil {
			return nil, 0, "", false // the scan's pager reports it
		}
		skip = 0
		// The first order at or after the cursor in date order: ascending, the page
		// starts after it; descending, just before it.
		i = sort.Search(len(m.byDate), func(k int) bool {
			return cmp.Or(cmp.Compare(m.dates[m.byDate[k]-1], after.Value), cmp.Compare(uint64(m.byDate[k]), after.ID)) >= 0
		})
		switch {
		case desc:
			i--
		case i < len(m.byDate) && uint64(m.byDate[i]) == after.ID && m.dates[m.byDate[i]-1] == after.Value:
			i++
		}
	}
	for ; i >= 0 && i < len(m.byDate) && len(positions) <= f.Limit; i += step {
		id := m.byDate[i]
		if m.flags[id-1]&flagDeleted != 0 {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		positions = append(positions, order.Position{Value: m.dates[id-1], ID: uint64(id)})
	}
	if len(positions) > f.Limit {
		positions = positions[:f.Limit]
		next = order.Cursor(f.Sort, positions[len(positions)-1])
	}
	return positions, m.live, next, true
}

// symbolTest memoises a test of interned texts: shared texts (a store, a profile, a
// status, a product) are tested once per query, not once per order.
type symbolTest struct {
	test  func(string) bool // nil: every text passes
	known []uint8           // by symbol: 0 not yet tested, 1 passes, 2 does not
}

// holding tests for a needle by part, as order.Matcher does; "" is no test.
func holding(needle string) symbolTest {
	if needle == "" {
		return symbolTest{}
	}
	return symbolTest{test: func(v string) bool { return order.Contains(v, needle) }}
}

// passes tests the text of row i in column ids. It is small enough to be inlined: a
// filter without the test costs no call, and does not read the column.
func (t *symbolTest) passes(values []string, ids []uint32, i int) bool {
	return t.test == nil || t.check(values, ids[i])
}

func (t *symbolTest) check(values []string, id uint32) bool {
	if int(id) < len(t.known) {
		if k := t.known[id]; k != 0 {
			return k == 1
		}
	}
	return t.learn(values, id)
}

// learn tests a text the first time it is met.
func (t *symbolTest) learn(values []string, id uint32) bool {
	if t.known == nil {
		t.known = make([]uint8, len(values))
	}
	t.known[id] = 2
	if t.test(values[id]) {
		t.known[id] = 1
	}
	return t.known[id] == 1
}

// rowTest is a filter as a test of rows, answered without making an order of them.
type rowTest struct {
	// from and to bound the dates in unix nanoseconds, to excluded; without a bound they
	// take in every date, so that the date check is two comparisons.
	from, to int64
	// presence is what a matching row's flags hold of memoPresent and flagDeleted.
	presence                   uint8
	hasTracking, fullyReceived *bool
	open                       bool
	statuses                   symbolTest
	// For open: by status, whether an order can be open at all, and whether it is open
	// whatever its tracking and units: order.OpenState asked once a status, not a row.
	canBeOpen, openAnyway        symbolTest
	store, profile, email, query symbolTest
	queryNeedle                  string
	// queryShared is whether any shared text (a product, an email...) holds the query;
	// when none does, only each order's own texts are searched. queryOwn has, by row, the
	// orders whose own texts hold it (ownText); nil when the needle holds a separator.
	queryShared bool
	queryOwn    []uint64
}

func newRowTest(f order.Filter, m order.Matcher) *rowTest {
	store, profile, email, query := m.Needles()
	t := &rowTest{from: math.MinInt64, to: math.MaxInt64, presence: memoPresent,
		hasTracking: f.HasTracking, fullyReceived: f.FullyReceived, open: f.Open,
		store: holding(store), profile: holding(profile), email: holding(email), query: holding(query), queryNeedle: query}
	if f.Deleted {
		t.presence |= flagDeleted
	}
	if !f.From.IsZero() {
		t.from = f.From.UnixNano()
	}
	if !f.To.IsZero() {
		t.to = f.To.UnixNano()
	}
	if statuses := f.Statuses; len(statuses) > 0 {
		t.statuses.test = func(v string) bool { return slices.Contains(statuses, v) }
	}
	if t.open {
		t.canBeOpen.test = func(status string) bool { return order.OpenState(status, false, 0, 1) }
		t.openAnyway.test = func(status string) bool { return order.OpenState(status, true, 1, 1) }
	}
	return t
}

// fork is the test for another goroutine: the memo of each symbol test is its own, what
// was worked out for the query as a whole is shared.
func (t *rowTest) fork() *rowTest {
	f := *t
	for _, st := range []*symbolTest{&f.statuses, &f.canBeOpen, &f.openAnyway, &f.store, &f.profile, &f.email, &f.query} {
		st.known = nil
	}
	return &f
}

// rowTest is f as a test of the rows. The caller holds the lock.
func (m *memo) rowTest(f order.Filter) *rowTest {
	test := newRowTest(f, order.NewMatcher(f))
	if test.queryNeedle != "" {
		for id := range m.text.values {
			if test.query.check(m.text.values, uint32(id)) {
				test.queryShared = true
				break
			}
		}
		if !strings.ContainsAny(test.queryNeedle, ownSeparators) {
			test.queryOwn = m.own.find(test.queryNeedle, len(m.dates))
		}
	}
	return test
}

// chunk is how many rows are tested at once: a bit each of a uint64.
const chunk = 64

// matching calls fn with every row of v's rows [lo, hi) whose order matches the filter:
// what order.Matcher's Match says of it (TestRowTestsAgreeWithTheMatcher), from the
// columns alone. It goes in v's order, or the reverse. Rows are tested a chunk at a time,
// one test after another, each a short loop over the rows still in: a filter pays only for
// the tests it has, and no call is made a row (at a million orders, against testing each
// row in full: a whole year 10 ms to 8, a month 1.5 to 1.2, by price at a store 13 to 8;
// the others about the same).
func (m *memo) matching(ctx context.Context, test *rowTest, v visit, lo, hi int, reverse bool, fn func(i int)) error {
	for c := range (hi - lo + chunk - 1) / chunk {
		if c%(checkEvery/chunk) == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		start, end := lo+c*chunk, min(lo+(c+1)*chunk, hi)
		if reverse {
			start, end = max(lo, hi-(c+1)*chunk), hi-c*chunk
		}
		in := m.mask(test, v, start, end)
		for in != 0 {
			var b int
			if reverse {
				b = 63 - bits.LeadingZeros64(in)
				in &^= 1 << b
			} else {
				b = bits.TrailingZeros64(in)
				in &= in - 1
			}
			fn(v.row(start + b))
		}
	}
	return nil
}

// mask tests v's rows [lo, hi), at most a chunk: bit k is set when row lo+k matches.
func (m *memo) mask(test *rowTest, v visit, lo, hi int) uint64 {
	var in uint64
	from, to, presence := test.from, test.to, test.presence
	if v.ids == nil { // rows in turn: slices the compiler checks once
		dates, flags := m.dates[lo:hi], m.flags[lo:hi]
		for k, d := range dates {
			if d >= from && d < to && flags[k]&(memoPresent|flagDeleted) == presence {
				in |= 1 << k
			}
		}
	} else {
		for k, id := range v.ids[lo:hi] {
			if d := m.dates[id-1]; d >= from && d < to && m.flags[id-1]&(memoPresent|flagDeleted) == presence {
				in |= 1 << k
			}
		}
	}
	in = m.keep(in, v, lo, &test.statuses, m.status)
	in = m.keep(in, v, lo, &test.store, m.store)
	in = m.keep(in, v, lo, &test.profile, m.profile)
	in = m.keep(in, v, lo, &test.email, m.email)
	if test.hasTracking != nil || test.fullyReceived != nil || test.open {
		in = keepIf(in, v, lo, func(i int) bool { return m.unitsPass(i, test) })
	}
	if test.queryNeedle != "" && in != 0 {
		in &= m.queryHits(test, v, lo, in)
	}
	return in
}

// queryHits is which rows of in hold the query: in their own texts, or in a shared text
// of theirs (product, email, profile, store), each column tested like the filters'.
func (m *memo) queryHits(test *rowTest, v visit, lo int, in uint64) uint64 {
	var hits uint64
	if own := test.queryOwn; own != nil {
		for rest := in; rest != 0; rest &= rest - 1 {
			b := bits.TrailingZeros64(rest)
			if i := v.row(lo + b); own[i/64]&(1<<(i%64)) != 0 {
				hits |= 1 << b
			}
		}
	} else { // a needle ownText cannot be searched for
		hits = keepIf(in, v, lo, func(i int) bool { return m.ownHolds(i, test.queryNeedle) })
	}
	if test.queryShared {
		for _, column := range [][]uint32{m.product, m.email, m.profile, m.store} {
			hits |= m.keep(in&^hits, v, lo, &test.query, column)
		}
	}
	return hits
}

// keep clears from in the rows whose text in column ids does not pass st.
func (m *memo) keep(in uint64, v visit, lo int, st *symbolTest, ids []uint32) uint64 {
	if st.test == nil {
		return in
	}
	if st.known == nil {
		st.known = make([]uint8, len(m.text.values))
	}
	// Each text's verdict is looked up here rather than through a call a row. Rows in
	// turn take one pass over the column, without searching the bits.
	known := st.known
	if v.ids == nil && in != 0 {
		for k, id := range ids[lo : lo+chunk-bits.LeadingZeros64(in)] {
			if x := known[id]; x == 2 || x == 0 && !st.learn(m.text.values, id) {
				in &^= 1 << k
			}
		}
		return in
	}
	for rest := in; rest != 0; rest &= rest - 1 {
		b := bits.TrailingZeros64(rest)
		id := ids[v.row(lo+b)]
		if k := known[id]; k == 2 || k == 0 && !st.learn(m.text.values, id) {
			in &^= 1 << b
		}
	}
	return in
}

// keepIf clears from in the rows that do not pass.
func keepIf(in uint64, v visit, lo int, pass func(i int) bool) uint64 {
	for rest := in; rest != 0; rest &= rest - 1 {
		b := bits.TrailingZeros64(rest)
		if !pass(v.row(lo + b)) {
			in &^= 1 << b
		}
	}
	return in
}

// unitsPass tests what the filter asks of the order's tracking and units received, from
// its flags.
func (m *memo) unitsPass(i int, test *rowTest) bool {
	tracked, received := m.flags[i]&memoTracked != 0, m.flags[i]&memoReceived != 0
	switch {
	case test.hasTracking != nil && *test.hasTracking != tracked,
		test.fullyReceived != nil && *test.fullyReceived != received:
		return false
	}
	switch {
	case !test.open:
		return true
	case tracked && received: // open only if its status keeps it open (openAnyway implies canBeOpen)
		return test.openAnyway.passes(m.text.values, m.status, i)
	}
	return test.canBeOpen.passes(m.text.values, m.status, i)
}

// ownHolds reports whether the order at i has its own text (number, tracking numbers)
// holding needle.
func (m *memo) ownHolds(i int, needle string) bool {
	cold := &m.cold[i]
	if order.Contains(cold.number, needle) {
		return true
	}
	for _, n := range cold.tracking {
		if order.Contains(n, needle) {
			return true
		}
	}
	return false
}

// parallelFrom is how many orders make a list worth splitting between the cores: below
// it a list takes a few milliseconds on one. Tests lower it.
var parallelFrom = 50_000

// page returns a pager that has seen the position in f's sort of every order that
// matches f. It reads the rows alone: a list makes an order only of the page it returns.
func (m *memo) page(ctx context.Context, f order.Filter) (*order.Pager, error) {
	if _, err := order.NewPager(f); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	test := m.rowTest(f)
	v := m.visit(test)
	pagers := make([]*order.Pager, parts(v.n))
	err := m.split(len(pagers), v.n, func(part, lo, hi int) error {
		pagers[part], _ = order.NewPager(f) // its cursor reads: checked above
		return m.positions(ctx, f.Sort, test.fork(), v, lo, hi, pagers[part])
	})
	for _, q := range pagers[1:] {
		pagers[0].Merge(q)
	}
	return pagers[0], err
}

// tally adds up the orders that match f, grouped by one of order.Groupings.
func (m *memo) tally(ctx context.Context, f order.Filter, by string, loc *time.Location) (*order.Tally, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	test := m.rowTest(f)
	v := m.visit(test)
	tallies := make([]*order.Tally, parts(v.n))
	err := m.split(len(tallies), v.n, func(part, lo, hi int) error {
		tallies[part] = order.NewTally(by, loc)
		return m.summaries(ctx, test.fork(), v, lo, hi, tallies[part].Add)
	})
	for _, t := range tallies[1:] {
		tallies[0].Merge(t)
	}
	return tallies[0], err
}

// visit is the rows a pass must visit: every row, in id order (ids nil), or, when they
// are under half of those, the ids within the test's dates in date order (from byDate),
// so that a month costs its own orders and not a pass over every date (at a million
// orders, a month listed in 5-6 ms before, 1.5 after); or, when fewer still, the ids of
// the statuses, stores or profiles that pass (postings.go).
type visit struct {
	ids []uint32
	n   int // how many rows: len(ids) or every row
}

// row is the row (id-1) of the k-th visited.
func (v visit) row(k int) int {
	if v.ids == nil {
		return k
	}
	return int(v.ids[k]) - 1
}

// visit finds the rows test must visit. The caller holds the lock.
func (m *memo) visit(test *rowTest) visit {
	best := m.every()
	if test.from != math.MinInt64 || test.to != math.MaxInt64 {
		at := func(date int64) int {
			return sort.Search(len(m.byDate), func(k int) bool { return m.dates[m.byDate[k]-1] >= date })
		}
		lo, hi := at(test.from), at(test.to)
		if hi < lo { // to before from: nothing
			hi = lo
		}
		if 2*(hi-lo) <= best.n { // under half of the rows: else read in turn, they cost less
			best = visit{ids: m.byDate[lo:hi:hi], n: hi - lo}
		}
	}
	// The orders of the statuses, stores or profiles that pass, when they are fewer still.
	var chosen postings
	var by *symbolTest
	for _, c := range []struct {
		st *symbolTest
		p  postings
	}{{&test.statuses, m.byStatus}, {&test.store, m.byStore}, {&test.profile, m.byProfile}} {
		if c.st.test == nil {
			continue
		}
		if n := c.p.size(c.st, m.text.values); 2*n <= best.n {
			best, chosen, by = visit{n: n}, c.p, c.st
		}
	}
	if chosen != nil {
		best.ids = chosen.ids(by, m.text.values, len(m.dates))
	}
	return best
}

// every is a visit of every row.
func (m *memo) every() visit { return visit{n: len(m.dates)} }

// parts is how many parts a pass over n rows is split into: one a core over
// parallelFrom rows, one below.
func parts(n int) int {
	if n >= parallelFrom {
		return runtime.GOMAXPROCS(0)
	}
	return 1
}

// split runs fn over parts equal ranges of n rows at once, each part on a core of its
// own, each with state of its own that the caller merges: at a million orders most
// lists and totals took half as long. The caller holds the lock.
func (m *memo) split(parts, n int, fn func(part, lo, hi int) error) error {
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := p*n/parts, (p+1)*n/parts
		wg.Go(func() { errs[p] = fn(p, lo, hi) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// sorted returns the positions in f's sort of every order that matches f, sorted.
func (m *memo) sorted(ctx context.Context, f order.Filter) ([]order.Position, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var positions []order.Position
	test, byPrice := m.rowTest(f), f.Sort == order.SortPriceDesc || f.Sort == order.SortPriceAsc
	v := m.visit(test)
	err := m.matching(ctx, test, v, 0, v.n, false, func(i int) { positions = append(positions, m.position(i, byPrice)) })
	if err != nil {
		return nil, err
	}
	slices.SortFunc(positions, func(a, b order.Position) int { return order.Compare(f.Sort, a, b) })
	return positions, nil
}

// position is where the order at i stands by price or by date, as order.PositionOf.
func (m *memo) position(i int, byPrice bool) order.Position {
	if byPrice { // an order without a price has no value (and a price of 0 here)
		return order.Position{Value: m.prices[i], None: m.flags[i]&flagPrice == 0, ID: uint64(i + 1)}
	}
	return order.Position{Value: m.dates[i], ID: uint64(i + 1)}
}

// positions gives p the position in sortOrder of every order of v's rows [lo, hi) that
// passes test. The caller holds the lock.
func (m *memo) positions(ctx context.Context, sortOrder string, test *rowTest, v visit, lo, hi int, p *order.Pager) error {
	byPrice := sortOrder == order.SortPriceDesc || sortOrder == order.SortPriceAsc
	// Ids follow dates closely (orders are stored as they happen), so newest first, most
	// rows after the first page's worth come after the page, and their dates alone turn
	// them away (below), not the pager: at a million orders, a year by date took 72 ms
	// oldest first, 50 newest first; then 17 ms adding every match, 10 with the bar.
	desc := sortOrder == order.SortDateDesc
	bar, full := p.Bar()
	skipped := 0
	err := m.matching(ctx, test, v, lo, hi, desc, func(i int) {
		pos := m.position(i, byPrice)
		// By date, positions never tie and have a value: after the bar is plain order.
		if full && !byPrice && (desc && lessPosition(pos, bar) || !desc && lessPosition(bar, pos)) {
			skipped++
			return
		}
		p.Add(pos)
		bar, full = p.Bar()
	})
	p.Skip(skipped)
	return err
}

// lessPosition reports whether a's value, then id, is less than b's.
func lessPosition(a, b order.Position) bool {
	return a.Value < b.Value || a.Value == b.Value && a.ID < b.ID
}

// summaries calls fn with the summary of every order of v's rows [lo, hi) that passes
// test, in their order, as an order with only the summary's fields set. The order is
// reused for the next row: fn must not keep it. The caller holds the lock; writes wait
// meanwhile, so fn must be quick.
func (m *memo) summaries(ctx context.Context, test *rowTest, v visit, lo, hi int, fn func(*order.Order)) error {
	var o order.Order
	var price, total, commission order.Money
	var deleted time.Time
	return m.matching(ctx, test, v, lo, hi, false, func(i int) {
		r := m.row(i)
		o.ID, o.OrderDate = uint64(i+1), time.Unix(0, r.date).UTC()
		o.Quantity, o.QtyReceived, o.Test = int(r.quantity), int(r.qtyReceived), r.flags&flagTest != 0
		o.DeletedAt = nil
		if r.flags&flagDeleted != 0 {
			o.DeletedAt = &deleted // only whether it is set matters to a summary
		}
		o.Price, o.Total, o.Commission = nil, nil, nil
		if r.flags&flagPrice != 0 {
			price = order.Money(r.price)
			o.Price = &price
		}
		if r.flags&flagTotal != 0 {
			total = order.Money(r.total)
			o.Total = &total
		}
		if r.flags&flagCommission != 0 {
			commission = order.Money(r.commission)
			o.Commission = &commission
		}
		t := m.text.values
		o.OrderNumber, o.Product, o.Email, o.Profile = m.cold[i].number, t[r.product], t[r.email], t[r.profile]
		o.Store, o.Status, o.Currency, o.TrackingNumbers = t[r.store], t[r.status], t[r.currency], m.cold[i].tracking
		fn(&o)
	})
}
