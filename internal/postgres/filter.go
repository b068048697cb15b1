package postgres

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/roms-dev/roms/internal/order"
)

// where is a filter as SQL: conditions joined by AND, with their arguments.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	for _, a := range args {
		w.args = append(w.args, a)
		cond = strings.Replace(cond, "?", fmt.Sprintf("$%d", len(w.args)), 1)
	}
	w.conds = append(w.conds, cond)
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// sqlFilter says f in SQL, so the database's indexes pick the orders. exact is false when
// part of f cannot be said exactly in SQL (text outside ASCII, whose case folding Go and
// PostgreSQL may do differently): the clause then selects more, and order.Matcher has the
// last word.
func sqlFilter(f order.Filter) (w where, exact bool) {
	exact = true
	w.add("deleted = ?", f.Deleted)
	if len(f.Statuses) > 0 {
		w.add("status = ANY(?)", f.Statuses)
	}
	if !f.From.IsZero() {
		w.add("order_nanos >= ?", f.From.UnixNano())
	}
	if !f.To.IsZero() {
		w.add("order_nanos < ?", f.To.UnixNano())
	}
	store, profile, email, q := order.NewMatcher(f).Needles()
	for _, t := range []struct{ column, needle string }{{"store", store}, {"profile", profile}, {"email", email}} {
		if needle := t.needle; needle != "" {
			if !isASCII(needle) {
				exact = false
				continue
			}
			w.add("strpos(lower("+t.column+"), ?) > 0", needle)
		}
	}
	if q != "" {
		// A line a field: a needle without a line break is found within one field only.
		w.add("strpos(search, ?) > 0", q)
		if strings.Contains(q, "\n") {
			exact = false
		}
	}
	if f.HasTracking != nil {
		w.add("(cardinality(tracking) > 0) = ?", *f.HasTracking)
	}
	if f.FullyReceived != nil {
		w.add("(qty_received >= quantity) = ?", *f.FullyReceived)
	}
	if f.Open {
		w.add("NOT status = ANY(?) AND (status = ? OR cardinality(tracking) = 0 OR qty_received < quantity)",
			order.Closed, order.StatusReviewHold)
	}
	return w, exact
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
