package summaries

import (
	"cmp"
	"context"
	"slices"
	"sort"
	"time"

	"github.com/roms-dev/roms/internal/order"
)

// DatePage serves a page of every order that is not deleted, by date: the first view of
// the dashboard and of /orders. It walks the date order from the page's start and stops
// at the page's end, and the total is the live count, so the cost does not grow with the
// number of orders. ok is false for any other filter, which a scan serves.
func (x *Index) DatePage(f order.Filter) (positions []order.Position, total int, next string, ok bool) {
	if f.Deleted || len(f.Statuses) > 0 || !f.From.IsZero() || !f.To.IsZero() || f.HasTracking != nil ||
		f.FullyReceived != nil || f.Open || (f.Sort != order.SortDateDesc && f.Sort != order.SortDateAsc) {
		return nil, 0, "", false
	}
	if store, profile, email, query := order.NewMatcher(f).Needles(); store+profile+email+query != "" {
		return nil, 0, "", false
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	desc := f.Sort == order.SortDateDesc
	i, step := 0, 1 // where the walk starts in byDate, and which way it goes
	if desc {
		i, step = len(x.byDate)-1, -1
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
		i = sort.Search(len(x.byDate), func(k int) bool {
			return cmp.Or(cmp.Compare(x.dates[x.byDate[k]-1], after.Value), cmp.Compare(uint64(x.byDate[k]), after.ID)) >= 0
		})
		switch {
		case desc:
			i--
		case i < len(x.byDate) && uint64(x.byDate[i]) == after.ID && x.dates[x.byDate[i]-1] == after.Value:
			i++
		}
	}
	for ; i >= 0 && i < len(x.byDate) && len(positions) <= f.Limit; i += step {
		id := x.byDate[i]
		if x.flags[id-1]&flagDeleted != 0 {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		positions = append(positions, order.Position{Value: x.dates[id-1], ID: uint64(id)})
	}
	if len(positions) > f.Limit {
		positions = positions[:f.Limit]
		next = order.Cursor(f.Sort, positions[len(positions)-1])
	}
	return positions, x.live, next, true
}

// Page returns a pager that has seen the position in f's sort of every order that
// matches f. It reads the rows alone: a list makes an order only of the page it returns.
func (x *Index) Page(ctx context.Context, f order.Filter) (*order.Pager, error) {
	if _, err := order.NewPager(f); err != nil {
		return nil, err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	test := x.rowTest(f)
	v := x.visit(test)
	pagers := make([]*order.Pager, x.parts(v.n))
	err := x.split(len(pagers), v.n, func(part, lo, hi int) error {
		pagers[part], _ = order.NewPager(f) // its cursor reads: checked above
		return x.positions(ctx, f.Sort, test.fork(), v, lo, hi, pagers[part])
	})
	for _, q := range pagers[1:] {
		pagers[0].Merge(q)
	}
	return pagers[0], err
}

// Tally adds up the orders that match f, grouped by one of order.Groupings.
func (x *Index) Tally(ctx context.Context, f order.Filter, by string, loc *time.Location) (*order.Tally, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	test := x.rowTest(f)
	v := x.visit(test)
	tallies := make([]*order.Tally, x.parts(v.n))
	err := x.split(len(tallies), v.n, func(part, lo, hi int) error {
		tallies[part] = order.NewTally(by, loc)
		return x.summaries(ctx, test.fork(), v, lo, hi, tallies[part].Add)
	})
	for _, t := range tallies[1:] {
		tallies[0].Merge(t)
	}
	return tallies[0], err
}

// Sorted returns the positions in f's sort of every order that matches f, sorted.
func (x *Index) Sorted(ctx context.Context, f order.Filter) ([]order.Position, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var positions []order.Position
	test, byPrice := x.rowTest(f), f.Sort == order.SortPriceDesc || f.Sort == order.SortPriceAsc
	v := x.visit(test)
	err := x.matching(ctx, test, v, 0, v.n, false, func(i int) { positions = append(positions, x.position(i, byPrice)) })
	if err != nil {
		return nil, err
	}
	slices.SortFunc(positions, func(a, b order.Position) int { return order.Compare(f.Sort, a, b) })
	return positions, nil
}

// position is where the order at i stands by price or by date, as order.PositionOf.
func (x *Index) position(i int, byPrice bool) order.Position {
	if byPrice { // an order without a price has no value (and a price of 0 here)
		return order.Position{Value: x.prices[i], None: x.flags[i]&flagPrice == 0, ID: uint64(i + 1)}
	}
	return order.Position{Value: x.dates[i], ID: uint64(i + 1)}
}

// positions gives p the position in sortOrder of every order of v's rows [lo, hi) that
// passes test. The caller holds the lock.
func (x *Index) positions(ctx context.Context, sortOrder string, test *rowTest, v visit, lo, hi int, p *order.Pager) error {
	byPrice := sortOrder == order.SortPriceDesc || sortOrder == order.SortPriceAsc
	// Ids follow dates closely (orders are stored as they happen), so newest first, most
	// rows after the first page's worth come after the page, and their dates alone turn
	// them away (below) without a call to the pager.
	desc := sortOrder == order.SortDateDesc
	bar, full := p.Bar()
	skipped := 0
	err := x.matching(ctx, test, v, lo, hi, desc, func(i int) {
		pos := x.position(i, byPrice)
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
func (x *Index) summaries(ctx context.Context, test *rowTest, v visit, lo, hi int, fn func(*order.Order)) error {
	var o order.Order
	var price, total, commission order.Money
	var deleted time.Time
	return x.matching(ctx, test, v, lo, hi, false, func(i int) {
		r := x.row(i)
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
		t := x.text.values
		o.OrderNumber, o.Product, o.Email, o.Profile = x.cold[i].number, t[r.product], t[r.email], t[r.profile]
		o.Store, o.Status, o.Currency, o.TrackingNumbers = t[r.store], t[r.status], t[r.currency], x.cold[i].tracking
		fn(&o)
	})
}
