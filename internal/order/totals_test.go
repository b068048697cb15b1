package order

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

func TestTallyKeepsCurrenciesApartAndLeavesOutWhatWasNotSpent(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
	tally := NewTally(GroupWeek, time.UTC)
	o := New("X", Origin{}, time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)) // a Sunday
	tally.Add(&o)
	if _, g := tally.Result(); g[0].Group != "2026-11-23" {
		t.Errorf("week of a Sunday: %s", g[0].Group)
	}
}

// TestPeriodsAreTheDaysWeeksAndMonthsOfTheirZone: the tally keeps the day, week or month
// of the last order to group the next without formatting its date; the keys must be the
// ones the date gives, across daylight saving changes and odd offsets, in any order.
func TestPeriodsAreTheDaysWeeksAndMonthsOfTheirZone(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for _, zone := range []string{"America/New_York", "Asia/Kathmandu", "Australia/Lord_Howe", "America/Santiago", "UTC"} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Skipf("no time zone data: %v", err)
		}
		for _, by := range []string{GroupDay, GroupWeek, GroupMonth} {
			tally := NewTally(by, loc)
			at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			for range 5000 {
				at = at.Add(time.Duration(r.Int64N(int64(20*time.Hour))) - 2*time.Hour) // mostly forward, some back
				day := at.In(loc)
				want := day.Format(time.DateOnly)
				switch by {
				case GroupWeek:
					want = day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7)).Format(time.DateOnly)
				case GroupMonth:
					want = day.Format("2006-01")
				}
				if got := tally.groupOf(&Order{OrderDate: at}); got != want {
					t.Fatalf("%s by %s: %v is in %q, want %q", zone, by, day, got, want)
				}
			}
		}
	}
}

// TestMergedTalliesAddUpAsOne: totals split between the cores and merged are the totals
// of one pass.
func TestMergedTalliesAddUpAsOne(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	statuses := []string{StatusVerified, StatusCancelled, StatusDeclined, StatusShipped, StatusRefunded}
	for _, by := range append([]string{GroupNone}, Groupings...) {
		one, parts := NewTally(by, time.UTC), []*Tally{NewTally(by, time.UTC), NewTally(by, time.UTC), NewTally(by, time.UTC)}
		for i := range 600 {
			price, commission := Money(r.IntN(50000)), Money(r.IntN(500))
			o := Order{ID: uint64(i + 1), Store: []string{"Target", "Walmart"}[r.IntN(2)], Profile: fmt.Sprint("p", r.IntN(3)),
				Status: statuses[r.IntN(len(statuses))], Product: fmt.Sprint("x", r.IntN(4)), Quantity: 1 + r.IntN(3), QtyReceived: r.IntN(2),
				Currency: []string{"USD", "EUR", ""}[r.IntN(3)], OrderDate: time.Date(2026, 3, 1+r.IntN(60), r.IntN(24), 0, 0, 0, time.UTC)}
			if r.IntN(4) > 0 {
				o.Price = &price
			}
			if r.IntN(3) == 0 {
				o.Commission = &commission
			}
			if r.IntN(2) == 0 {
				o.TrackingNumbers = []string{"1Z"}
			}
			one.Add(&o)
			parts[r.IntN(len(parts))].Add(&o)
		}
		for _, p := range parts[1:] {
			parts[0].Merge(p)
		}
		wantAll, wantGroups := one.Result()
		gotAll, gotGroups := parts[0].Result()
		if !reflect.DeepEqual(gotAll, wantAll) || !reflect.DeepEqual(gotGroups, wantGroups) {
			t.Errorf("by %q: merged %+v %+v\nwant %+v %+v", by, gotAll, gotGroups, wantAll, wantGroups)
		}
	}
}
