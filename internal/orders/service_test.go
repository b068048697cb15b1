package orders

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/roms-dev/roms/internal/bbolt/storetest"
	"github.com/roms-dev/roms/internal/live"
	"github.com/roms-dev/roms/internal/order"
)

func ptr[T any](v T) *T { return &v }

func cents(v int64) *order.Money { m := order.Money(v); return &m }

var newYork, _ = time.LoadLocation("America/New_York")

// newService returns a service on a fresh store, in New York time, with its clock at now.
func newService(t *testing.T, now time.Time) (*Service, *live.Hub) {
	t.Helper()
	hub := live.NewHub()
	s := mustNew(t, storetest.New(t), Options{Publisher: hub, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Location: newYork})
	s.now = func() time.Time { return now }
	return s, hub
}

var now = time.Date(2026, 11, 27, 2, 30, 0, 0, time.UTC) // 21:30 on the 26th in New York

func seed(t *testing.T, s *Service) {
	t.Helper()
	text := "Successful Checkout | Best Buy US\nProduct\nSTARLINK Mini\nPrice\n$299.99\nProfile\nChase 2\nOrder Number\n#BBY01-1\nEmail\nbob@example.com\n"
	if _, err := s.Ingest(context.Background(), Input{Origin: order.Origin{Source: order.SourceHTTP}, Text: text, ReceivedAt: now}); err != nil {
		t.Fatal(err)
	}
}

func TestChanges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		change  func(s *Service) (order.Result, error)
		wantErr string // the exact refusal, or "" for success
		outcome string
		check   func(o order.Order) bool
		event   string // the type of the event the change leaves, "" for none
	}{
		{
			name: "fix a wrong price; the derived total follows",
			change: func(s *Service) (order.Result, error) {
				return s.Correct(context.Background(), "bby01-1", order.Edit{Fields: order.Fields{Price: cents(28999)}}, order.ActorAPI)
			},
			outcome: order.OutcomeUpdated,
			check:   func(o order.Order) bool { return *o.Price == 28999 && *o.Total == 28999 },
			event:   order.EventUpdated,
		},
		{
			name: "status in any case, tracking pasted as one string",
			change: func(s *Service) (order.Result, error) {
				return s.Correct(context.Background(), "BBY01-1", order.Edit{Fields: order.Fields{Status: "Shipped", TrackingNumbers: []string{"1Z999, 1Z888"}}}, order.ActorDiscordUser("42"))
			},
			outcome: order.OutcomeUpdated,
			check: func(o order.Order) bool {
				return o.Status == "shipped" && o.TrackingNumber == "1Z999, 1Z888" && o.ShippedDate != nil
			},
			event: order.EventUpdated,
		},
		{
			name: "clear the email and the profile",
			change: func(s *Service) (order.Result, error) {
				return s.Correct(context.Background(), "BBY01-1", order.Edit{Clear: []string{"email", "profile"}}, order.ActorAPI)
			},
			outcome: order.OutcomeUpdated,
			check:   func(o order.Order) bool { return o.Email == "" && o.Profile == "" && o.Product == "STARLINK Mini" },
			event:   order.EventUpdated,
		},
		{
			name: "a misspelt status is refused with the valid ones",
			change: func(s *Service) (order.Result, error) {
				return s.Correct(context.Background(), "BBY01-1", order.Edit{Fields: order.Fields{Status: "delivred"}}, order.ActorAPI)
			},
			wantErr: `status: "delivred" is not a status; use one of verified, pending, processing, unverified, review_hold, declined, cancelled, shipped, delivered, received, returned, refunded`,
		},
		{
			name: "more received than ordered is refused",
			change: func(s *Service) (order.Result, error) {
				return s.Correct(context.Background(), "BBY01-1", order.Edit{Fields: order.Fields{QtyReceived: ptr(5)}}, order.ActorAPI)
			},
			wantErr: "qty_received: 5 is more than the quantity ordered (1)",
		},
		{
			name: "received within a raised quantity is fine",
			change: func(s *Service) (order.Result, error) {
				return s.Correct(context.Background(), "BBY01-1", order.Edit{Fields: order.Fields{Quantity: ptr(5), QtyReceived: ptr(5)}}, order.ActorAPI)
			},
			outcome: order.OutcomeUpdated,
			check:   func(o order.Order) bool { return o.QtyReceived == 5 && *o.Total == 149995 },
			event:   order.EventUpdated,
		},
		{
			name: "several bad values are refused together",
			change: func(s *Service) (order.Result, error) {
				return s.Correct(context.Background(), "BBY01-1", order.Edit{Fields: order.Fields{Quantity: ptr(0), Currency: "dollars", Email: "bob", Price: cents(-1)}, Clear: []string{"order_number"}}, order.ActorAPI)
			},
			wantErr: `currency: "DOLLARS" is not a three-letter code such as USD or EUR; email: "bob" is not an email address; ` +
				`order_number: cannot be cleared; these can: ` + strings.Join(order.Clearable, ", ") + `; price: must not be negative; quantity: must be at least 1`,
		},
		{
			name: "an empty edit is refused",
			change: func(s *Service) (order.Result, error) {
				return s.Correct(context.Background(), "BBY01-1", order.Edit{}, order.ActorAPI)
			},
			wantErr: ErrNothingToChange.Error(),
		},
		{
			name: "an edit of an unknown order is not found",
			change: func(s *Service) (order.Result, error) {
				return s.Correct(context.Background(), "NOPE", order.Edit{Fields: order.Fields{Notes: "x"}}, order.ActorAPI)
			},
			wantErr: "store order NOPE: order not found",
		},
		{
			name: "the same value again changes nothing",
			change: func(s *Service) (order.Result, error) {
				return s.Correct(context.Background(), "BBY01-1", order.Edit{Fields: order.Fields{Profile: "Chase 2"}}, order.ActorAPI)
			},
			outcome: order.OutcomeUnchanged,
			check:   func(o order.Order) bool { return o.Profile == "Chase 2" },
		},
		{
			name: "create by hand",
			change: func(s *Service) (order.Result, error) {
				return s.Create(context.Background(), order.Fields{OrderNumber: "#MAN-1", Product: "Hand made", Price: cents(1000), Quantity: ptr(2), Currency: "usd"}, order.ActorAPI)
			},
			outcome: order.OutcomeCreated,
			check: func(o order.Order) bool {
				return o.OrderNumber == "MAN-1" && *o.Total == 2000 && o.Currency == "USD" && o.Source == order.SourceAPI
			},
			event: order.EventCreated,
		},
		{
			name: "create by hand from the text format",
			change: func(s *Service) (order.Result, error) {
				res, _, err := s.CreateFromText(context.Background(), "Successful Checkout | Target\nOrder Number\nTXT-1\nPrice\n$5\n", order.ActorAPI)
				return res, err
			},
			outcome: order.OutcomeCreated,
			check:   func(o order.Order) bool { return o.Store == "Target" && o.Status == "verified" && *o.Price == 500 },
			event:   order.EventCreated,
		},
		{
			name: "create of a known number is refused",
			change: func(s *Service) (order.Result, error) {
				return s.Create(context.Background(), order.Fields{OrderNumber: "bby01-1"}, order.ActorAPI)
			},
			wantErr: "store order bby01-1: an order with this number exists already",
		},
		{
			name: "create without a number is refused",
			change: func(s *Service) (order.Result, error) {
				return s.Create(context.Background(), order.Fields{Product: "x"}, order.ActorAPI)
			},
			wantErr: "order_number: is required",
		},
		{
			name: "delete",
			change: func(s *Service) (order.Result, error) {
				return s.Delete(context.Background(), "BBY01-1", order.ActorImport("batch-7"))
			},
			outcome: order.OutcomeDeleted,
			check:   func(o order.Order) bool { return o.DeletedAt != nil },
			event:   order.EventDeleted,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, hub := newService(t, now)
			seed(t, s)
			changes, stop := hub.Subscribe(8)
			defer stop()
			res, err := tt.change(s)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v\nwant %s", err, tt.wantErr)
				}
				if ev, _ := s.Events(context.Background(), "BBY01-1"); len(ev) != 1 {
					t.Errorf("a refused change left an event: %+v", ev)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Outcome != tt.outcome || !tt.check(res.Order) {
				t.Fatalf("%s %+v", res.Outcome, res.Order)
			}
			if tt.event == "" {
				select {
				case c := <-changes:
					t.Errorf("no change published %+v", c)
				default:
				}
				return
			}
			events, _ := s.Events(context.Background(), res.Order.OrderNumber)
			last := events[len(events)-1]
			if last.Type != tt.event || last.Actor == "" {
				t.Errorf("last event %+v, want %s with an actor", last, tt.event)
			}
			select {
			case c := <-changes:
				if c.Type != res.Outcome || c.Actor != last.Actor {
					t.Errorf("published %s by %s", c.Type, c.Actor)
				}
			default:
				t.Error("change not published")
			}
		})
	}
}

func TestDeleteThenRestoreBringsTheOrderBack(t *testing.T) {
	t.Parallel()
	s, _ := newService(t, now)
	seed(t, s)
	ctx := context.Background()
	if _, err := s.Delete(ctx, "BBY01-1", order.ActorAPI); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.Stats(ctx, order.Filter{}, order.GroupNone); st.Overall.Checkouts != 0 {
		t.Errorf("deleted order counted: %+v", st.Overall)
	}
	res, err := s.Restore(ctx, "BBY01-1", order.ActorAPI)
	if err != nil || res.Outcome != order.OutcomeRestored {
		t.Fatalf("restore %s %v", res.Outcome, err)
	}
	if page, _ := s.List(ctx, order.Filter{}); page.Total != 1 {
		t.Errorf("restored order not listed")
	}
	ev, _ := s.Events(ctx, "BBY01-1")
	if len(ev) != 3 || ev[0].Actor != "message:http" || ev[2].Type != order.EventRestored || ev[2].Actor != "api" {
		t.Errorf("history %+v", ev)
	}
}

func TestDaysAreInTheConfiguredTimeZone(t *testing.T) {
	t.Parallel()
	s, _ := newService(t, now)
	seed(t, s) // received 21:30 on the 26th in New York, 02:30 on the 27th in UTC
	ctx := context.Background()
	o, _ := s.Get(ctx, "BBY01-1")
	if o.OrderTime != "21:30:00" || o.OrderDate.Format(time.DateOnly) != "2026-11-26" {
		t.Errorf("order date %v time %s", o.OrderDate, o.OrderTime)
	}
	for _, tt := range []struct {
		from, to string
		want     int
	}{
		{"today", "today", 1},
		{"2026-11-26", "2026-11-26", 1},
		{"2026-11-27", "", 0},
		{"yesterday", "yesterday", 0},
		{"week", "", 1},
		{"month", "month", 1},
	} {
		from, err1 := s.Day(tt.from, false)
		to, err2 := s.Day(tt.to, true)
		if err := errors.Join(err1, err2); err != nil {
			t.Fatal(err)
		}
		if page, _ := s.List(ctx, order.Filter{From: from, To: to}); page.Total != tt.want {
			t.Errorf("from %s to %s: %d orders, want %d", tt.from, tt.to, page.Total, tt.want)
		}
	}
	st, _ := s.Stats(ctx, order.Filter{}, order.GroupDay)
	if st.TimeZone != "America/New_York" || len(st.Groups) != 1 || st.Groups[0].Group != "2026-11-26" {
		t.Errorf("stats %+v", st)
	}
	for _, tt := range []struct {
		text string
		end  bool
		want string
	}{
		{"last-week", false, "2026-11-16"}, {"last-week", true, "2026-11-23"},
		{"last-month", false, "2026-10-01"}, {"last-month", true, "2026-11-01"},
	} {
		if got, err := s.Day(tt.text, tt.end); err != nil || got.Format(time.DateOnly) != tt.want || got.Location() != newYork {
			t.Errorf("%s (end %v): %v %v, want midnight %s in New York", tt.text, tt.end, got, err, tt.want)
		}
	}
	if _, err := s.Day("next tuesday", false); !errors.Is(err, ErrBadTime) {
		t.Errorf("bad day: %v", err)
	}
}

func TestExportIsASpreadsheetSafeCSV(t *testing.T) {
	t.Parallel()
	s, _ := newService(t, now)
	seed(t, s)
	ctx := context.Background()
	if _, err := s.Create(ctx, order.Fields{OrderNumber: "EVIL-1", Product: "=HYPERLINK(\"http://x\")", Notes: "Café crème", Price: cents(100)}, order.ActorAPI); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	n, err := s.Export(ctx, order.Filter{Sort: order.SortDateAsc}, &buf)
	if err != nil || n != 2 {
		t.Fatalf("export %d rows: %v", n, err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte(utf8BOM)) {
		t.Error("no byte order mark")
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), utf8BOM))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := strings.Join(rows[0][:19], ",")
	if head != "Date,Time,Product,Price,Total,Commission,Quantity,Profile,Proxy List,Order Number,Email,Reference #,Posted Date,Tracking Number,Status,QTY Received,Order ID,Created,Modified" || rows[0][19] != "Store" {
		t.Errorf("header %q", rows[0])
	}
	first := rows[1]
	if first[0] != "2026-11-26" || first[1] != "21:30:00" || first[3] != "299.99" || first[9] != "BBY01-1" || first[19] != "Best Buy US" {
		t.Errorf("first row %q", first)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	if evil := rows[2]; evil[col["Product"]] != "'=HYPERLINK(\"http://x\")" || evil[col["Notes"]] != "Café crème" {
		t.Errorf("second row %q", evil)
	}
}

func TestExportStopsWithItsContext(t *testing.T) {
	t.Parallel()
	s, _ := newService(t, now)
	for i := range 3 {
		if _, err := s.Create(context.Background(), order.Fields{OrderNumber: fmt.Sprint("C-", i)}, order.ActorAPI); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Export(ctx, order.Filter{}, io.Discard); !errors.Is(err, context.Canceled) {
		t.Errorf("export with a cancelled context: %v", err)
	}
}

func TestZoneNameSaysWhatTheMachinesZoneIs(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	if got := ZoneName(newYork, at); got != "America/New_York" {
		t.Errorf("named zone: %q", got)
	}
	if got := ZoneName(time.Local, at); got == "Local" || !strings.Contains(got, "UTC") {
		t.Errorf("the machine's zone: %q", got)
	}
}

// TestPasswordsInCorrectionsAreRedacted checks that a proxy password typed into a
// correction, a hand-made order or an import row reaches neither the store nor the live
// stream, as one in a checkout message does not.
func TestPasswordsInCorrectionsAreRedacted(t *testing.T) {
	t.Parallel()
	s, hub := newService(t, now)
	seed(t, s)
	changes, stop := hub.Subscribe(8)
	defer stop()
	ctx := context.Background()
	edit := order.Edit{Fields: order.Fields{
		Notes:     "swapped proxy to localhost:8080:me:hunter 22",
		ProxyList: "[2001:db8::1]:8080:me:hunter22",
		Extra:     map[string]string{"Proxy Password": "hunter22", "Size": "10"},
	}}
	if _, err := s.Correct(ctx, "BBY01-1", edit, order.ActorAPI); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, order.Fields{OrderNumber: "HAND-1", Notes: "Password: hunter22"}, order.ActorAPI); err != nil {
		t.Fatal(err)
	}
	var kept bytes.Buffer
	for _, number := range []string{"BBY01-1", "HAND-1"} {
		o, err := s.Get(ctx, number)
		if err != nil {
			t.Fatal(err)
		}
		events, err := s.Events(ctx, number)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&kept, "%+v\n%+v\n", o, events)
	}
	for range 2 {
		fmt.Fprintf(&kept, "%+v\n", <-changes)
	}
	if strings.Contains(kept.String(), "hunter") {
		t.Fatalf("a password was kept or published:\n%s", kept.String())
	}
	if !strings.Contains(kept.String(), "localhost:8080") || !strings.Contains(kept.String(), "Size:10") {
		t.Errorf("redaction took more than the credentials:\n%s", kept.String())
	}
}

// TestACartIsStoredWithItsSum checks that the summed total of a cart survives the merge
// (a cart has no single unit price from which a total would be derived), and its items
// are stored.
func TestACartIsStoredWithItsSum(t *testing.T) {
	t.Parallel()
	s, _ := newService(t, now)
	text := "Successful Checkout | Target\nOrder Number: CART-1\nProduct (1)\nETB\nPrice (1)\n$49.99\nQuantity (1)\n2\nProduct (2)\nBooster Bundle\nPrice (2)\n$26.94\n"
	if _, err := s.Ingest(context.Background(), Input{Origin: order.Origin{Source: order.SourceHTTP}, Text: text, ReceivedAt: now}); err != nil {
		t.Fatal(err)
	}
	o, err := s.Get(context.Background(), "CART-1")
	if err != nil {
		t.Fatal(err)
	}
	if o.Total == nil || *o.Total != 12692 || o.Quantity != 3 || o.Product != "ETB + Booster Bundle" ||
		len(o.Items) != 2 || o.Items[1].Price == nil || *o.Items[1].Price != 2694 || o.Items[0].Quantity != 2 {
		t.Errorf("stored cart: total %v quantity %d product %q items %+v", o.Total, o.Quantity, o.Product, o.Items)
	}
	stats, err := s.Stats(context.Background(), order.Filter{}, "store")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%+v", stats); !strings.Contains(got, "126.92") {
		t.Errorf("spend does not count the whole cart: %s", got)
	}
}
