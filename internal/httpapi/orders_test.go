package httpapi

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"github.com/roms-dev/roms/internal/orders"
)

// seedOrders posts three checkouts through the webhook.
func seedOrders(ts *testServer) {
	ts.t.Helper()
	for _, msg := range []string{
		"Successful Checkout | Best Buy US\nProduct\nSTARLINK Mini\nPrice\n$299.99\nProfile\nChase 2\nOrder Number\nBBY-1\nEmail\nbob@example.com\n",
		"Successful Checkout | Target\nProduct\nPokemon ETB\nPrice\n$49.99\nQuantity\n2\nProfile\nAmex\nOrder Number\nTGT-1\nEmail\nalice@example.com\nTracking Number\n1Z999\n",
		"Checkout Declined | Walmart\nProduct\nPS5\nPrice\n$499.99\nProfile\nChase 2\nOrder Number\nWM-1\nEmail\nbob@example.com\n",
	} {
		if status, _ := ts.post("text/plain", []byte(msg)); status != 200 {
			ts.t.Fatalf("seed: %d", status)
		}
	}
}

func (ts *testServer) change(method, path, body string) (int, ChangeReply, string) {
	ts.t.Helper()
	status, raw := ts.request(method, path, "application/json", []byte(body))
	var reply ChangeReply
	if status < 300 {
		decode(ts.t, raw, &reply)
	}
	return status, reply, string(raw)
}

func TestPatchSetsAndClearsEveryKindOfField(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", "")
	seedOrders(ts)
	status, reply, raw := ts.change(http.MethodPatch, "/api/v2/orders/bby-1",
		`{"price": 289.99, "product": "Starlink Mini Kit", "email": null, "tracking_number": "1Z999, 1Z888", "currency": "usd", "posted_date": "2026-11-25T00:00:00Z"}`)
	o := reply.Order
	if status != 200 || reply.Action != "updated" || *o.Price != 28999 || *o.Total != 28999 || o.Product != "Starlink Mini Kit" ||
		o.Email != "" || o.TrackingNumber != "1Z999, 1Z888" || o.PostedDate == nil {
		t.Fatalf("%d %s", status, raw)
	}
	if !strings.Contains(raw, `"price":289.99`) || !strings.Contains(raw, `"tracking_numbers":["1Z999","1Z888"]`) {
		t.Errorf("price is not a plain number in JSON: %s", raw)
	}
	_, reply, _ = ts.change(http.MethodPatch, "/api/v2/orders/BBY-1", `{"tracking_number": "1Z888 1Z777"}`)
	if got := strings.Join(reply.Order.TrackingNumbers, ","); got != "1Z999,1Z888,1Z777" {
		t.Errorf("added tracking: %s", got)
	}
	_, reply, _ = ts.change(http.MethodPatch, "/api/v2/orders/BBY-1", `{"tracking_numbers": ["1Z555"]}`)
	if reply.Order.TrackingNumber != "1Z555" {
		t.Errorf("replaced tracking: %q", reply.Order.TrackingNumber)
	}
	_, reply, _ = ts.change(http.MethodPatch, "/api/v2/orders/BBY-1", `{"tracking_number": null, "notes": "x"}`)
	if len(reply.Order.TrackingNumbers) != 0 || reply.Order.Notes != "x" {
		t.Errorf("cleared tracking: %+v", reply.Order)
	}
	if _, raw := ts.request(http.MethodGet, "/api/v2/orders/BBY-1", "", nil); !bytes.Contains(raw, []byte(`"tracking_numbers":[]`)) {
		t.Errorf("no tracking is not an empty list: %s", raw)
	}
	_, events := ts.request(http.MethodGet, "/api/v2/orders/BBY-1/events", "", nil)
	if !bytes.Contains(events, []byte(`"actor":"message:http"`)) || !bytes.Contains(events, []byte(`"actor":"api"`)) {
		t.Errorf("events do not name their actors: %s", events)
	}
}

func TestPatchRefusesBadValuesSayingWhy(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", "")
	seedOrders(ts)
	tests := []struct {
		body   string
		status int
		want   string
	}{
		{`{"status": "delivred"}`, 422, `status: \"delivred\" is not a status; use one of verified, pending, processing, unverified, review_hold, declined, cancelled, shipped, delivered, received, returned, refunded`},
		{`{"qty_received": 5}`, 422, "qty_received: 5 is more than the quantity ordered (1)"},
		{`{"quantity": 0}`, 422, "quantity: must be at least 1"},
		{`{"price": -1}`, 422, "price: must not be negative"},
		{`{"email": "bob"}`, 422, `email: \"bob\" is not an email address`},
		{`{"order_number": "X"}`, 422, "order_number cannot be changed"},
		{`{}`, 422, "nothing to change"},
		{`{"price": "cheap"}`, 422, "price"},
	}
	for _, tt := range tests {
		status, _, raw := ts.change(http.MethodPatch, "/api/v2/orders/BBY-1", tt.body)
		if status != tt.status || !strings.Contains(raw, tt.want) {
			t.Errorf("%s: %d %s\nwant %d with %s", tt.body, status, raw, tt.status, tt.want)
		}
	}
	if status, _, _ := ts.change(http.MethodPatch, "/api/v2/orders/NOPE", `{"notes": "x"}`); status != 404 {
		t.Errorf("unknown order: %d", status)
	}
	_, raw := ts.request(http.MethodGet, "/api/v2/orders/BBY-1/events", "", nil)
	if strings.Count(string(raw), `"type"`) != 1 {
		t.Errorf("a refused change left an event: %s", raw)
	}
}

func TestCreateDeleteRestore(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", "")
	status, reply, raw := ts.change(http.MethodPost, "/api/v2/orders", `{"order_number": "#MAN-1", "product": "Hand entered", "price": 10, "quantity": 3, "store": "Costco"}`)
	if status != 201 || reply.Action != "created" || *reply.Order.Total != 3000 || reply.Order.Source != "api" {
		t.Fatalf("create: %d %s", status, raw)
	}
	if status, _, raw := ts.change(http.MethodPost, "/api/v2/orders", `{"order_number": "man-1"}`); status != 409 {
		t.Errorf("duplicate create: %d %s", status, raw)
	}
	if status, _, raw := ts.change(http.MethodPost, "/api/v2/orders", `{"product": "no number"}`); status != 422 || !strings.Contains(raw, "order_number: is required") {
		t.Errorf("create without number: %d %s", status, raw)
	}
	status, reply, raw = ts.change(http.MethodPost, "/api/v2/orders", `{"text": "Successful Checkout | Target\nOrder Number\nTXT-1\nPrice\n$5\n"}`)
	if status != 201 || reply.Order.Store != "Target" || *reply.Order.Price != 500 {
		t.Errorf("create from text: %d %s", status, raw)
	}
	if status, reply, _ := ts.change(http.MethodDelete, "/api/v2/orders/MAN-1", ""); status != 200 || reply.Action != "deleted" {
		t.Errorf("delete: %d %+v", status, reply)
	}
	var page OrderPage
	_, listed := ts.request(http.MethodGet, "/api/v2/orders", "", nil)
	decode(t, listed, &page)
	if page.Total != 1 || page.Orders[0].OrderNumber != "TXT-1" {
		t.Errorf("deleted order listed: %s", listed)
	}
	_, listed = ts.request(http.MethodGet, "/api/v2/orders?deleted=true", "", nil)
	decode(t, listed, &page)
	if page.Total != 1 || page.Orders[0].OrderNumber != "MAN-1" {
		t.Errorf("deleted list: %s", listed)
	}
	if status, reply, _ := ts.change(http.MethodPost, "/api/v2/orders/man-1/restore", ""); status != 200 || reply.Action != "restored" {
		t.Errorf("restore: %d %+v", status, reply)
	}
	if status, _, _ := ts.change(http.MethodDelete, "/api/v2/orders/NOPE", ""); status != 404 {
		t.Errorf("delete unknown: %d", status)
	}
}

func TestSearchSortAndCount(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", "")
	seedOrders(ts)
	list := func(query string) (int, string, int) {
		status, raw := ts.request(http.MethodGet, "/api/v2/orders"+query, "", nil)
		var page OrderPage
		if status == 200 {
			decode(t, raw, &page)
		}
		var numbers []string
		for _, o := range page.Orders {
			numbers = append(numbers, o.OrderNumber)
		}
		return status, strings.Join(numbers, ","), page.Total
	}
	for _, tt := range []struct{ query, want string }{
		{"?store=best+buy", "BBY-1"},
		{"?profile=chase", "WM-1,BBY-1"},
		{"?email=bob", "WM-1,BBY-1"},
		{"?q=tgt", "TGT-1"},
		{"?q=ALICE", "TGT-1"},
		{"?q=1z999", "TGT-1"},
		{"?status=verified,declined", "WM-1,TGT-1,BBY-1"},
		{"?has_tracking=false", "WM-1,BBY-1"},
		{"?open=true", "TGT-1,BBY-1"},
		{"?fully_received=false&sort=price_desc", "WM-1,BBY-1,TGT-1"},
		{"?sort=price_asc&limit=1", "TGT-1"},
	} {
		status, got, total := list(tt.query)
		if status != 200 || got != tt.want {
			t.Errorf("%s: %d %q, want %q", tt.query, status, got, tt.want)
		}
		if want := len(strings.Split(tt.want, ",")); !strings.Contains(tt.query, "limit") && total != want {
			t.Errorf("%s: total %d, want %d", tt.query, total, want)
		}
	}
	if _, _, total := list("?limit=1"); total != 3 {
		t.Errorf("total on a short page: %d", total)
	}
}

func TestStatsOverHTTP(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", "")
	seedOrders(ts)
	status, raw := ts.request(http.MethodGet, "/api/v2/stats?group_by=profile", "", nil)
	var st orders.Stats
	decode(t, raw, &st)
	all := st.Overall
	// Spend leaves out the declined PS5: 299.99 + 2 x 49.99.
	if status != 200 || all.Checkouts != 3 || all.Declined != 1 || all.Units != 3 || len(all.Money) != 1 ||
		all.Money[0].Spend != 39997 || all.Money[0].Currency != "USD" {
		t.Fatalf("%d %s", status, raw)
	}
	if len(st.Groups) != 2 || st.Groups[0].Group != "Chase 2" || st.Groups[0].Checkouts != 2 || st.Groups[0].CancelRate != 0.5 {
		t.Errorf("groups %+v", st.Groups)
	}
	if !strings.Contains(string(raw), `"spend":399.97`) {
		t.Errorf("spend is not a plain number: %s", raw)
	}
	if status, _ := ts.request(http.MethodGet, "/api/v2/stats?group_by=colour", "", nil); status != 422 {
		t.Errorf("bad group: %d", status)
	}
}

func TestExportCSVOverHTTP(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", testToken)
	seedOrders(ts)
	req, _ := http.NewRequest(http.MethodGet, ts.URL+pathExport+"?store=target", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\ufeff"))).ReadAll()
	if err != nil || len(rows) != 2 || rows[0][0] != "Date" || rows[1][9] != "TGT-1" || rows[1][13] != "1Z999" {
		t.Errorf("csv %q %v", rows, err)
	}
	if status, _ := ts.request(http.MethodGet, pathExport+"?from=soon", "", nil); status != 400 {
		t.Errorf("bad filter: %d", status)
	}
}
