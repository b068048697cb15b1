package orders

import (
	"context"
	"fmt"

	"github.com/roms-dev/roms/internal/order"
)

// Period is one column of the Overview: a period's totals and those of the whole period
// before it.
type Period struct {
	Name   string        `json:"name" enum:"today,week,month,all"`
	Now    order.Totals  `json:"now"`
	Before *order.Totals `json:"before,omitempty" doc:"The whole period before: yesterday, last week, last month; none for all time"`
}

// overviewPeriods are the Overview's periods, as filter words: from, to, and the period
// before's from and to.
var overviewPeriods = []struct{ name, from, to, beforeFrom, beforeTo string }{
	{"today", "today", "today", "yesterday", "yesterday"},
	{"week", "week", "", "last-week", "last-week"},
	{"month", "month", "", "last-month", "last-month"},
	{"all", "", "", "", ""},
}

// Overview is today, this week, this month and all time, each with the period before,
// in ROMS's time zone: the dashboard's first page, in one call.
func (s *Service) Overview(ctx context.Context) ([]Period, error) {
	var out []Period
	totals := func(from, to string) (order.Totals, error) {
		f, err := s.Filter(FilterText{From: from, To: to})
		if err != nil {
			return order.Totals{}, err
		}
		all, _, err := s.store.Totals(ctx, f, order.GroupNone, s.loc)
		return all, err
	}
	for _, p := range overviewPeriods {
		now, err := totals(p.from, p.to)
		if err != nil {
			return nil, fmt.Errorf("overview %s: %w", p.name, err)
		}
		period := Period{Name: p.name, Now: now}
		if p.beforeFrom != "" {
			before, err := totals(p.beforeFrom, p.beforeTo)
			if err != nil {
				return nil, fmt.Errorf("overview %s before: %w", p.name, err)
			}
			period.Before = &before
		}
		out = append(out, period)
	}
	return out, nil
}
