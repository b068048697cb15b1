package summaries

import (
	"cmp"
	"errors"
	"math"
	"runtime"
	"sort"
	"sync"
)

// visit is the rows a pass must visit: every row, in id order (ids nil), or, when they
// are under half of those, the ids within the test's dates in date order (from byDate),
// so that a month costs its own orders and not a pass over every date; or, when fewer
// still, the ids of the statuses, stores or profiles that pass (postings.go).
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
func (x *Index) visit(test *rowTest) visit {
	best := x.every()
	if test.from != math.MinInt64 || test.to != math.MaxInt64 {
		at := func(date int64) int {
			return sort.Search(len(x.byDate), func(k int) bool { return x.dates[x.byDate[k]-1] >= date })
		}
		lo, hi := at(test.from), at(test.to)
		if hi < lo { // to before from: nothing
			hi = lo
		}
		if 2*(hi-lo) <= best.n { // under half of the rows: else read in turn, they cost less
			best = visit{ids: x.byDate[lo:hi:hi], n: hi - lo}
		}
	}
	// The orders of the statuses, stores or profiles that pass, when they are fewer still.
	var chosen postings
	var by *symbolTest
	for _, c := range []struct {
		st *symbolTest
		p  postings
	}{{&test.statuses, x.byStatus}, {&test.store, x.byStore}, {&test.profile, x.byProfile}} {
		if c.st.test == nil {
			continue
		}
		if n := c.p.size(c.st, x.text.values); 2*n <= best.n {
			best, chosen, by = visit{n: n}, c.p, c.st
		}
	}
	if chosen != nil {
		best.ids = chosen.ids(by, x.text.values, len(x.dates))
	}
	return best
}

// every is a visit of every row.
func (x *Index) every() visit { return visit{n: len(x.dates)} }

// splitFrom is how many rows make a pass worth splitting between the cores: below it a
// pass takes a few milliseconds on one core, less than starting the others.
const splitFrom = 50_000

// parts is how many parts a pass over n rows is split into: one a core from splitFrom
// rows (or the index's own splitFrom, which tests set), one below.
func (x *Index) parts(n int) int {
	if n >= cmp.Or(x.splitFrom, splitFrom) {
		return runtime.GOMAXPROCS(0)
	}
	return 1
}

// split runs fn over parts equal ranges of n rows at once, each part on a core of its
// own, each with state of its own that the caller merges. The caller holds the lock.
func (x *Index) split(parts, n int, fn func(part, lo, hi int) error) error {
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := p*n/parts, (p+1)*n/parts
		wg.Go(func() { errs[p] = fn(p, lo, hi) })
	}
	wg.Wait()
	return errors.Join(errs...)
}
