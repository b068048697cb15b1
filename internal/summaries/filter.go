package summaries

import (
	"context"
	"math"
	"math/bits"
	"slices"
	"strings"

	"github.com/roms-dev/roms/internal/order"
)

// rowTest is a filter as a test of rows, answered without making an order of them.
type rowTest struct {
	// from and to bound the dates in unix nanoseconds, to excluded; without a bound they
	// take in every date, so that the date check is two comparisons.
	from, to int64
	// presence is what a matching row's flags hold of flagPresent and flagDeleted.
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
	t := &rowTest{from: math.MinInt64, to: math.MaxInt64, presence: flagPresent,
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
func (x *Index) rowTest(f order.Filter) *rowTest {
	test := newRowTest(f, order.NewMatcher(f))
	if test.queryNeedle != "" {
		for id := range x.text.values {
			if test.query.check(x.text.values, uint32(id)) {
				test.queryShared = true
				break
			}
		}
		if !strings.ContainsAny(test.queryNeedle, ownSeparators) {
			test.queryOwn = x.own.find(test.queryNeedle, len(x.dates))
		}
	}
	return test
}

// checkEvery is how many rows a pass tests between looks at its context, so that a
// request that is gone stops costing CPU.
const checkEvery = 1024

// chunk is how many rows are tested at once: a bit each of a uint64.
const chunk = 64

// matching calls fn with every row of v's rows [lo, hi) whose order matches the filter:
// what order.Matcher's Match says of it (TestRowTestsAgreeWithTheMatcher), from the
// columns alone. It goes in v's order, or the reverse. Rows are tested a chunk at a time,
// one test after another, each a short loop over the rows still in: a filter pays only for
// the tests it has, and no call is made a row.
func (x *Index) matching(ctx context.Context, test *rowTest, v visit, lo, hi int, reverse bool, fn func(i int)) error {
	for c := range (hi - lo + chunk - 1) / chunk {
		if c%(checkEvery/chunk) == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		start, end := lo+c*chunk, min(lo+(c+1)*chunk, hi)
		if reverse {
			start, end = max(lo, hi-(c+1)*chunk), hi-c*chunk
		}
		in := x.mask(test, v, start, end)
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
func (x *Index) mask(test *rowTest, v visit, lo, hi int) uint64 {
	var in uint64
	from, to, presence := test.from, test.to, test.presence
	if v.ids == nil { // rows in turn: slices the compiler checks once
		dates, flags := x.dates[lo:hi], x.flags[lo:hi]
		for k, d := range dates {
			if d >= from && d < to && flags[k]&(flagPresent|flagDeleted) == presence {
				in |= 1 << k
			}
		}
	} else {
		for k, id := range v.ids[lo:hi] {
			if d := x.dates[id-1]; d >= from && d < to && x.flags[id-1]&(flagPresent|flagDeleted) == presence {
				in |= 1 << k
			}
		}
	}
	in = x.keep(in, v, lo, &test.statuses, x.status)
	in = x.keep(in, v, lo, &test.store, x.store)
	in = x.keep(in, v, lo, &test.profile, x.profile)
	in = x.keep(in, v, lo, &test.email, x.email)
	if test.hasTracking != nil || test.fullyReceived != nil || test.open {
		in = keepIf(in, v, lo, func(i int) bool { return x.unitsPass(i, test) })
	}
	if test.queryNeedle != "" && in != 0 {
		in &= x.queryHits(test, v, lo, in)
	}
	return in
}

// queryHits is which rows of in hold the query: in their own texts, or in a shared text
// of theirs (product, email, profile, store), each column tested like the filters'.
func (x *Index) queryHits(test *rowTest, v visit, lo int, in uint64) uint64 {
	var hits uint64
	if own := test.queryOwn; own != nil {
		for rest := in; rest != 0; rest &= rest - 1 {
			b := bits.TrailingZeros64(rest)
			if i := v.row(lo + b); own[i/64]&(1<<(i%64)) != 0 {
				hits |= 1 << b
			}
		}
	} else { // a needle ownText cannot be searched for
		hits = keepIf(in, v, lo, func(i int) bool { return x.ownHolds(i, test.queryNeedle) })
	}
	if test.queryShared {
		for _, column := range [][]uint32{x.product, x.email, x.profile, x.store} {
			hits |= x.keep(in&^hits, v, lo, &test.query, column)
		}
	}
	return hits
}

// keep clears from in the rows whose text in column ids does not pass st.
func (x *Index) keep(in uint64, v visit, lo int, st *symbolTest, ids []uint32) uint64 {
	if st.test == nil {
		return in
	}
	if st.known == nil {
		st.known = make([]uint8, len(x.text.values))
	}
	// Each text's verdict is looked up here rather than through a call a row. Rows in
	// turn take one pass over the column, without searching the bits.
	known := st.known
	if v.ids == nil && in != 0 {
		for k, id := range ids[lo : lo+chunk-bits.LeadingZeros64(in)] {
			if verdict := known[id]; verdict == 2 || verdict == 0 && !st.learn(x.text.values, id) {
				in &^= 1 << k
			}
		}
		return in
	}
	for rest := in; rest != 0; rest &= rest - 1 {
		b := bits.TrailingZeros64(rest)
		id := ids[v.row(lo+b)]
		if k := known[id]; k == 2 || k == 0 && !st.learn(x.text.values, id) {
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
func (x *Index) unitsPass(i int, test *rowTest) bool {
	tracked, received := x.flags[i]&flagTracked != 0, x.flags[i]&flagReceived != 0
	switch {
	case test.hasTracking != nil && *test.hasTracking != tracked,
		test.fullyReceived != nil && *test.fullyReceived != received:
		return false
	}
	switch {
	case !test.open:
		return true
	case tracked && received: // open only if its status keeps it open (openAnyway implies canBeOpen)
		return test.openAnyway.passes(x.text.values, x.status, i)
	}
	return test.canBeOpen.passes(x.text.values, x.status, i)
}

// ownHolds reports whether the order at i has its own text (number, tracking numbers)
// holding needle.
func (x *Index) ownHolds(i int, needle string) bool {
	cold := &x.cold[i]
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
