package order

import (
	"cmp"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Sort orders of a list.
const (
	SortDateDesc  = "date_desc" // newest checkout first: the default
	SortDateAsc   = "date_asc"
	SortPriceDesc = "price_desc" // orders without a price come last either way
	SortPriceAsc  = "price_asc"
)

// Sorts lists the sort orders.
var Sorts = []string{SortDateDesc, SortDateAsc, SortPriceDesc, SortPriceAsc}

// ErrBadCursor is a cursor this code did not give out, or one for another sort order.
var ErrBadCursor = errors.New("cursor is not one this API gave out for this sort order")

// Filter selects orders. Empty fields match everything. Text fields match any part of the
// value in any case: "best buy" finds "Best Buy US".
type Filter struct {
	Statuses              []string // any of these
	Store, Profile, Email string
	// Query is found in any of order number, product, email, profile, store and tracking
	// numbers.
	Query         string
	HasTracking   *bool
	FullyReceived *bool // quantity received has reached the quantity
	// Open selects orders still waiting on something: no tracking yet, not all units
	// received, or in review hold. Declined, cancelled, refunded and returned orders are
	// never open.
	Open     bool
	From, To time.Time // order date in [From, To)
	// Deleted lists only deleted orders instead of only live ones.
	Deleted bool
	Sort    string // one of Sorts; empty is SortDateDesc
	After   string // the Next of the previous page
	Offset  int    // without After: skip this many (numbered pages, as ROMS V2 had)
	Limit   int
}

// Page is one page of orders in the filter's sort order.
type Page struct {
	Orders []Order
	Next   string // cursor of the next page; empty on the last
	Total  int    // how many orders match the filter, on all pages
}

// Matcher tests orders against a filter, with its text lowered once rather than per order.
type Matcher struct {
	f                            Filter
	store, profile, email, query string
}

// NewMatcher prepares f for matching.
func NewMatcher(f Filter) Matcher {
	return Matcher{f: f, store: lower(f.Store), profile: lower(f.Profile), email: lower(f.Email), query: lower(f.Query)}
}

// Needles are the texts a filter looks for by part, as the matcher compares them: lower
// case, trimmed; "" for none. A store may use them to rule orders out early, with
// Contains, before Match has the last word.
func (m Matcher) Needles() (store, profile, email, query string) {
	return m.store, m.profile, m.email, m.query
}

// Contains reports whether needle (as Needles gives it) is in value, in any case: the
// test the matcher makes of each text field.
func Contains(value, needle string) bool { return contains(value, needle) }

func lower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// contains reports whether part (already lower case) is in value, in any case. ASCII
// text, nearly all of it, is compared byte by byte without making a lower-case copy.
func contains(value, part string) bool {
	if part == "" {
		return true
	}
	if !isASCII(value) || !isASCII(part) {
		return strings.Contains(strings.ToLower(value), part)
	}
	for i := 0; i+len(part) <= len(value); i++ {
		if asciiLower(value[i]) != part[0] {
			continue
		}
		j := 1
		for j < len(part) && asciiLower(value[i+j]) == part[j] {
			j++
		}
		if j == len(part) {
			return true
		}
	}
	return false
}

func asciiLower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// Match reports whether o is selected.
func (m Matcher) Match(o *Order) bool {
	f := &m.f
	switch {
	case (o.DeletedAt != nil) != f.Deleted,
		len(f.Statuses) > 0 && !slices.Contains(f.Statuses, o.Status),
		!contains(o.Store, m.store), !contains(o.Profile, m.profile), !contains(o.Email, m.email),
		f.HasTracking != nil && *f.HasTracking != (len(o.TrackingNumbers) > 0),
		f.FullyReceived != nil && *f.FullyReceived != (o.QtyReceived >= o.Quantity),
		!f.From.IsZero() && o.OrderDate.Before(f.From),
		!f.To.IsZero() && !o.OrderDate.Before(f.To),
		f.Open && !IsOpen(o):
		return false
	}
	return m.query == "" || m.matchQuery(o)
}

// Closed are the statuses after which nothing more is expected of an order.
var Closed = []string{StatusDeclined, StatusCancelled, StatusRefunded, StatusReturned}

// IsOpen reports whether an order still waits on something: a tracking number, units to
// receive, or a review hold to clear.
func IsOpen(o *Order) bool {
	return OpenState(o.Status, len(o.TrackingNumbers) > 0, o.QtyReceived, o.Quantity)
}

// OpenState is IsOpen from the fields it reads, for stores that keep them apart.
func OpenState(status string, tracked bool, received, quantity int) bool {
	if slices.Contains(Closed, status) {
		return false
	}
	return status == StatusReviewHold || !tracked || received < quantity
}

func (m Matcher) matchQuery(o *Order) bool {
	for _, v := range []string{o.OrderNumber, o.Product, o.Email, o.Profile, o.Store} {
		if contains(v, m.query) {
			return true
		}
	}
	for _, t := range o.TrackingNumbers {
		if contains(t, m.query) {
			return true
		}
	}
	return false
}

// Position is where an order stands in a sort order: its sort value and its id, which
// breaks ties so that every order has one place.
type Position struct {
	None  bool  // no value to sort by (an order without a price)
	Value int64 // unix nanoseconds of the order date, or the price in cents
	ID    uint64
}

// PositionOf is where o stands in sort order s.
func PositionOf(o *Order, s string) Position {
	switch s {
	case SortPriceDesc, SortPriceAsc:
		if o.Price == nil {
			return Position{None: true, ID: o.ID}
		}
		return Position{Value: int64(*o.Price), ID: o.ID}
	}
	return Position{Value: o.OrderDate.UnixNano(), ID: o.ID}
}

// Compare orders two positions in sort order s: negative when a comes first.
func Compare(s string, a, b Position) int {
	return compare(s == SortDateAsc || s == SortPriceAsc, a, b)
}

// compare is Compare with the direction worked out: a pager compares for every match.
func compare(asc bool, a, b Position) int {
	if a.None != b.None { // no value comes last in both directions
		if a.None {
			return 1
		}
		return -1
	}
	c := cmp.Compare(a.Value, b.Value)
	if c == 0 {
		c = cmp.Compare(a.ID, b.ID)
	}
	if asc {
		return c
	}
	return -c
}

// Cursor encodes a position in sort order s for the next page to start after.
func Cursor(s string, p Position) string {
	v := strconv.FormatInt(p.Value, 10)
	if p.None {
		v = "none"
	}
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%s|%s|%d", s, v, p.ID))
}

// ParseCursor reads a cursor given out for sort order s.
func ParseCursor(s, cursor string) (Position, error) {
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return Position{}, ErrBadCursor
	}
	parts := strings.Split(string(raw), "|")
	if len(parts) != 3 || parts[0] != s {
		return Position{}, ErrBadCursor
	}
	var p Position
	if p.ID, err = strconv.ParseUint(parts[2], 10, 64); err != nil {
		return Position{}, ErrBadCursor
	}
	if parts[1] == "none" {
		p.None = true
	} else if p.Value, err = strconv.ParseInt(parts[1], 10, 64); err != nil {
		return Position{}, ErrBadCursor
	}
	return p, nil
}

// WithDefaults is f with the page size and sort order a list uses when f gives none.
func (f Filter) WithDefaults() Filter {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	if f.Sort == "" {
		f.Sort = SortDateDesc
	}
	return f
}
