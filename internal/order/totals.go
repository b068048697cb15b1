package order

import (
	"cmp"
	"slices"
	"time"
)

// Groupings of totals.
const (
	GroupNone    = ""
	GroupStore   = "store"
	GroupProfile = "profile"
	GroupStatus  = "status"
	GroupProduct = "product"
	GroupDay     = "day"
	GroupWeek    = "week" // weeks start on Monday
	GroupMonth   = "month"
)

// Groupings lists the ways totals can be grouped.
var Groupings = []string{GroupStore, GroupProfile, GroupStatus, GroupProduct, GroupDay, GroupWeek, GroupMonth}

// Totals are the figures of a set of orders. Money is per currency and never mixed.
// Spend, units, the average and commission leave out orders whose money was never spent
// or came back (NoSpend: declined, cancelled, refunded); the counts include every order.
type Totals struct {
	Group         string           `json:"group,omitempty" doc:"The store, profile, status, product, or first day of the day, week or month"`
	Checkouts     int              `json:"checkouts" doc:"Orders, whatever their status"`
	Units         int              `json:"units" doc:"Sum of quantities of orders that were not declined, cancelled or refunded"`
	Cancelled     int              `json:"cancelled"`
	Declined      int              `json:"declined"`
	CancelRate    float64          `json:"cancel_rate" doc:"(cancelled + declined) / checkouts, from 0 to 1"`
	WithTracking  int              `json:"with_tracking" doc:"Orders with at least one tracking number"`
	UnitsReceived int              `json:"units_received"`
	Money         []CurrencyTotals `json:"money" doc:"Spend per currency; currencies are never added together"`
}

// CurrencyTotals are the money figures of one currency.
type CurrencyTotals struct {
	Currency   string `json:"currency" doc:"ISO code; empty when the messages did not say"`
	Orders     int    `json:"orders" doc:"Orders counted in spend"`
	Spend      Money  `json:"spend" doc:"Sum of totals (price x quantity where no total was given)"`
	Average    Money  `json:"average" doc:"Spend / orders"`
	Commission Money  `json:"commission"`
}

// Tally adds orders up into totals, overall and per group. Every store computes totals
// with it (or agrees with it, which the contract tests check).
type Tally struct {
	by      string
	loc     *time.Location
	overall *Totals
	groups  map[string]*Totals
	// day is the date (in loc) of the last order grouped by time, and its group: orders
	// come nearly in date order, and formatting each one's date cost more than the rest
	// of the tally.
	day struct {
		y   int
		m   time.Month
		d   int
		key string
	}
}

// NewTally starts totals grouped by one of Groupings (or GroupNone), with days in loc.
func NewTally(by string, loc *time.Location) *Tally {
	return &Tally{by: by, loc: loc, overall: &Totals{}, groups: map[string]*Totals{}}
}

// Add counts one order; test orders do not count.
func (t *Tally) Add(o *Order) {
	if o.Test {
		return
	}
	add(t.overall, o)
	if t.by == GroupNone {
		return
	}
	key := t.groupOf(o)
	g := t.groups[key]
	if g == nil {
		g = &Totals{Group: key}
		t.groups[key] = g
	}
	add(g, o)
}

func (t *Tally) groupOf(o *Order) string {
	switch t.by {
	case GroupStore:
		return o.Store
	case GroupProfile:
		return o.Profile
	case GroupStatus:
		return o.Status
	case GroupProduct:
		return o.Product
	case GroupDay, GroupWeek, GroupMonth:
		day := o.OrderDate.In(t.loc)
		last := &t.day
		if y, m, d := day.Date(); last.key == "" || y != last.y || m != last.m || d != last.d {
			last.y, last.m, last.d, last.key = y, m, d, t.periodOf(day)
		}
		return last.key
	}
	return ""
}

// periodOf is the group of a day: itself, its week's Monday or its month.
func (t *Tally) periodOf(day time.Time) string {
	switch t.by {
	case GroupWeek:
		back := (int(day.Weekday()) + 6) % 7 // days since Monday
		return day.AddDate(0, 0, -back).Format(time.DateOnly)
	case GroupMonth:
		return day.Format("2006-01")
	}
	return day.Format(time.DateOnly)
}

// Merge adds what another tally of the same grouping counted (over other orders) to t.
func (t *Tally) Merge(u *Tally) {
	mergeTotals(t.overall, u.overall)
	for key, g := range u.groups {
		mine := t.groups[key]
		if mine == nil {
			mine = &Totals{Group: key}
			t.groups[key] = mine
		}
		mergeTotals(mine, g)
	}
}

func mergeTotals(t, u *Totals) {
	t.Checkouts += u.Checkouts
	t.Units += u.Units
	t.Cancelled += u.Cancelled
	t.Declined += u.Declined
	if t.Checkouts > 0 {
		t.CancelRate = float64(t.Cancelled+t.Declined) / float64(t.Checkouts)
	}
	t.WithTracking += u.WithTracking
	t.UnitsReceived += u.UnitsReceived
	for _, m := range u.Money {
		c := t.currency(m.Currency)
		c.Orders += m.Orders
		c.Spend += m.Spend
		c.Commission += m.Commission
		if c.Orders > 0 {
			c.Average = c.Spend / Money(c.Orders)
		}
	}
}

func add(t *Totals, o *Order) {
	t.Checkouts++
	switch o.Status {
	case StatusCancelled:
		t.Cancelled++
	case StatusDeclined:
		t.Declined++
	}
	t.CancelRate = float64(t.Cancelled+t.Declined) / float64(t.Checkouts)
	if len(o.TrackingNumbers) > 0 {
		t.WithTracking++
	}
	t.UnitsReceived += o.QtyReceived
	if slices.Contains(NoSpend, o.Status) {
		return
	}
	t.Units += o.Quantity
	spend, ok := o.spend()
	if !ok && o.Commission == nil {
		return
	}
	c := t.currency(o.Currency)
	if ok {
		c.Orders++
		c.Spend += spend
		c.Average = c.Spend / Money(c.Orders)
	}
	if o.Commission != nil {
		c.Commission += *o.Commission
	}
}

// currency is the money totals of one currency, added in order when new.
func (t *Totals) currency(code string) *CurrencyTotals {
	i := slices.IndexFunc(t.Money, func(c CurrencyTotals) bool { return c.Currency == code })
	if i < 0 {
		t.Money = append(t.Money, CurrencyTotals{Currency: code})
		slices.SortFunc(t.Money, func(a, b CurrencyTotals) int { return cmp.Compare(a.Currency, b.Currency) })
		i = slices.IndexFunc(t.Money, func(c CurrencyTotals) bool { return c.Currency == code })
	}
	return &t.Money[i]
}

// spend is what the order cost: its total, or price times quantity.
func (o *Order) spend() (Money, bool) {
	if o.Total != nil {
		return *o.Total, true
	}
	if o.Price != nil {
		return o.Price.Times(o.Quantity)
	}
	return 0, false
}

// Result returns the overall totals and the groups: days, weeks and months in time order,
// other groups with the most checkouts first.
func (t *Tally) Result() (Totals, []Totals) {
	groups := make([]Totals, 0, len(t.groups))
	for _, g := range t.groups {
		groups = append(groups, *g)
	}
	slices.SortFunc(groups, func(a, b Totals) int {
		switch t.by {
		case GroupDay, GroupWeek, GroupMonth:
			return cmp.Compare(a.Group, b.Group)
		}
		if c := cmp.Compare(b.Checkouts, a.Checkouts); c != 0 {
			return c
		}
		return cmp.Compare(a.Group, b.Group)
	})
	return *t.overall, groups
}
