package orders

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roms-dev/roms/internal/bbolt"
	"github.com/roms-dev/roms/internal/bbolt/storetest"
	"github.com/roms-dev/roms/internal/live"
	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/parser"
)

func newPipeline(t testing.TB) (*Service, *bbolt.Store, *live.Hub) {
	t.Helper()
	st := storetest.New(t)
	hub := live.NewHub()
	return mustNew(t, st, Options{Publisher: hub, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}), st, hub
}

// mustNew is New for a test, which stops on its error.
func mustNew(t testing.TB, st order.Store, o Options) *Service {
	t.Helper()
	s, err := New(st, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func fixture(t *testing.T, name string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "parser", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

func httpInput(text string) Input {
	return Input{Origin: order.Origin{Source: order.SourceHTTP}, Text: text, ContentType: "text/plain"}
}

// TestGuideAdvancedTesting runs the three messages of the guide's "Advanced Testing":
// minimal and complete orders are created, the update changes TEST-001 in place.
func TestGuideAdvancedTesting(t *testing.T) {
	t.Parallel()
	p, st, _ := newPipeline(t)
	ctx := context.Background()
	steps := []struct {
		file, outcome, number string
	}{
		{"minimal.txt", order.OutcomeCreated, "TEST-001"},
		{"complete.txt", order.OutcomeCreated, "TEST-002"},
		{"update.txt", order.OutcomeUpdated, "TEST-001"},
		{"update.txt", order.OutcomeUnchanged, "TEST-001"},
	}
	for _, s := range steps {
		res, err := p.Ingest(ctx, httpInput(fixture(t, s.file)))
		if err != nil {
			t.Fatalf("%s: %v", s.file, err)
		}
		if res.Outcome != s.outcome || res.Order.OrderNumber != s.number {
			t.Fatalf("%s: %s %s, want %s %s", s.file, res.Outcome, res.Order.OrderNumber, s.outcome, s.number)
		}
	}
	o, err := st.Get(ctx, "TEST-001")
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != "shipped" || o.TrackingNumber != "1Z999AA10123456784" || o.Product != "Test Product" || *o.Price != 9999 || o.Email != "test@example.com" {
		t.Errorf("TEST-001 after update: %+v", o)
	}
	c, _ := st.Get(ctx, "TEST-002")
	if c.Quantity != 2 || *c.Total != 19998 || *c.Commission != 2000 || c.ReferenceNumber != "REF123" || c.PaymentMethod != "Credit Card" || c.Status != "shipped" {
		t.Errorf("TEST-002: %+v", c)
	}
	page, _ := st.List(ctx, order.Filter{})
	if len(page.Orders) != 2 {
		t.Errorf("%d orders, want 2", len(page.Orders))
	}
	logs, _ := st.Logs(ctx, 10)
	if len(logs) != 4 || logs[0].Outcome != order.OutcomeUnchanged || logs[3].Outcome != order.OutcomeCreated {
		t.Errorf("log outcomes wrong: %+v", logs)
	}
}

func TestEveryFixtureBecomesAnOrder(t *testing.T) {
	t.Parallel()
	p, _, _ := newPipeline(t)
	want := map[string]string{
		"refract-success.txt": "verified", "declined.txt": "declined",
		"minimal.txt": "verified", "complete.txt": "shipped",
	}
	for file, status := range want {
		res, err := p.Ingest(context.Background(), httpInput(fixture(t, file)))
		if err != nil || res.Outcome != order.OutcomeCreated || res.Order.Status != status {
			t.Errorf("%s: %s status %q err %v, want created %q", file, res.Outcome, res.Order.Status, err, status)
		}
	}
}

func TestPingWithoutOrderNumberIsIgnoredAndLogged(t *testing.T) {
	t.Parallel()
	p, st, _ := newPipeline(t)
	res, err := p.Ingest(context.Background(), httpInput("Refract webhook test\nThis is a test message"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != order.OutcomeIgnored || !strings.Contains(res.Reason, "no order number") {
		t.Errorf("got %+v", res)
	}
	logs, _ := st.Logs(context.Background(), 1)
	if len(logs) != 1 || logs[0].Outcome != order.OutcomeIgnored || !strings.Contains(logs[0].Body, "This is a test message") {
		t.Errorf("log = %+v", logs)
	}
}

func TestUnreadableInputIsRejectedAndLogged(t *testing.T) {
	t.Parallel()
	p, st, _ := newPipeline(t)
	tests := []struct {
		text string
		want error
	}{
		{"", parser.ErrEmpty},
		{"Order Number\n\xff\xfe", parser.ErrNotUTF8},
		{"\x00\x01binary", parser.ErrBinary},
	}
	for _, tt := range tests {
		if _, err := p.Ingest(context.Background(), httpInput(tt.text)); !errors.Is(err, tt.want) {
			t.Errorf("Ingest(%q) = %v, want %v", tt.text, err, tt.want)
		}
	}
	logs, _ := st.Logs(context.Background(), 10)
	if len(logs) != 3 {
		t.Fatalf("%d log entries, want 3", len(logs))
	}
	for _, l := range logs {
		if l.Outcome != order.OutcomeRejected || l.Error == "" {
			t.Errorf("log entry %+v", l)
		}
	}
	if logs[1].BodyBytes != 15 || !strings.HasPrefix(logs[1].Body, "Order Number\n") {
		t.Errorf("non-UTF-8 body not kept: %+v", logs[1])
	}
}

func TestCredentialsNeverReachTheLogOrTheOrder(t *testing.T) {
	t.Parallel()
	p, st, _ := newPipeline(t)
	text := "Successful Checkout | Target\nOrder Number\nP-1\nProxy\nresi.example.com:8000:bob:hunter22\n"
	res, err := p.Ingest(context.Background(), httpInput(text))
	if err != nil {
		t.Fatal(err)
	}
	if res.Order.ProxyList != "resi.example.com:8000" {
		t.Errorf("proxy %q", res.Order.ProxyList)
	}
	logs, _ := st.Logs(context.Background(), 1)
	if strings.Contains(logs[0].Body, "hunter22") || strings.Contains(logs[0].Body, "bob") {
		t.Errorf("log body keeps credentials: %q", logs[0].Body)
	}
}

func TestChangesArePublished(t *testing.T) {
	t.Parallel()
	p, _, hub := newPipeline(t)
	events, stop := hub.Subscribe(8)
	defer stop()
	ctx := context.Background()
	for _, f := range []string{"minimal.txt", "update.txt", "update.txt"} {
		if _, err := p.Ingest(ctx, httpInput(fixture(t, f))); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{order.OutcomeCreated, order.OutcomeUpdated} {
		select {
		case e := <-events:
			if e.Type != want || e.Order.OrderNumber != "TEST-001" {
				t.Errorf("event %s %s, want %s", e.Type, e.Order.OrderNumber, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no event")
		}
	}
	select {
	case e := <-events:
		t.Errorf("unchanged repeat published %+v", e)
	default:
	}
}

func TestOccurredAtIsTheOrderDate(t *testing.T) {
	t.Parallel()
	p, _, _ := newPipeline(t)
	in := httpInput(fixture(t, "minimal.txt"))
	in.OccurredAt = time.Date(2026, 11, 20, 18, 4, 4, 0, time.UTC)
	res, err := p.Ingest(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Order.OrderDate.Equal(in.OccurredAt) || res.Order.OrderTime != "18:04:04" {
		t.Errorf("order date %v %s", res.Order.OrderDate, res.Order.OrderTime)
	}
}

func TestUnknownStatusInAMessageIsKeptAsExtra(t *testing.T) {
	t.Parallel()
	p, _, _ := newPipeline(t)
	res, err := p.Ingest(context.Background(), httpInput("Successful Checkout | Target\nOrder Number\nS-1\nStatus\nAwaiting Pickup\n"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Order.Status != "verified" || res.Order.Extra["status"] != "awaiting_pickup" || len(res.Warnings) != 1 {
		t.Errorf("status %q extra %v warnings %v", res.Order.Status, res.Order.Extra, res.Warnings)
	}
}

func TestMessagesRecordTheirOriginAsActor(t *testing.T) {
	t.Parallel()
	p, st, _ := newPipeline(t)
	in := httpInput(fixture(t, "minimal.txt"))
	in.Origin = order.Origin{Source: order.SourceDiscord, ChannelID: "129", MessageID: "130"}
	if _, err := p.Ingest(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	ev, _ := st.Events(context.Background(), "TEST-001")
	if len(ev) != 1 || ev[0].Actor != "message:discord:129/130" {
		t.Errorf("events %+v", ev)
	}
}

// TestInferredFieldsAreKeptOnTheEvent: what the parser guessed is in the order's
// history, for a person to check; a post read by the table guesses nothing.
func TestInferredFieldsAreKeptOnTheEvent(t *testing.T) {
	t.Parallel()
	p, _, _ := newPipeline(t)
	ctx := context.Background()
	if _, err := p.Ingest(ctx, httpInput("Supreme Success\nNuméro de commande\n#RM-1\nMAIL\nbuyer%40example.com\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Ingest(ctx, httpInput("Successful Checkout | Target\nOrder Number\nRM-1\nStatus\nShipped\n")); err != nil {
		t.Fatal(err)
	}
	events, err := p.Events(ctx, "RM-1")
	if err != nil || len(events) != 2 {
		t.Fatalf("events %v %v", events, err)
	}
	if got := strings.Join(events[0].Inferred, ","); got != "order_number,email,store" {
		t.Errorf("inferred on the first event: %q", got)
	}
	if events[1].Inferred != nil {
		t.Errorf("inferred on the second event: %v", events[1].Inferred)
	}
}

// TestACartIsIgnored: a carted product is not a checkout and never counts as one, but
// its post is kept in the log.
func TestACartIsIgnored(t *testing.T) {
	t.Parallel()
	p, _, _ := newPipeline(t)
	res, err := p.Ingest(context.Background(), httpInput("Successfully carted\nProduct\nGW2871\nOrder\nBSK-5f3a9c1e\n"))
	if err != nil || res.Outcome != order.OutcomeIgnored || !strings.Contains(res.Reason, "carted") {
		t.Fatalf("outcome %q reason %q err %v", res.Outcome, res.Reason, err)
	}
	if res.LogID == 0 {
		t.Error("the cart's post was not logged")
	}
}

// TestReplayKeepsLaterChanges is the finding: replaying an old checkout after a
// cancellation and a correction put the order back to verified at its old price. A
// replay now leaves what changed since as it is, and still applies the rest.
func TestReplayKeepsLaterChanges(t *testing.T) {
	t.Parallel()
	p, _, _ := newPipeline(t)
	ctx := context.Background()
	res, err := p.Ingest(ctx, httpInput("Successful Checkout | Target\nProduct\nETB\nPrice\n$10.00\nOrder Number\nRP-1\n"))
	if err != nil {
		t.Fatal(err)
	}
	price := order.Money(1200)
	if _, err := p.Correct(ctx, "RP-1", order.Edit{Fields: order.Fields{Status: order.StatusCancelled, Price: &price}}, order.ActorAPI); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Correct(ctx, "RP-1", order.Edit{Clear: []string{"product"}}, order.ActorAPI); err != nil {
		t.Fatal(err)
	}
	r, err := p.Replay(ctx, res.LogID, ReplayActor(res.LogID))
	if err != nil {
		t.Fatal(err)
	}
	o, _ := p.Get(ctx, "RP-1")
	if o.Status != order.StatusCancelled || o.Price == nil || *o.Price != price {
		t.Errorf("after the replay: status %q price %v, want the later cancellation and correction", o.Status, o.Price)
	}
	if strings.Join(r.Kept, ",") != "price,product,status" || o.Product != "" {
		t.Errorf("kept %v, product %q", r.Kept, o.Product)
	}
}
