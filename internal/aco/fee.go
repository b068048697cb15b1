package aco

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/roms-dev/roms/internal/order"
)

// Fee rule kinds.
const (
	FeeFlat    = "flat"     // an amount an order
	FeePerUnit = "per_unit" // an amount a unit
	FeePercent = "percent"  // a share of the order's total
)

// FeeRule is what a client pays a success: one rule for every store, and other rules for
// some stores.
type FeeRule struct {
	Rate
	Stores []StoreRate `json:"stores,omitempty" doc:"Other rates for some stores (any part of the store's name, any case)"`
}

// Rate is one way to work out a fee.
type Rate struct {
	Kind    string      `json:"kind,omitempty" enum:"flat,per_unit,percent," doc:"Empty: no fee"`
	Amount  order.Money `json:"amount,omitempty" doc:"flat and per_unit: the amount"`
	Percent float64     `json:"percent,omitempty" doc:"percent: of the order's total, 8 is 8%"`
	Minimum order.Money `json:"minimum,omitempty" doc:"The least a success pays"`
}

// StoreRate is a rate for the stores whose name holds Store.
type StoreRate struct {
	Store string `json:"store"`
	Rate
}

// Check says what is wrong with a rule.
func (r FeeRule) Check() error {
	if err := r.Rate.check(); err != nil {
		return err
	}
	for _, s := range r.Stores {
		if strings.TrimSpace(s.Store) == "" {
			return fmt.Errorf("a store's fee needs the store")
		}
		if err := s.Rate.check(); err != nil {
			return fmt.Errorf("%s: %w", s.Store, err)
		}
	}
	return nil
}

func (r Rate) check() error {
	switch {
	case r.Kind != "" && r.Kind != FeeFlat && r.Kind != FeePerUnit && r.Kind != FeePercent:
		return fmt.Errorf("fee kind %q: one of flat, per_unit, percent", r.Kind)
	case r.Amount < 0 || r.Minimum < 0 || r.Percent < 0:
		return fmt.Errorf("a fee cannot be negative")
	case r.Kind == FeePercent && (r.Percent == 0 || r.Percent > 100):
		return fmt.Errorf("a percent fee needs a share between 0 and 100")
	case (r.Kind == FeeFlat || r.Kind == FeePerUnit) && r.Amount == 0:
		return fmt.Errorf("a %s fee needs its amount", r.Kind)
	}
	return nil
}

// For is the rate that applies to a store.
func (r FeeRule) For(store string) Rate {
	for _, s := range r.Stores {
		if order.Contains(store, strings.ToLower(strings.TrimSpace(s.Store))) {
			return s.Rate
		}
	}
	return r.Rate
}

// Of works out an order's fee; ok is false when the rate asks none.
func (r Rate) Of(o *order.Order) (order.Money, bool) {
	var fee order.Money
	switch r.Kind {
	case FeeFlat:
		fee = r.Amount
	case FeePerUnit:
		fee = r.Amount * order.Money(max(o.Quantity, 1))
	case FeePercent:
		fee = order.Money(math.Round(float64(orderTotal(o)) * r.Percent / 100))
	default:
		return 0, false
	}
	return max(fee, r.Minimum), true
}

// orderTotal is the order's total, or its price times its units when it has no total.
func orderTotal(o *order.Order) order.Money {
	switch {
	case o.Total != nil:
		return *o.Total
	case o.Price != nil:
		return *o.Price * order.Money(max(o.Quantity, 1))
	}
	return 0
}

// String writes a rule as ParseFeeRule reads it: "8% min 5.00; Walmart: 3.00/unit".
func (r FeeRule) String() string {
	parts := []string{}
	if r.Kind != "" {
		parts = append(parts, r.Rate.String())
	}
	for _, s := range r.Stores {
		parts = append(parts, s.Store+": "+s.Rate.String())
	}
	if len(parts) == 0 {
		return "no fee"
	}
	return strings.Join(parts, "; ")
}

func (r Rate) String() string {
	var s string
	switch r.Kind {
	case FeeFlat:
		s = r.Amount.String() + "/order"
	case FeePerUnit:
		s = r.Amount.String() + "/unit"
	case FeePercent:
		s = strconv.FormatFloat(r.Percent, 'f', -1, 64) + "%"
	default:
		return "no fee"
	}
	if r.Minimum > 0 {
		s += " min " + r.Minimum.String()
	}
	return s
}

var ratePattern = regexp.MustCompile(`(?i)^\$?\s*([0-9]+(?:\.[0-9]+)?)\s*(%|/\s*order|/\s*unit|per\s+order|per\s+unit|a\s+unit|an\s+order)?\s*(?:(?:min|minimum)\s*\$?\s*([0-9]+(?:\.[0-9]+)?))?$`)

// ParseFeeRule reads a rule as people write it: "5" or "5/order" (an amount an order),
// "3/unit", "8%" or "8% min 5", and rates for some stores after a semicolon:
// "8% min 5; Walmart: 3/unit".
func ParseFeeRule(text string) (FeeRule, error) {
	var r FeeRule
	for _, part := range strings.Split(text, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		store := ""
		if i := strings.LastIndex(part, ":"); i >= 0 {
			store, part = strings.TrimSpace(part[:i]), strings.TrimSpace(part[i+1:])
		}
		rate, err := parseRate(part)
		if err != nil {
			return FeeRule{}, invalid(err)
		}
		if store == "" {
			r.Rate = rate
		} else {
			r.Stores = append(r.Stores, StoreRate{Store: store, Rate: rate})
		}
	}
	return r, invalid(r.Check())
}

func parseRate(text string) (Rate, error) {
	m := ratePattern.FindStringSubmatch(strings.TrimSpace(text))
	if m == nil {
		return Rate{}, fmt.Errorf("fee %q: write 5/order, 3/unit, 8%% or 8%% min 5", text)
	}
	var r Rate
	unit := strings.ToLower(strings.Join(strings.Fields(m[2]), " "))
	switch {
	case unit == "%":
		p, _ := strconv.ParseFloat(m[1], 64)
		r.Kind, r.Percent = FeePercent, p
	case strings.Contains(unit, "unit"):
		r.Kind = FeePerUnit
	default:
		r.Kind = FeeFlat
	}
	if r.Kind != FeePercent {
		amount, err := order.ParseMoney(m[1])
		if err != nil {
			return Rate{}, err
		}
		r.Amount = amount
	}
	if m[3] != "" {
		minimum, err := order.ParseMoney(m[3])
		if err != nil {
			return Rate{}, err
		}
		r.Minimum = minimum
	}
	return r, nil
}
