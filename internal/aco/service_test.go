package aco

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/roms-dev/roms/internal/bbolt"
	"github.com/roms-dev/roms/internal/order"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newService(t *testing.T, hold Hold) (*Service, *bbolt.Store, *clock) {
	t.Helper()
	st, err := bbolt.Open(filepath.Join(t.TempDir(), "roms.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := &clock{time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)}
	return New(st, Options{Hold: hold, Now: c.now}), st, c
}

func checkout(t *testing.T, st *bbolt.Store, at time.Time, number, profile, email, total string, status string) {
	t.Helper()
	f := order.Fields{Profile: profile, Email: email, Total: money(total), Status: status, Store: "Target", Product: "ETB", Currency: "USD"}
	if _, err := st.Write(context.Background(), order.Write{Number: number, Edit: order.Edit{Fields: f}, Actor: order.ActorAPI, OccurredAt: at, At: at}); err != nil {
		t.Fatal(err)
	}
}

// TestFeesFromCheckoutToCredit: two clients' checkouts open fees; the hold ends; one is
// cancelled (void); the due ones are invoiced and paid; one is refunded after, which opens
// a credit that the next invoice takes off.
func TestFeesFromCheckoutToCredit(t *testing.T) {
	t.Parallel()
	s, st, clk := newService(t, Hold{Days: 2})
	ctx := context.Background()
	rule, _ := ParseFeeRule("5/order")
	pct, _ := ParseFeeRule("10% min 3")
	if _, err := s.AddClient(ctx, Client{Name: "Ann", Profiles: []string{"Ann *"}, Fee: rule}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddClient(ctx, Client{Name: "Bob", Emails: []string{"bob.cooks@gmail.com", "@bobcooks.io"}, Fee: pct}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddClient(ctx, Client{Name: "ann"}); !errors.Is(err, ErrClientTaken) {
		t.Errorf("a second Ann: %v", err)
	}
	day := clk.t
	checkout(t, st, day, "A-1", "Ann Visa", "", "100", "verified")
	checkout(t, st, day, "A-2", "Ann Amex", "", "50", "verified")
	checkout(t, st, day, "B-1", "Main", "bobcooks+nike@gmail.com", "200", "verified")
	checkout(t, st, day, "B-2", "Main", "drop@bobcooks.io", "20", "verified")
	checkout(t, st, day, "X-1", "Mine", "me@x.com", "20", "verified")
	if n, err := s.Sweep(ctx); err != nil || n != 4 {
		t.Fatalf("the first sweep opened %d fees (%v), want 4", n, err)
	}
	owed := func(id string) Owed {
		t.Helper()
		all, err := s.Owed(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range all {
			if o.Client == id {
				return o
			}
		}
		t.Fatalf("no %s in %+v", id, all)
		return Owed{}
	}
	if a, b := owed("ann"), owed("bob"); a.Pending != 1000 || b.Pending != 2300 || a.Due != 0 {
		t.Errorf("pending: ann %+v, bob %+v", a, b)
	}
	if u, err := s.Unmatched(ctx, 7); err != nil || len(u) != 1 || u[0].Order != "X-1" {
		t.Errorf("unmatched %+v %v", u, err)
	}

	clk.t = day.AddDate(0, 0, 2)
	if _, err := st.Write(ctx, order.Write{Number: "A-2", Edit: order.Edit{Fields: order.Fields{Status: "cancelled"}}, Actor: "api", At: clk.t}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if a, b := owed("ann"), owed("bob"); a.Due != 500 || a.Voided != 500 || b.Due != 2300 {
		t.Errorf("after the hold and a cancel: ann %+v, bob %+v", a, b)
	}

	inv, err := s.MakeInvoice(ctx, "bob", time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || inv.Total != 2300 || len(inv.Lines) != 2 || inv.ID != "bob-2026-12" {
		t.Fatalf("Bob's December invoice: %+v %v", inv, err)
	}
	if _, err := s.MakeInvoice(ctx, "bob", time.Time{}, clk.t); !errors.Is(err, ErrNothingToInvoice) {
		t.Errorf("a second invoice of nothing: %v", err)
	}
	if _, err := s.MarkSent(ctx, inv.ID); err != nil {
		t.Fatal(err)
	}
	if inv, err = s.RecordPayment(ctx, inv.ID, Payment{Amount: 2000, Method: "Zelle"}); err != nil || inv.State != InvoiceSent {
		t.Errorf("part paid: %+v %v", inv, err)
	}
	if inv, err = s.RecordPayment(ctx, inv.ID, Payment{Amount: 300, Method: "Zelle"}); err != nil || inv.State != InvoicePaid {
		t.Errorf("paid: %+v %v", inv, err)
	}
	if b := owed("bob"); b.Paid != 2300 || b.Owes != 0 {
		t.Errorf("bob after paying: %+v", b)
	}

	clk.t = clk.t.AddDate(0, 0, 5)
	if _, err := st.Write(ctx, order.Write{Number: "B-1", Edit: order.Edit{Fields: order.Fields{Status: "refunded"}}, Actor: "api", At: clk.t}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Reconcile(ctx, "B-1"); err != nil {
		t.Fatal(err)
	}
	if b := owed("bob"); b.Credit != 2000 || b.Owes != -2000 {
		t.Errorf("bob after a refund of a paid order: %+v", b)
	}
	checkout(t, st, clk.t, "B-3", "Main", "b.o.b.cooks@gmail.com", "500", "verified")
	if _, err := s.Reconcile(ctx, "B-3"); err != nil {
		t.Fatal(err)
	}
	clk.t = clk.t.AddDate(0, 0, 3)
	if _, err := s.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	next, err := s.MakeInvoice(ctx, "bob", time.Time{}, clk.t)
	if err != nil || next.Total != 3000 || len(next.Credits) != 1 || next.Credits[0].Amount != -2000 || next.ID != "bob-2026-12-2" {
		t.Errorf("the next invoice, with the credit: %+v %v", next, err)
	}
	if b := owed("bob"); b.Credit != 0 || b.Invoiced != 5000 || b.Owes != 5000 {
		// Owes is what is billed; the credit is on the invoice, whose total is 30.00.
		t.Errorf("bob after the second invoice: %+v", b)
	}
	if err := s.RemoveClient(ctx, "bob"); !errors.Is(err, ErrOpenFees) {
		t.Errorf("removing a client who owes: %v", err)
	}
}

// TestAnAssignmentTeachesTheClient: the owner says an unmatched order is Ann's, and with
// teach her next order on that profile is hers without asking; an order in doubt waits.
func TestAnAssignmentTeachesTheClient(t *testing.T) {
	t.Parallel()
	s, st, clk := newService(t, Hold{})
	ctx := context.Background()
	rule, _ := ParseFeeRule("4")
	for _, c := range []Client{{Name: "Ann", Emails: []string{"@cooks.com"}, Fee: rule}, {Name: "Cat", Emails: []string{"@cooks.com"}, Fee: rule}} {
		if _, err := s.AddClient(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	checkout(t, st, clk.t, "N-1", "Card 7", "", "80", "verified")
	checkout(t, st, clk.t, "D-1", "", "x@cooks.com", "80", "verified")
	u, err := s.Unmatched(ctx, 3)
	if err != nil || len(u) != 2 {
		t.Fatalf("unmatched %+v %v", u, err)
	}
	for _, x := range u {
		if x.Order == "D-1" && len(x.Doubt) != 2 {
			t.Errorf("D-1 should be in doubt between Ann and Cat: %+v", x)
		}
	}
	fee, err := s.Assign(ctx, "N-1", "ann", true)
	if err != nil || fee == nil || fee.State != FeeDue || fee.Client != "ann" {
		t.Fatalf("assigned: %+v %v", fee, err)
	}
	checkout(t, st, clk.t, "N-2", "card 7", "", "80", "verified")
	if fee, err := s.Reconcile(ctx, "N-2"); err != nil || fee == nil || fee.Client != "ann" {
		t.Errorf("the next order on the taught profile: %+v %v", fee, err)
	}
	if fee, err := s.Assign(ctx, "D-1", "cat", false); err != nil || fee.Client != "cat" {
		t.Errorf("the order in doubt, given to Cat: %+v %v", fee, err)
	}
	if u, _ := s.Unmatched(ctx, 3); len(u) != 0 {
		t.Errorf("still unmatched: %+v", u)
	}
}

// TestClientFigures counts a client's checkouts of a period by outcome, and their fees.
func TestClientFigures(t *testing.T) {
	t.Parallel()
	s, st, clk := newService(t, Hold{})
	ctx := context.Background()
	rule, _ := ParseFeeRule("10%")
	if _, err := s.AddClient(ctx, Client{Name: "Ann", Profiles: []string{"Ann*"}, Fee: rule}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ number, status, total string }{{"F-1", "verified", "100"}, {"F-2", "declined", "50"}, {"F-3", "cancelled", "30"}, {"F-4", "shipped", "200"}} {
		checkout(t, st, clk.t, c.number, "Ann 1", "", c.total, c.status)
	}
	checkout(t, st, clk.t.AddDate(0, -2, 0), "OLD", "Ann 1", "", "999", "verified")
	if _, err := s.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	figs, err := s.ClientFigures(ctx, clk.t.AddDate(0, 0, -1), clk.t.AddDate(0, 0, 1))
	if err != nil || len(figs) != 1 {
		t.Fatalf("%+v %v", figs, err)
	}
	f := figs[0]
	if f.Checkouts != 4 || f.Declined != 1 || f.Cancelled != 1 || f.Spend != 30000 || f.SuccessRate != 0.75 || f.CancelRate != 0.5 ||
		f.FeesDue != 3000 || f.FeesVoided != 0 { // F-3 was cancelled before it had a fee
		t.Errorf("figures %+v", f)
	}
}

// TestSweepHeldBringsDueWhatTimeAloneEnds: the periodic sweep reads only the fees in
// their hold, and a hold of days ends with no change to the order.
func TestSweepHeldBringsDueWhatTimeAloneEnds(t *testing.T) {
	t.Parallel()
	s, st, clk := newService(t, Hold{Days: 2})
	ctx := context.Background()
	rule, _ := ParseFeeRule("5")
	if _, err := s.AddClient(ctx, Client{Name: "Ann", Profiles: []string{"Ann*"}, Fee: rule}); err != nil {
		t.Fatal(err)
	}
	checkout(t, st, clk.t, "H-1", "Ann 1", "", "100", "verified")
	checkout(t, st, clk.t, "H-2", "Ann 1", "", "100", "verified")
	if _, err := s.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := s.SweepHeld(ctx); err != nil || n != 0 {
		t.Errorf("within the hold: %d changed, %v", n, err)
	}
	clk.t = clk.t.AddDate(0, 0, 2)
	if n, err := s.SweepHeld(ctx); err != nil || n != 2 {
		t.Errorf("after the hold: %d changed, %v; want both due", n, err)
	}
	if due, _ := s.Fees(ctx, FeeFilter{States: []string{FeeDue}}); len(due) != 2 {
		t.Errorf("due fees %+v", due)
	}
}
