package httpapi

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/orders"
)

const secret = "v2-webhook-secret-0123456789"

func sign(body string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(body))
	return hex.EncodeToString(mac.Sum(nil))
}

// postSigned posts a JSON body with a signature header (none when signature is "").
func (ts *testServer) postSigned(body, signature string) (int, []byte) {
	ts.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, ts.URL+pathWebhook, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if alt, ok := strings.CutPrefix(signature, "alt:"); ok {
		req.Header.Set(altSignatureHeader, alt)
	} else if signature != "" {
		req.Header.Set(signatureHeader, signature)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

func TestStructuredJSONOrdersAsROMSV2TakesThem(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", "")
	status, reply := ts.post("application/json", []byte(`{"order_number": "V2-1001", "product_name": "Nike Dunk Low", "unit_price": 110,
		"qty": 2, "customer_email": "v2@example.com", "name": "Sam Buyer", "proxy": "resi.example.com:8000:bob:hunter22",
		"reference": "R-9", "tracking": "1Z777", "profit": 35.5, "order_date": "2026-11-20", "order_time": "18:04:05",
		"size": "10.5", "colorway": {"name": "Panda"}}`))
	o := reply.Order
	if status != 200 || reply.Action != "created" || o == nil {
		t.Fatalf("%d %+v", status, reply)
	}
	if o.Product != "Nike Dunk Low" || *o.Price != 11000 || o.Quantity != 2 || *o.Total != 22000 || *o.Commission != 3550 ||
		o.Email != "v2@example.com" || o.CustomerName != "Sam Buyer" || o.ReferenceNumber != "R-9" || o.TrackingNumber != "1Z777" {
		t.Errorf("fields %+v", o)
	}
	if o.Status != "pending" || o.OrderDate.Format("2006-01-02 15:04:05") != "2026-11-20 18:04:05" {
		t.Errorf("status %q date %v: want ROMS V2's pending and the given date", o.Status, o.OrderDate)
	}
	if o.Extra["size"] != "10.5" || o.Extra["colorway"] != `{"name":"Panda"}` {
		t.Errorf("unknown keys %v", o.Extra)
	}
	if strings.Contains(o.ProxyList, "hunter22") {
		t.Errorf("proxy password kept: %q", o.ProxyList)
	}
	// A later post for the same number updates it, keeping the status it has.
	status, reply = ts.post("application/json", []byte(`{"order_number": "v2-1001", "tracking_number": "1Z888"}`))
	if status != 200 || reply.Action != "updated" || reply.Order.Status != "pending" || reply.Order.TrackingNumber != "1Z777, 1Z888" {
		t.Errorf("update %d %+v", status, reply.Order)
	}
	// curl -d labels JSON as a form.
	if status, reply := ts.post("application/x-www-form-urlencoded", []byte(`{"order_number": "ALT-1", "product_name": "Via curl -d", "unit_price": 39.99}`)); status != 200 ||
		reply.Order.Product != "Via curl -d" || *reply.Order.Price != 3999 {
		t.Errorf("JSON labelled as a form: %d %+v", status, reply)
	}
	if status, _ := ts.post("application/json", []byte(`{"product": "no number"}`)); status != 400 {
		t.Errorf("an object without an order number: %d", status)
	}
}

func TestWebhookSignature(t *testing.T) {
	t.Parallel()
	ts := startServerWith(t, "", "", func(d *Deps) { d.WebhookSecret = secret })
	body := `{"order_number": "SIG-1", "product": "Signed"}`
	for _, tt := range []struct {
		name, body, signature string
		want                  int
		detail                string
	}{
		{"hex signature", body, sign(body), 200, ""},
		{"sha256= form", `{"order_number": "SIG-2"}`, "sha256=" + sign(`{"order_number": "SIG-2"}`), 200, ""},
		{"X-Signature spelling", `{"order_number": "SIG-6"}`, "alt:sha256=" + sign(`{"order_number": "SIG-6"}`), 200, ""},
		{"wrong signature", `{"order_number": "SIG-3"}`, sign("something else"), 401, "wrong X-Webhook-Signature"},
		{"no signature", `{"order_number": "SIG-4"}`, "", 401, "needs a signature"},
		{"signature of other bytes", `{"order_number":"SIG-5"}`, sign(`{"order_number": "SIG-5"}`), 401, "exact body bytes"},
	} {
		status, raw := ts.postSigned(tt.body, tt.signature)
		if status != tt.want || !strings.Contains(string(raw), tt.detail) {
			t.Errorf("%s: %d %s", tt.name, status, raw)
		}
	}
	logs, _ := ts.store.Logs(t.Context(), 10)
	if len(logs) != 3 {
		t.Errorf("%d log entries; refused posts must not be stored", len(logs))
	}
	status, raw := ts.request(http.MethodGet, "/api/v2/webhooks/test", "", nil)
	if status != 200 || !strings.Contains(string(raw), `"signature_required":true`) || !strings.Contains(string(raw), `"status":"ok"`) {
		t.Errorf("test: %d %s", status, raw)
	}
	status, raw = ts.request(http.MethodGet, "/api/v2/webhooks/signature-help", "", nil)
	if status != 200 || !bytes.Contains(raw, []byte("HMAC-SHA256")) || !bytes.Contains(raw, []byte(`"header_name":"X-Webhook-Signature"`)) {
		t.Errorf("signature help: %d %s", status, raw)
	}
}

func TestTokenStandsInForTheSignature(t *testing.T) {
	t.Parallel()
	ts := startServerWith(t, "", testToken, func(d *Deps) { d.WebhookSecret = secret })
	if status, _ := ts.post("application/json", []byte(`{"order_number": "TOK-1"}`)); status != 200 {
		t.Errorf("with the token and no signature: %d", status)
	}
	if status, raw := ts.postSigned(`{"order_number": "TOK-2"}`, sign(`{"order_number": "TOK-2"}`)); status != 200 {
		t.Errorf("signed, without the token: %d %s", status, raw)
	}
	if status, _ := ts.postSigned(`{"order_number": "TOK-3"}`, ""); status != 401 {
		t.Errorf("neither: %d", status)
	}
}

func TestASignatureWithoutASecretIsExplained(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", "")
	status, raw := ts.postSigned(`{"order_number": "X-1"}`, sign(`{"order_number": "X-1"}`))
	if status != 401 || !strings.Contains(string(raw), "http.webhook_secret is not set") {
		t.Errorf("%d %s", status, raw)
	}
}

func TestDeadLettersRetryAndReplay(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", "")
	ctx := t.Context()
	ts.post("text/plain", fixture(t, "parser", "minimal.txt"))
	ts.post("text/plain", []byte{0x00, 0x01, 0x02}) // binary: rejected, and will stay so
	// An input the disk refused, as keepFailed logs it: a retry stores it now.
	failedID, err := ts.store.AppendLog(ctx, order.LogEntry{ReceivedAt: time.Now().Add(-time.Hour), Origin: order.Origin{Source: "http"},
		ContentType: "text/plain", Body: "Successful Checkout | Target\nOrder Number\nDISK-1\n", Outcome: order.OutcomeRejected,
		Error: "could not store: no space left on device", Endpoint: pathWebhook, Method: "POST", StatusCode: 500}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, raw := ts.request(http.MethodGet, "/api/v2/webhooks/queue/dead-letters?limit=10", "", nil)
	var dead DeadLetters
	decode(t, raw, &dead)
	if dead.Total != 2 || dead.Messages[0].ID != failedID || dead.Messages[0].ErrorMessage != "could not store: no space left on device" {
		t.Fatalf("dead letters %s", raw)
	}
	status, raw := ts.request(http.MethodPost, "/api/v2/webhooks/queue/retry-failed", "", nil)
	var retry RetryReply
	decode(t, raw, &retry)
	if status != 200 || !retry.Success || retry.Retried != 2 || !strings.Contains(retry.Message, "1 stored now, 1 still not") {
		t.Fatalf("retry %d %s", status, raw)
	}
	o, err := ts.store.Get(ctx, "DISK-1")
	if err != nil || !o.OrderDate.Before(time.Now().Add(-30*time.Minute)) {
		t.Errorf("retried order %+v %v: dated when it first arrived", o, err)
	}
	events, _ := ts.store.Events(ctx, "DISK-1")
	if events[0].Actor != fmt.Sprintf("replay:%d", failedID) {
		t.Errorf("actor %q", events[0].Actor)
	}
	_, raw = ts.request(http.MethodGet, "/api/v2/webhooks/queue/dead-letters", "", nil)
	decode(t, raw, &dead)
	if dead.Total != 1 {
		t.Errorf("after the retry: %s", raw)
	}
	// Replaying what is stored changes nothing.
	status, raw = ts.request(http.MethodPost, "/api/v2/webhooks/logs/1/replay", "", nil)
	var replayed orders.Replayed
	decode(t, raw, &replayed)
	if status != 200 || replayed.Outcome != "unchanged" || len(replayed.Orders) != 1 || replayed.Orders[0] != "TEST-001" {
		t.Errorf("replay %d %s", status, raw)
	}
	if status, _ := ts.request(http.MethodPost, "/api/v2/webhooks/logs/999/replay", "", nil); status != 404 {
		t.Errorf("replay of a missing entry: %d", status)
	}
	_, raw = ts.request(http.MethodGet, "/api/v2/webhooks/queue/stats", "", nil)
	var q QueueStats
	decode(t, raw, &q)
	if q.QueueSize != 0 || q.TotalReceived != 2 || q.TotalProcessed != 1 || q.TotalFailed != 1 || q.SuccessRate != 50 || q.Status != "degraded" {
		t.Errorf("queue stats %s", raw)
	}
}

func TestTestOrderIsListedButNotTotalled(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", "")
	status, raw := ts.request(http.MethodPost, "/api/v2/webhooks/test-order", "", nil)
	var reply TestOrderReply
	decode(t, raw, &reply)
	if status != 200 || !reply.Success || !strings.HasPrefix(reply.Order.OrderNumber, "TEST-") || *reply.Order.Price != 9999 || reply.Order.ID == 0 {
		t.Fatalf("%d %s", status, raw)
	}
	var page OrderPage
	_, raw = ts.request(http.MethodGet, "/api/v2/orders", "", nil)
	decode(t, raw, &page)
	var st orders.Stats
	_, statsRaw := ts.request(http.MethodGet, "/api/v2/stats", "", nil)
	decode(t, statsRaw, &st)
	if page.Total != 1 || !page.Orders[0].Test || st.Overall.Checkouts != 0 {
		t.Errorf("listed %d (test %v), totalled %d", page.Total, page.Orders[0].Test, st.Overall.Checkouts)
	}
	if status, _ := ts.request(http.MethodDelete, "/api/v2/orders/"+reply.Order.OrderNumber, "", nil); status != 200 {
		t.Errorf("delete the test order: %d", status)
	}
}

func TestROMSV2OrdersAPI(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", "")
	for i := range 7 {
		ts.post("application/json", []byte(fmt.Sprintf(`{"order_number": "P-%d", "product": "Item %d", "status": "verified"}`, i, i)))
	}
	ts.post("application/json", []byte(`{"order_number": "900000000001", "product": "All digits", "status": "shipped"}`))
	var page OrderPage
	_, raw := ts.request(http.MethodGet, "/api/v2/orders?page=2&page_size=3&status=verified", "", nil)
	decode(t, raw, &page)
	if page.Total != 7 || page.Page != 2 || page.PageSize != 3 || len(page.Orders) != 3 || !page.HasNext || !page.HasPrevious ||
		page.Orders[0].OrderNumber != "P-3" {
		t.Errorf("page 2: %s", raw)
	}
	_, raw = ts.request(http.MethodGet, "/api/v2/orders?page=3&page_size=3&status=verified", "", nil)
	decode(t, raw, &page)
	if len(page.Orders) != 1 || page.HasNext || page.Orders[0].OrderNumber != "P-0" {
		t.Errorf("last page: %s", raw)
	}
	_, raw = ts.request(http.MethodGet, "/api/v2/orders?search=item+5", "", nil)
	decode(t, raw, &page)
	if page.Total != 1 || page.Orders[0].OrderNumber != "P-5" {
		t.Errorf("search: %s", raw)
	}

	// An id in the path: the order with that id, unless an order has that number.
	var o order.Order
	_, raw = ts.request(http.MethodGet, "/api/v2/orders/3", "", nil)
	decode(t, raw, &o)
	if o.OrderNumber != "P-2" {
		t.Errorf("by id 3: %s", raw)
	}
	_, raw = ts.request(http.MethodGet, "/api/v2/orders/900000000001", "", nil)
	decode(t, raw, &o)
	if o.Product != "All digits" {
		t.Errorf("an all-digit order number: %s", raw)
	}
	// ROMS V2's PATCH body, by id; the answer is the order itself.
	status, raw := ts.request(http.MethodPatch, "/api/v2/orders/3", "application/json",
		[]byte(`{"product": "Renamed", "price": 12.5, "status": "shipped", "tracking_number": "1Z1", "qty_received": 1,
		"shipped_date": "2026-11-21T10:00:00Z", "posted_date": "2026-11-22T00:00:00Z"}`))
	var top map[string]any
	decode(t, raw, &top)
	if status != 200 || top["order_number"] != "P-2" || top["product"] != "Renamed" || top["price"] != 12.5 ||
		top["shipped_date"] != "2026-11-21T10:00:00Z" || top["action"] != "updated" {
		t.Errorf("patch by id: %d %s", status, raw)
	}
	if status, _ := ts.request(http.MethodGet, "/api/v2/orders/4242", "", nil); status != 404 {
		t.Errorf("unknown id: %d", status)
	}
}

// TestASignedBodyIsTakenOnce is the finding: a captured signed body sent again after a
// cancellation put the order back to verified. The same signature is refused for an
// hour, and a signed timestamp refuses an old body for good.
func TestASignedBodyIsTakenOnce(t *testing.T) {
	t.Parallel()
	ts := startServerWith(t, "", "", func(d *Deps) { d.WebhookSecret = secret })
	checkout := `{"order_number": "RE-1", "product": "ETB", "status": "verified"}`
	cancel := `{"order_number": "RE-1", "status": "cancelled"}`
	for _, step := range []struct {
		body string
		want int
	}{{checkout, 200}, {cancel, 200}, {checkout, 409}} {
		if status, raw := ts.postSigned(step.body, sign(step.body)); status != step.want {
			t.Errorf("%s: %d %s, want %d", step.body, status, raw, step.want)
		}
	}
	var o order.Order
	if status, raw := ts.request(http.MethodGet, "/api/v2/orders/RE-1", "", nil); status != 200 || json.Unmarshal(raw, &o) != nil || o.Status != "cancelled" {
		t.Errorf("after the replay: %d %s", status, raw)
	}

	post := func(body, stamp, sig string) int {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+pathWebhook, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(timestampHeader, stamp)
		req.Header.Set(signatureHeader, sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	now := strconv.FormatInt(time.Now().Unix(), 10)
	old := strconv.FormatInt(time.Now().Add(-10*time.Minute).Unix(), 10)
	body := `{"order_number": "RE-2"}`
	if got := post(body, now, sign(now+"."+body)); got != 200 {
		t.Errorf("signed with a timestamp: %d", got)
	}
	if got := post(body, old, sign(old+"."+body)); got != 401 {
		t.Errorf("signed ten minutes ago: %d, want 401", got)
	}
	if got := post(body, now, sign(body)); got != 401 {
		t.Errorf("a timestamp not in the signature: %d, want 401", got)
	}
}

// TestARefusedSignedBodyCanBeSentAgain: a claim is released when the body is not taken,
// so a sender's retry after an error is not refused as a replay.
func TestARefusedSignedBodyCanBeSentAgain(t *testing.T) {
	t.Parallel()
	ts := startServerWith(t, "", "", func(d *Deps) { d.WebhookSecret = secret })
	bad := `{"product": "no number"}`
	for range 2 {
		if status, raw := ts.postSigned(bad, sign(bad)); status != 400 {
			t.Errorf("%d %s, want 400 both times (not 409)", status, raw)
		}
	}
}
