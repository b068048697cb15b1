package orders

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/roms-dev/roms/internal/order"
)

// seedForImports stores the orders the import fixtures name.
func seedForImports(t *testing.T, s *Service) {
	t.Helper()
	for _, f := range []order.Fields{
		{OrderNumber: "BBY01-807102506907", Product: "Starlink", Price: cents(29999), TrackingNumbers: []string{"1Z999AA10123456784"}},
		{OrderNumber: "TGT-1001", Product: "Booster Box", Price: cents(12999), Quantity: ptr(2)},
		{OrderNumber: "WM-55", Product: "PS5", Price: cents(49999)},
		{OrderNumber: "BBY01-900", Product: "Switch 2", Status: "review_hold"},
	} {
		if _, err := s.Create(context.Background(), f, order.ActorAPI); err != nil {
			t.Fatal(err)
		}
	}
}

func importFile(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "imports", name))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// reasons are the rejected rows' reasons, keyed by the row's file line.
func reasons(t *testing.T, rejected string) map[string]string {
	t.Helper()
	out := map[string]string{}
	if rejected == "" {
		return out
	}
	rows, err := csv.NewReader(strings.NewReader(rejected)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows[1:] {
		out[r[0]] = r[len(r)-1]
	}
	return out
}

func TestImports(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind, file string
		want       ImportSummary // counts only
		rejected   map[string]string
		check      func(t *testing.T, s *Service)
	}{
		{kind: ImportTracking, file: "tracking-excel-semicolon.csv",
			want:     ImportSummary{Rows: 5, Updated: 2, Unchanged: 1, NotFound: 1, Invalid: 1},
			rejected: map[string]string{"5": "no order with number NOPE-404", "6": "no tracking number"},
			check: func(t *testing.T, s *Service) {
				o, _ := s.Get(context.Background(), "BBY01-807102506907")
				if o.TrackingNumber != "1Z999AA10123456784, 1Z999AA10123456785" {
					t.Errorf("two rows for one order add to its list: %q", o.TrackingNumber)
				}
			}},
		{kind: ImportReceived, file: "received.csv",
			want: ImportSummary{Rows: 5, Updated: 2, NotFound: 1, Invalid: 2},
			rejected: map[string]string{"4": "qty_received: 3 is more than the quantity ordered (2)",
				"5": "no order with order number or tracking number 9999", "6": `quantity received "lots" is not a whole number`},
			check: func(t *testing.T, s *Service) {
				o, _ := s.Get(context.Background(), "TGT-1001")
				if o.QtyReceived != 2 || o.Status != "received" || *o.Total != 25998 {
					t.Errorf("TGT-1001 %+v", o)
				}
				b, _ := s.Get(context.Background(), "BBY01-807102506907")
				if b.QtyReceived != 1 || b.Status != "delivered" {
					t.Errorf("found by its tracking number: %+v", b)
				}
			}},
		{kind: ImportCharges, file: "charges-amex.csv",
			want: ImportSummary{Rows: 5, Updated: 2, NotFound: 1, Invalid: 1, Conflicts: 1},
			rejected: map[string]string{"4": "conflict: the order has reference_number 320261122002 already, not 320261123999",
				"5": `no order number found in the description "UBER EATS"`, "6": `date "not a date" is not one ROMS reads (2026-11-20 or 11/20/2026)`},
			check: func(t *testing.T, s *Service) {
				o, _ := s.Get(context.Background(), "BBY01-807102506907")
				if o.ReferenceNumber != "320261121001" || o.PostedDate == nil || o.PostedDate.In(newYork).Format("2006-01-02") != "2026-11-21" {
					t.Errorf("charge not on the order: %+v", o)
				}
			}},
		{kind: ImportCancellations, file: "cancellations.txt",
			want:     ImportSummary{Rows: 3, Updated: 2, NotFound: 1},
			rejected: map[string]string{"3": "no order with number nope-1"},
			check: func(t *testing.T, s *Service) {
				o, _ := s.Get(context.Background(), "BBY01-900")
				if o.Status != "cancelled" {
					t.Errorf("status %q", o.Status)
				}
			}},
		{kind: ImportOrders, file: "orders.txt",
			want:     ImportSummary{Rows: 4, Created: 3, Invalid: 1},
			rejected: map[string]string{"23": "no order number in the message (a test ping or another bot's post?)"},
			check: func(t *testing.T, s *Service) {
				o, _ := s.Get(context.Background(), "912004455667")
				if o.Product != "Switch 2 Mario Kart Bundle" || o.Source != order.SourceImport {
					t.Errorf("pasted message: %+v", o)
				}
				if d, _ := s.Get(context.Background(), "BBY01-111"); d.Status != "declined" {
					t.Errorf("declined message: %+v", d)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s, _ := newService(t, now)
			seedForImports(t, s)
			sum, err := s.Import(context.Background(), tt.kind, importFile(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got := sum
			got.Batch, got.Kind, got.Rejected, got.Notes = "", "", "", nil
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("summary %+v, want %+v", got, tt.want)
			}
			if r := reasons(t, sum.Rejected); fmt.Sprint(r) != fmt.Sprint(tt.rejected) {
				t.Errorf("rejected rows %v\nwant %v\n%s", r, tt.rejected, sum.Rejected)
			}
			tt.check(t, s)
			events, _ := s.EventsBy(context.Background(), order.ActorImport(sum.Batch))
			if len(events) != tt.want.Updated+tt.want.Created { // unchanged rows leave no event
				t.Errorf("%d events by the batch, want %d", len(events), tt.want.Updated+tt.want.Created)
			}
		})
	}
}

func TestBadImportFilesSayWhatIsWrong(t *testing.T) {
	t.Parallel()
	s, _ := newService(t, now)
	for _, tt := range []struct {
		kind, file, want string
	}{
		{ImportTracking, "wrong-headers.csv", "the tracking file needs a column named order number or order or order #; its columns are: item, carrier, code"},
		{ImportTracking, "empty.csv", ErrEmptyFile.Error()},
		{ImportReceived, "screenshot.png", ErrBinaryFile.Error()},
		{ImportOrders, "screenshot.png", ErrBinaryFile.Error()},
		{"receipts", "received.csv", `kind: "receipts" is not one of orders, tracking, received, charges, cancellations`},
	} {
		_, err := s.Import(context.Background(), tt.kind, importFile(t, tt.file))
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s %s: %v\nwant %s", tt.kind, tt.file, err, tt.want)
		}
	}
}

func TestUndoRevertsABatchButNotLaterEdits(t *testing.T) {
	t.Parallel()
	s, _ := newService(t, now)
	seedForImports(t, s)
	ctx := context.Background()
	received, err := s.Import(ctx, ImportReceived, importFile(t, "received.csv"))
	if err != nil {
		t.Fatal(err)
	}
	created, err := s.Import(ctx, ImportOrders, importFile(t, "orders.txt"))
	if err != nil {
		t.Fatal(err)
	}
	// Someone fixes BBY01-807102506907's status after the import: the undo must keep it.
	if _, err := s.Correct(ctx, "BBY01-807102506907", order.Edit{Fields: order.Fields{Status: "shipped"}}, order.ActorAPI); err != nil {
		t.Fatal(err)
	}
	sum, err := s.Undo(ctx, received.Batch, order.ActorDiscordUser("42"))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Orders != 2 || sum.Reverted != 2 || sum.LeftAlone != 1 {
		t.Errorf("undo %+v", sum)
	}
	tgt, _ := s.Get(ctx, "TGT-1001")
	if tgt.QtyReceived != 0 || tgt.Status != "verified" || *tgt.Total != 25998 {
		t.Errorf("TGT-1001 after undo: received %d status %s total %s", tgt.QtyReceived, tgt.Status, tgt.Total)
	}
	bby, _ := s.Get(ctx, "BBY01-807102506907")
	if bby.QtyReceived != 0 || bby.Status != "shipped" {
		t.Errorf("BBY after undo: received %d status %s (the later edit must stay)", bby.QtyReceived, bby.Status)
	}
	events, _ := s.Events(ctx, "TGT-1001")
	if last := events[len(events)-1]; last.Actor != "discord-user:42" {
		t.Errorf("the undo is not in the history: %+v", last)
	}
	undone, err := s.Undo(ctx, created.Batch, order.ActorAPI)
	if err != nil || undone.Deleted != 3 {
		t.Errorf("undo of created orders: %+v %v", undone, err)
	}
	if page, _ := s.List(ctx, order.Filter{Query: "912004455667"}); page.Total != 0 {
		t.Error("an order the batch created is still listed")
	}
	if _, err := s.Undo(ctx, "20260101-000000-abcdef", order.ActorAPI); !errors.Is(err, ErrUnknownBatch) {
		t.Errorf("unknown batch: %v", err)
	}
	batches, err := s.Batches(ctx, 10)
	if err != nil || len(batches) != 2 {
		t.Fatalf("past imports: %+v %v, want both", batches, err)
	}
	for _, b := range batches {
		want := map[string]UndoSummary{received.Batch: sum, created.Batch: undone}[b.Batch]
		by := map[string]string{received.Batch: order.ActorDiscordUser("42"), created.Batch: order.ActorAPI}[b.Batch]
		if b.Undone == nil || b.Undone.Deleted != want.Deleted || b.Undone.Reverted != want.Reverted || b.UndoneAt == nil ||
			b.UndoneBy != by || b.Rows == 0 || b.At.IsZero() {
			t.Errorf("past import %+v, want it undone as %+v by %s", b, want, by)
		}
	}
}

func TestAFiftyThousandRowImportFinishes(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("writes 50,000 rows")
	}
	s, _ := newService(t, now)
	ctx := context.Background()
	var b strings.Builder
	b.WriteString("order number,tracking number\n")
	for i := range 500 {
		if _, err := s.Create(ctx, order.Fields{OrderNumber: fmt.Sprintf("BIG-%03d", i)}, order.ActorAPI); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 50_000 {
		fmt.Fprintf(&b, "BIG-%03d,1Z%08d\n", i%600, i) // a sixth name no order
	}
	sum, err := s.Import(ctx, ImportTracking, []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Rows != 50_000 || sum.Updated != 41_700 || sum.NotFound != 8_300 {
		t.Errorf("summary %+v", sum)
	}
	o, _ := s.Get(ctx, "BIG-007")
	if len(o.TrackingNumbers) != 84 {
		t.Errorf("BIG-007 has %d tracking numbers, want 84", len(o.TrackingNumbers))
	}
}

// TestExportThenImportRoundTrips moves orders to another ROMS through the CSV export and
// the orders import, as a user leaving one machine (or ROMS V2's spreadsheet) would.
func TestExportThenImportRoundTrips(t *testing.T) {
	t.Parallel()
	from, _ := newService(t, now)
	ctx := context.Background()
	posted := now.Add(-24 * time.Hour)
	for _, f := range []order.Fields{
		{OrderNumber: "RT-1", Product: "Starlink, Mini \"Kit\"", Price: cents(29999), Quantity: ptr(2), Profile: "Chase 2", Email: "bob@example.com",
			Store: "Best Buy US", Status: "shipped", TrackingNumbers: []string{"1Z999", "1Z888"}, QtyReceived: ptr(1), PostedDate: &posted, Currency: "EUR"},
		{OrderNumber: "RT-2", Product: "=cmd|' /C calc'!A0", Status: "declined", Notes: "line one\nline two"},
	} {
		if _, err := from.Create(ctx, f, order.ActorAPI); err != nil {
			t.Fatal(err)
		}
	}
	var csvFile strings.Builder
	if _, err := from.Export(ctx, order.Filter{}, &csvFile); err != nil {
		t.Fatal(err)
	}
	to, _ := newService(t, now)
	sum, err := to.Import(ctx, ImportOrders, []byte(csvFile.String()))
	if err != nil || sum.Created != 2 || sum.Invalid != 0 {
		t.Fatalf("import %+v %v\n%s", sum, err, csvFile.String())
	}
	for _, n := range []string{"RT-1", "RT-2"} {
		a, _ := from.Get(ctx, n)
		b, _ := to.Get(ctx, n)
		same := a.Product == b.Product && a.Status == b.Status && a.Profile == b.Profile && a.Email == b.Email && a.Store == b.Store &&
			a.Quantity == b.Quantity && a.QtyReceived == b.QtyReceived && a.Currency == b.Currency && a.Notes == b.Notes &&
			a.TrackingNumber == b.TrackingNumber && a.OrderDate.Equal(b.OrderDate) && fmt.Sprint(a.Price) == fmt.Sprint(b.Price) &&
			fmt.Sprint(a.Total) == fmt.Sprint(b.Total) && (a.PostedDate == nil) == (b.PostedDate == nil)
		if !same {
			t.Errorf("%s differs:\n%+v\n%+v", n, a, b)
		}
	}
}

// TestUndoReadsTheHistoryNotTheValues are the findings: undo reverted a field that had
// been changed and changed back since (equal values, yet someone chose it), and deleted an
// order the import had created that a real checkout and a correction had updated since.
func TestUndoReadsTheHistoryNotTheValues(t *testing.T) {
	t.Parallel()
	p, _, _ := newPipeline(t)
	ctx := context.Background()
	if _, err := p.Ingest(ctx, httpInput("Successful Checkout | Target\nOrder Number\nUN-1\n")); err != nil {
		t.Fatal(err)
	}
	sum, err := p.Import(ctx, ImportTracking, []byte("Order Number,Tracking Number\nUN-1,1ZA1\n"))
	if err != nil || sum.Updated != 1 {
		t.Fatalf("import %+v %v", sum, err)
	}
	status, err := p.Import(ctx, ImportReceived, []byte("Order Number,Quantity Received,Status\nUN-1,1,received\n"))
	if err != nil || status.Updated != 1 {
		t.Fatalf("import %+v %v", status, err)
	}
	// Someone sets the status away and back: the value is the batch's again, but chosen since.
	for _, st := range []string{order.StatusShipped, order.StatusReceived} {
		if _, err := p.Correct(ctx, "UN-1", order.Edit{Fields: order.Fields{Status: st}}, order.ActorAPI); err != nil {
			t.Fatal(err)
		}
	}
	undo, err := p.Undo(ctx, status.Batch, order.ActorAPI)
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := p.Get(ctx, "UN-1"); o.Status != order.StatusReceived || undo.LeftAlone == 0 {
		t.Errorf("status %q after undo (left alone %d): the status set since must stay", o.Status, undo.LeftAlone)
	}

	created, err := p.Import(ctx, ImportOrders, []byte("Successful Checkout | Target\nProduct\nETB\nOrder Number\nUN-2\n"))
	if err != nil || created.Created != 1 {
		t.Fatalf("import %+v %v", created, err)
	}
	if _, err := p.Ingest(ctx, httpInput("Successful Checkout | Target\nOrder Number\nUN-2\nPrice\n$10.00\n")); err != nil {
		t.Fatal(err)
	}
	undo, err = p.Undo(ctx, created.Batch, order.ActorAPI)
	if err != nil {
		t.Fatal(err)
	}
	if o, err := p.Get(ctx, "UN-2"); err != nil || o.DeletedAt != nil || undo.Deleted != 0 || len(undo.Kept) != 1 {
		t.Errorf("order %+v err %v, undo %+v: an order changed since by a checkout must stay", o.DeletedAt, err, undo)
	}
}

// BenchmarkImportOrdersCSV imports a CSV of 2,000 new orders per iteration: rows are
// written a thousand to a transaction, each with its log entry.
func BenchmarkImportOrdersCSV(b *testing.B) {
	p, _, _ := newPipeline(b)
	ctx := context.Background()
	for n := 0; b.Loop(); n++ {
		var csv strings.Builder
		csv.WriteString("Order Number,Product,Price\n")
		for i := range 2000 {
			fmt.Fprintf(&csv, "B%d-%d,Widget,19.99\n", n, i)
		}
		if sum, err := p.Import(ctx, ImportOrders, []byte(csv.String())); err != nil || sum.Created != 2000 {
			b.Fatalf("%+v %v", sum, err)
		}
	}
}

// TestUndoTwiceSaysSo: the second undo of a batch says there is nothing left to undo.
func TestUndoTwiceSaysSo(t *testing.T) {
	t.Parallel()
	p, _, _ := newPipeline(t)
	ctx := context.Background()
	if _, err := p.Ingest(ctx, httpInput("Successful Checkout | Target\nOrder Number\nUT-1\n")); err != nil {
		t.Fatal(err)
	}
	sum, err := p.Import(ctx, ImportTracking, []byte("Order Number,Tracking Number\nUT-1,1ZA1\n"))
	if err != nil {
		t.Fatal(err)
	}
	first, _ := p.Undo(ctx, sum.Batch, order.ActorAPI)
	second, err := p.Undo(ctx, sum.Batch, order.ActorAPI)
	if err != nil || first.AlreadyUndone || !second.AlreadyUndone || !strings.Contains(second.String(), "nothing to undo") {
		t.Errorf("first %+v, second %+v (%s) %v", first, second, second, err)
	}
	created, err := p.Import(ctx, ImportOrders, []byte("Successful Checkout | Target\nOrder Number\nUT-2\n"))
	if err != nil || created.Created != 1 {
		t.Fatalf("%+v %v", created, err)
	}
	first, _ = p.Undo(ctx, created.Batch, order.ActorAPI)
	second, _ = p.Undo(ctx, created.Batch, order.ActorAPI)
	if first.Deleted != 1 || !second.AlreadyUndone || len(second.Kept) != 0 {
		t.Errorf("orders batch: first %+v, second %+v", first, second)
	}
}

// TestAPasswordColumnIsKeptNowhere: a CSV of orders with a column named for a password
// keeps the password neither in the orders nor in the webhook log.
func TestAPasswordColumnIsKeptNowhere(t *testing.T) {
	t.Parallel()
	p, _, _ := newPipeline(t)
	ctx := context.Background()
	sum, err := p.Import(ctx, ImportOrders, []byte("Order Number,Product,Account Password,Proxy\nPW-1,Widget,hunter22x,203.0.113.9:8080:user:hunter22y\n"))
	if err != nil || sum.Created != 1 {
		t.Fatalf("%+v %v", sum, err)
	}
	checkSecrets(t, p, []string{"hunter22x", "hunter22y"}, "PW-1")
}

// TestEveryImportKindHasHelpAndASampleThatReads: the help names every kind once, and
// each kind's sample imports with no row it cannot read.
func TestEveryImportKindHasHelpAndASampleThatReads(t *testing.T) {
	t.Parallel()
	var kinds []string
	for _, h := range ImportHelp {
		kinds = append(kinds, h.Kind)
		s, _ := newService(t, now)
		sum, err := s.Import(context.Background(), h.Kind, []byte(h.Sample))
		if err != nil || sum.Invalid != 0 || sum.Rows == 0 {
			t.Errorf("%s sample: %+v %v", h.Kind, sum, err)
		}
	}
	if !slices.Equal(slices.Sorted(slices.Values(kinds)), slices.Sorted(slices.Values(ImportKinds))) {
		t.Errorf("help for %v, kinds %v", kinds, ImportKinds)
	}
}
