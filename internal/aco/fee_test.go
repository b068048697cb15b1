package aco

import (
	"errors"
	"testing"
	"time"

	"github.com/roms-dev/roms/internal/order"
)

func money(s string) *order.Money {
	m, err := order.ParseMoney(s)
	if err != nil {
		panic(err)
	}
	return &m
}

func TestFeeRulesAsPeopleWriteThem(t *testing.T) {
	t.Parallel()
	o := &order.Order{Store: "Walmart", Total: money("250.00"), Quantity: 3}
	for _, tt := range []struct{ text, fee, back string }{
		{"5", "5.00", "5.00/order"},
		{"$5 per order", "5.00", "5.00/order"},
		{"3/unit", "9.00", "3.00/unit"},
		{"8%", "20.00", "8%"},
		{"1% min 5", "5.00", "1% min 5.00"},
		{"8%; Walmart: 2.50/unit", "7.50", "8%; Walmart: 2.50/unit"},
		{"8%; Target: 1/unit", "20.00", "8%; Target: 1.00/unit"},
	} {
		r, err := ParseFeeRule(tt.text)
		if err != nil {
			t.Errorf("%q: %v", tt.text, err)
			continue
		}
		fee, _ := r.For(o.Store).Of(o)
		if fee.String() != tt.fee || r.String() != tt.back {
			t.Errorf("%q: fee %s, written %q; want %s, %q", tt.text, fee, r.String(), tt.fee, tt.back)
		}
		if again, err := ParseFeeRule(r.String()); err != nil || again.String() != r.String() {
			t.Errorf("%q read back as %q (%v)", r.String(), again.String(), err)
		}
	}
	for _, bad := range []string{"free", "150%", "5 per week", "-3", "Target:"} {
		if _, err := ParseFeeRule(bad); !errors.As(err, new(*InvalidError)) {
			t.Errorf("%q: %v, want it refused as invalid", bad, err)
		}
	}
	noPrice := &order.Order{Price: money("40"), Quantity: 2}
	if fee, _ := (Rate{Kind: FeePercent, Percent: 10}).Of(noPrice); fee.String() != "8.00" {
		t.Errorf("10%% of 2 x 40 without a total: %s", fee)
	}
}

// TestAFeeFollowsTheOrder walks fees through an order's life: opened at the checkout,
// due when the hold ends, voided by a cancel before payment, credited after it, moved
// with the order to another client, reopened when the order comes back.
func TestAFeeFollowsTheOrder(t *testing.T) {
	t.Parallel()
	day0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	ann := &Client{ID: "ann", Name: "Ann", Fee: FeeRule{Rate: Rate{Kind: FeeFlat, Amount: 500}}}
	bob := &Client{ID: "bob", Name: "Bob", Fee: FeeRule{Rate: Rate{Kind: FeePercent, Percent: 10}}}
	o := &order.Order{OrderNumber: "A1", Status: order.StatusVerified, Total: money("100"), Quantity: 1, OrderDate: day0}
	hold := Hold{Days: 3}
	var fee *Fee
	step := func(name string, client *Client, at time.Time, wantState, wantAmount string, wantChanged bool) {
		t.Helper()
		var changed bool
		fee, changed = Reconcile(fee, o, client, hold, at)
		state, amount := "", ""
		if fee != nil {
			state, amount = fee.State, fee.Amount.String()
		}
		if state != wantState || amount != wantAmount || changed != wantChanged {
			t.Errorf("%s: %s %s changed %v, want %s %s changed %v", name, state, amount, changed, wantState, wantAmount, wantChanged)
		}
	}
	step("no client, no fee", nil, day0, "", "", false)
	step("a checkout of Ann's", ann, day0, FeePending, "5.00", true)
	step("the same again changes nothing", ann, day0, FeePending, "5.00", false)
	step("the hold ends", ann, day0.AddDate(0, 0, 3), FeeDue, "5.00", true)
	step("the owner says it is Bob's", bob, day0.AddDate(0, 0, 3), FeeDue, "10.00", true)
	o.Status = order.StatusCancelled
	step("cancelled before payment", bob, day0.AddDate(0, 0, 4), FeeVoid, "10.00", true)
	step("still cancelled", bob, day0.AddDate(0, 0, 5), FeeVoid, "10.00", false)
	o.Status = order.StatusShipped
	step("live again", bob, day0.AddDate(0, 0, 6), FeeDue, "10.00", true)
	fee.State, fee.Invoice = FeePaid, "bob-2026-12"
	o.Status = order.StatusRefunded
	step("refunded after payment", bob, day0.AddDate(0, 0, 9), FeePaid, "10.00", true)
	if fee.Credit == nil || fee.Credit.Amount.String() != "10.00" {
		t.Errorf("no credit after a refund of a paid fee: %+v", fee)
	}
	step("and only one credit", bob, day0.AddDate(0, 0, 10), FeePaid, "10.00", false)
	if n := len(fee.History); n != 7 {
		t.Errorf("%d changes in the fee's history, want 7: %+v", n, fee.History)
	}

	declined := &order.Order{OrderNumber: "D1", Status: order.StatusDeclined, Total: money("50")}
	if f, _ := Reconcile(nil, declined, ann, hold, day0); f != nil {
		t.Errorf("a declined checkout opened a fee: %+v", f)
	}
	tracked := &order.Order{OrderNumber: "T1", Status: order.StatusVerified, Total: money("50"), OrderDate: day0}
	f, _ := Reconcile(nil, tracked, ann, Hold{Until: "tracking"}, day0.AddDate(0, 1, 0))
	tracked.TrackingNumbers = []string{"1Z"}
	if f, _ = Reconcile(f, tracked, ann, Hold{Until: "tracking"}, day0); f.State != FeeDue {
		t.Errorf("a fee held until tracking is %s once the order has it", f.State)
	}
	invoiced := &Fee{Order: "I1", Client: "ann", State: FeeInvoiced, Amount: 500, Invoice: "ann-1"}
	deleted := &order.Order{OrderNumber: "I1", Status: order.StatusShipped, DeletedAt: &day0}
	if f, _ := Reconcile(invoiced, deleted, ann, hold, day0); f.State != FeeVoid {
		t.Errorf("an invoiced, unpaid fee of a deleted order is %s, want void", f.State)
	}
}

func TestParseHold(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Hold{"": {}, "3d": {Days: 3}, "7 days": {Days: 7}, "1 day": {Days: 1}, "tracking": {Until: "tracking"}, "Shipped": {Until: "shipped"}} {
		if got, err := ParseHold(in); err != nil || got != want {
			t.Errorf("ParseHold(%q) = %+v %v, want %+v", in, got, err, want)
		}
	}
	if _, err := ParseHold("soon"); err == nil {
		t.Error("soon is a hold")
	}
}
