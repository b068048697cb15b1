package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/orders"
)

// queryLatencies lists orders with each filter combination of the orders API again and
// again for a while, and prints the 50th and 99th percentiles of one request: the targets
// are percentiles, which a benchmark's mean hides. Later pages are reached by cursor, as
// the dashboard and /orders page.
func queryLatencies(label string, svc *orders.Service, n int, each time.Duration) error {
	now := time.Now()
	month, year := now.AddDate(0, -1, 0), now.AddDate(-1, 0, 0)
	june := time.Date(now.Year(), time.June, 1, 0, 0, 0, 0, time.Local)
	if june.After(now) {
		june = june.AddDate(-1, 0, 0)
	}
	yes := true
	queries := []struct {
		name string
		f    order.Filter
	}{
		{"no filter", order.Filter{}},
		{"last month", order.Filter{From: month}},
		{"a whole year", order.Filter{From: year}},
		{"last month, store", order.Filter{From: month, Store: "target"}},
		{"a whole year, store", order.Filter{From: year, Store: "best buy"}},
		{"June, status verified", order.Filter{From: june, To: june.AddDate(0, 1, 0), Statuses: []string{order.StatusVerified}}},
		{"statuses shipped or delivered", order.Filter{Statuses: []string{order.StatusShipped, order.StatusDelivered}}},
		{"profile, part", order.Filter{Profile: "amex"}},
		{"email, part", order.Filter{Email: "buyer42@"}},
		{"with tracking, store", order.Filter{HasTracking: &yes, Store: "walmart"}},
		{"open orders", order.Filter{Open: true}},
		{"q= an email", order.Filter{Query: "buyer42@"}},
		{"q= a product word", order.Filter{Query: "starlink"}},
		{"q= no match", order.Filter{Query: "nothing-matches-this"}},
		{"sorted by price, store", order.Filter{Sort: order.SortPriceDesc, Store: "costco"}},
	}
	fmt.Fprintf(out, "%-46s %10s %10s %10s %10s %9s\n", fmt.Sprintf("%s%dk orders, %s each: a page of 50", label, n/1000, each), "p50", "p99", "2nd p50", "2nd p99", "matches")
	for _, q := range queries {
		first, second, total, err := pageTimes(svc, q.f, each)
		if err != nil {
			return fmt.Errorf("%s: %w", q.name, err)
		}
		fmt.Fprintf(out, "%-46s %10s %10s %10s %10s %9d\n", q.name, pct(first, 0.5), pct(first, 0.99), pct(second, 0.5), pct(second, 0.99), total)
	}
	fmt.Fprintln(out)
	return nil
}

// pageTimes times the first page of f and the page after it, by its cursor, taking turns
// for d.
func pageTimes(svc *orders.Service, f order.Filter, d time.Duration) (first, second []time.Duration, total int, err error) {
	ctx := context.Background()
	f.Limit = 50
	for deadline := time.Now().Add(d); time.Now().Before(deadline); {
		start := time.Now()
		page, err := svc.List(ctx, f)
		if err != nil {
			return nil, nil, 0, err
		}
		first = append(first, time.Since(start))
		total = page.Total
		if page.Next == "" {
			continue
		}
		next := f
		next.After = page.Next
		start = time.Now()
		if _, err := svc.List(ctx, next); err != nil {
			return nil, nil, 0, err
		}
		second = append(second, time.Since(start))
	}
	return first, second, total, nil
}

// percentile is the q-th percentile of latencies (q from 0 to 1), which it sorts; there
// must be at least one.
func percentile(latencies []time.Duration, q float64) time.Duration {
	slices.Sort(latencies)
	return latencies[min(len(latencies)-1, int(q*float64(len(latencies))))]
}

// pct is the q-th percentile of latencies, rounded for the table; "-" for none.
func pct(latencies []time.Duration, q float64) string {
	if len(latencies) == 0 {
		return "-"
	}
	d := percentile(latencies, q)
	switch {
	case d < time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	case d < time.Second:
		return d.Round(100 * time.Microsecond).String()
	}
	return d.Round(10 * time.Millisecond).String()
}
