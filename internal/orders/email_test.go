package orders

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/roms-dev/roms/internal/order"
)

func emailFixture(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "email", "testdata", name+".eml"))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func ingestEmail(t *testing.T, s *Service, name string) Ingested {
	t.Helper()
	res, err := s.IngestEmail(context.Background(), "main", emailFixture(t, name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res
}

func checkout(t *testing.T, s *Service, store, number string) {
	t.Helper()
	text := "Successful Checkout | " + store + "\nProduct\nSomething\nPrice\n$10.00\nOrder Number\n" + number + "\n"
	if _, err := s.Ingest(context.Background(), Input{Origin: order.Origin{Source: order.SourceHTTP}, Text: text}); err != nil {
		t.Fatal(err)
	}
}

// TestEmailsKeepAnOrdersStatusAndTrackingTrue follows an order through its retailer's
// emails: shipped (with tracking, by the email's actor and date), the same email again,
// a late confirmation and a late "shipped" after "delivered" (forward only).
func TestEmailsKeepAnOrdersStatusAndTrackingTrue(t *testing.T) {
	t.Parallel()
	s, _, _ := newPipeline(t)
	ctx := context.Background()
	checkout(t, s, "Best Buy US", "BBY01-807102506907")

	if res := ingestEmail(t, s, "bestbuy-shipped"); res.Outcome != order.OutcomeUpdated {
		t.Fatalf("shipped email: %s %s", res.Outcome, res.Reason)
	}
	o, _ := s.Get(ctx, "BBY01-807102506907")
	if o.Status != order.StatusShipped || !slices.Equal(o.TrackingNumbers, []string{"1Z0X5W242034567895"}) || o.Extra["Carrier"] != "UPS" {
		t.Errorf("after the shipped email: status %s, tracking %v, extra %v", o.Status, o.TrackingNumbers, o.Extra)
	}
	events, _ := s.Events(ctx, o.OrderNumber)
	last := events[len(events)-1]
	if last.Actor != "email:main" || !last.At.Equal(time.Date(2026, 11, 26, 14, 15, 0, 0, time.UTC)) ||
		last.Origin.MessageID != "bby-ship-1@emailinfo.bestbuy.com" {
		t.Errorf("the change is by %q at %s, want email:main at the email's date", last.Actor, last.At)
	}
	if res := ingestEmail(t, s, "bestbuy-shipped"); res.Outcome != order.OutcomeDuplicate {
		t.Errorf("the same email again: %s", res.Outcome)
	}
	if res := ingestEmail(t, s, "forwarded-inline"); res.Outcome != order.OutcomeUnchanged {
		t.Errorf("a forward of the same news: %s", res.Outcome)
	}
	ingestEmail(t, s, "bestbuy-confirmed") // older news: nothing moves back
	if o, _ := s.Get(ctx, o.OrderNumber); o.Status != order.StatusShipped {
		t.Errorf("a late confirmation moved the status to %s", o.Status)
	}

	checkout(t, s, "Walmart", "2000123-4567890")
	ingestEmail(t, s, "walmart-delivered")
	if o, _ := s.Get(ctx, "2000123-4567890"); o.Status != order.StatusDelivered || len(o.TrackingNumbers) != 1 {
		t.Errorf("delivered email: %s %v", o.Status, o.TrackingNumbers)
	}
	ingestEmail(t, s, "walmart-partial-cancel") // some items only: left for a look
	if o, _ := s.Get(ctx, "2000123-4567890"); o.Status != order.StatusDelivered {
		t.Errorf("a partial cancellation moved the status to %s", o.Status)
	}
}

// TestACancellationAfterShippingIsKeptForALook: not applied, listed for review with why.
func TestACancellationAfterShippingIsKeptForALook(t *testing.T) {
	t.Parallel()
	s, _, _ := newPipeline(t)
	ctx := context.Background()
	checkout(t, s, "Target", "102000987654321")
	if _, err := s.Correct(ctx, "102000987654321", order.Edit{Fields: order.Fields{Status: order.StatusShipped}}, order.ActorAPI); err != nil {
		t.Fatal(err)
	}
	ingestEmail(t, s, "target-cancelled")
	if o, _ := s.Get(ctx, "102000987654321"); o.Status != order.StatusShipped {
		t.Errorf("a cancellation after shipping was applied: %s", o.Status)
	}
	list, err := s.Review(ctx, 10, "")
	if err != nil || len(list) != 1 || list[0].Source != "email:main" || !strings.Contains(list[0].Reason, "already shipped") {
		t.Fatalf("review list %+v %v", list, err)
	}

	checkout(t, s, "Target", "102000123456789") // not shipped yet: a cancellation applies
	other := "From: Target <orders@oe1.target.com>\r\nSubject: Your order has been canceled\r\nMessage-ID: <tgt-cancel-9@oe1.target.com>\r\n" +
		"Date: Fri, 27 Nov 2026 16:05:00 +0000\r\n\r\nWe had to cancel your order.\r\nOrder #102000123456789\r\n"
	if _, err := s.IngestEmail(ctx, "main", []byte(other)); err != nil {
		t.Fatal(err)
	}
	if o, _ := s.Get(ctx, "102000123456789"); o.Status != order.StatusCancelled {
		t.Errorf("a cancellation before shipping: %s", o.Status)
	}
}

// TestAConfirmationOfAnUnseenOrderCreatesIt, and an email of no order is ignored with its
// one-time code kept out of the log.
func TestAConfirmationOfAnUnseenOrderCreatesIt(t *testing.T) {
	t.Parallel()
	s, _, _ := newPipeline(t)
	ctx := context.Background()
	if res := ingestEmail(t, s, "pokemoncenter-confirmed"); res.Outcome != order.OutcomeCreated {
		t.Fatalf("confirmation: %s %s", res.Outcome, res.Reason)
	}
	o, err := s.Get(ctx, "P123456789")
	if err != nil || o.Store != "Pokémon Center" || o.Origin.Source != order.SourceEmail || o.Status != order.StatusVerified || o.Quantity != 2 {
		t.Errorf("created %+v %v", o, err)
	}
	for _, name := range []string{"marketing", "verification-code"} {
		if res := ingestEmail(t, s, name); res.Outcome != order.OutcomeIgnored {
			t.Errorf("%s: %s", name, res.Outcome)
		}
	}
	logs, _ := s.FindLogs(ctx, order.LogFilter{Limit: 10})
	for _, e := range logs.Entries {
		if strings.Contains(e.Body, "482913") || strings.Contains(e.Body, "hunter2") {
			t.Errorf("a one-time code or password is in the log: %q", e.Body)
		}
	}
}

// TestAnEmailOfAKnownOrderThatSaysNothingReadableIsListedForALook.
func TestAnEmailOfAKnownOrderThatSaysNothingReadableIsListedForALook(t *testing.T) {
	t.Parallel()
	s, _, _ := newPipeline(t)
	ctx := context.Background()
	checkout(t, s, "Nike", "C01234567890")
	raw := "From: Nike <nike@official.nike.com>\r\nSubject: An update about C01234567890\r\nMessage-ID: <nike-odd@nike.com>\r\n" +
		"Date: Fri, 27 Nov 2026 16:05:00 +0000\r\n\r\nSomething about your order C01234567890 we cannot put in words.\r\n"
	if _, err := s.IngestEmail(ctx, "main", []byte(raw)); err != nil {
		t.Fatal(err)
	}
	list, err := s.Review(ctx, 10, "email:main")
	if err != nil || len(list) != 1 || !strings.Contains(list[0].Reason, "could not read") || list[0].OrderNumber != "C01234567890" {
		t.Errorf("review list %+v %v", list, err)
	}
}
