package order

import (
	"testing"
	"time"
)

func TestTallyKeepsCurrenciesApartAndLeavesOutWhatWasNotSpent(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	mk := func(store, status, currency string, price int64, qty int, at time.Time) *Order {
		o := New("X", Origin{Source: SourceHTTP}, at)
		o.Store, o.Status, o.Currency, o.Price, o.Quantity = store, status, currency, cents(price), qty
		return &o
	}
	evening := time.Date(2026, 11, 20, 23, 30, 0, 0, ny) // 04:30 UTC on the 21st
	tally := NewTally(GroupDay, ny)
	for _, o := range []*Order{
		mk("Best Buy US", StatusVerified, "USD", 29999, 1, evening),
		mk("Best Buy US", StatusVerified, "USD", 1000, 3, evening),
		mk("Target", StatusCancelled, "USD", 5000, 1, evening),
		mk("Zalando", StatusVerified, "EUR", 1250, 2, evening.Add(time.Hour)),
	} {
		tally.Add(o)
	}
	all, days := tally.Result()
	if all.Checkouts != 4 || all.Cancelled != 1 || all.CancelRate != 0.25 || all.Units != 6 {
		t.Errorf("overall %+v", all)
	}
	if len(all.Money) != 2 || all.Money[0].Currency != "EUR" || all.Money[0].Spend != 2500 ||
		all.Money[1].Spend != 32999 || all.Money[1].Orders != 2 || all.Money[1].Average != 16499 {
		t.Errorf("money %+v", all.Money)
	}
	if len(days) != 2 || days[0].Group != "2026-11-20" || days[0].Checkouts != 3 || days[1].Group != "2026-11-21" {
		t.Errorf("days in New York time: %+v", days)
	}
}

func TestWeeksStartOnMonday(t *testing.T) {
	tally := NewTally(GroupWeek, time.UTC)
	o := New("X", Origin{}, time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)) // a Sunday
	tally.Add(&o)
	if _, g := tally.Result(); g[0].Group != "2026-11-23" {
		t.Errorf("week of a Sunday: %s", g[0].Group)
	}
}
