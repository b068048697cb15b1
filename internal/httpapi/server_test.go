package httpapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roms-dev/roms/internal/bbolt"
	"github.com/roms-dev/roms/internal/bbolt/storetest"
	"github.com/roms-dev/roms/internal/live"
	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/orders"
)

const testToken = "0123456789abcdef0123456789abcdef"

type testServer struct {
	*httptest.Server
	t     *testing.T
	store *bbolt.Store
	token string
	once  sync.Once
}

// startServer runs the real API on loopback over a database at path (a fresh one when
// empty).
func startServer(t *testing.T, path, token string) *testServer {
	t.Helper()
	return startServerWith(t, path, token, nil)
}

// startServerWith is startServer with changes to the server's dependencies.
func startServerWith(t *testing.T, path, token string, change func(*Deps)) *testServer {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "roms.db")
	}
	st, err := bbolt.Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	hub := live.NewHub()
	svc, err := orders.New(st, orders.Options{Publisher: hub, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	deps := Deps{
		Messages: svc, Orders: svc, Imports: svc, Positions: svc, Database: Database{Path: st.Path(), Counts: st.Counts, Backup: st.Backup},
		Hub: hub, Logger: logger, Token: token, Version: "test", Started: time.Now(),
	}
	if change != nil {
		change(&deps)
	}
	srv := httptest.NewServer(NewServer(deps))
	ts := &testServer{Server: srv, t: t, store: st, token: token}
	t.Cleanup(ts.stop)
	return ts
}

func (ts *testServer) stop() {
	ts.once.Do(func() {
		ts.Server.Close()
		if err := ts.store.Check(); err != nil {
			ts.t.Errorf("database check: %v", err)
		}
		ts.store.Close()
	})
}

// request sends one request with the server's token, if any, and returns status and body.
func (ts *testServer) request(method, path, contentType string, body []byte) (int, []byte) {
	ts.t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, bytes.NewReader(body))
	if err != nil {
		ts.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if ts.token != "" {
		req.Header.Set("Authorization", "Bearer "+ts.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		ts.t.Fatal(err)
	}
	return resp.StatusCode, out
}

func (ts *testServer) post(contentType string, body []byte) (int, WebhookReply) {
	ts.t.Helper()
	status, raw := ts.request(http.MethodPost, pathWebhook, contentType, body)
	var reply WebhookReply
	if status == http.StatusOK {
		decode(ts.t, raw, &reply)
	}
	return status, reply
}

func decode(t *testing.T, raw []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
}

func fixture(t *testing.T, dir, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", dir, "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestWebhookStoresTheRefractMessage(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", "")
	status, reply := ts.post("text/plain", fixture(t, "parser", "refract-success.txt"))
	if status != 200 || !reply.Success || reply.Action != "created" || reply.OrderID != 1 || reply.OrderNumber != "BBY01-807102506907" {
		t.Fatalf("reply %d %+v", status, reply)
	}
	if reply.Message != "Order received and processed successfully" || reply.Order.Status != "verified" {
		t.Errorf("reply message %q status %q", reply.Message, reply.Order.Status)
	}
	status, raw := ts.request(http.MethodGet, "/api/v2/orders/%23bby01-807102506907", "", nil)
	var o order.Order
	decode(t, raw, &o)
	if status != 200 || o.Product != "STARLINK - Mini Kit AC Dual Band Wi-Fi System - White" || *o.Price != 29999 || o.Profile != "Lennar #8-$48-@07" {
		t.Errorf("GET order: %d %+v", status, o)
	}
}

func TestGuideAdvancedTestingOverHTTP(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", "")
	for _, step := range []struct{ file, action string }{
		{"minimal.txt", "created"}, {"complete.txt", "created"}, {"update.txt", "updated"},
	} {
		if status, reply := ts.post("text/plain", fixture(t, "parser", step.file)); status != 200 || reply.Action != step.action {
			t.Fatalf("%s: %d %+v", step.file, status, reply)
		}
	}
	_, raw := ts.request(http.MethodGet, "/api/v2/orders/TEST-001/events", "", nil)
	var events []order.Event
	decode(t, raw, &events)
	if len(events) != 2 || events[1].Type != "updated" || events[1].Origin.Source != "http" {
		t.Errorf("events %s", raw)
	}
	_, raw = ts.request(http.MethodGet, "/api/v2/orders", "", nil)
	var page OrderPage
	decode(t, raw, &page)
	if len(page.Orders) != 2 {
		t.Errorf("%d orders, want 2 (the update must not create one)", len(page.Orders))
	}
}

func TestWebhookTakesJSONAndDiscordPayloads(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", "")
	content, _ := json.Marshal(map[string]string{"content": string(fixture(t, "parser", "minimal.txt"))})
	if status, reply := ts.post("application/json", content); status != 200 || reply.OrderNumber != "TEST-001" {
		t.Fatalf("content JSON: %d %+v", status, reply)
	}
	status, reply := ts.post("application/json", fixture(t, "embedtext", "refract-success-message.json"))
	if status != 200 || reply.Action != "created" || reply.OrderNumber != "BBY01-807102506907" {
		t.Fatalf("discord payload: %d %+v", status, reply)
	}
	if reply.Order.ShareLink != "https://www.bestbuy.com/site/6579424.p?skuId=6579424" || !strings.HasPrefix(reply.Order.ImageURL, "https://pisces") {
		t.Errorf("links lost: %+v", reply.Order)
	}
	if want := time.Date(2026, 11, 20, 18, 4, 4, 0, time.UTC); !reply.Order.OrderDate.Equal(want) {
		t.Errorf("order date %v, want the embed time %v", reply.Order.OrderDate, want)
	}
	// JSON sent as text/plain is still recognised.
	if status, reply := ts.post("text/plain", fixture(t, "embedtext", "other-bot-embed-message.json")); status != 200 || reply.OrderNumber != "912004455667" {
		t.Fatalf("JSON as text: %d %+v", status, reply)
	}
}

func TestWebhookTakesMultipartPayloadJSON(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", "")
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("payload_json", string(fixture(t, "embedtext", "refract-success-message.json")))
	fw, _ := mw.CreateFormFile("files[0]", "shot.png")
	_, _ = fw.Write([]byte("\x89PNG\x00\x00"))
	mw.Close()
	if status, reply := ts.post(mw.FormDataContentType(), buf.Bytes()); status != 200 || reply.OrderNumber != "BBY01-807102506907" {
		t.Fatalf("multipart: %d %+v", status, reply)
	}
}

func TestTextSentAsAFormIsText(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", "")
	// What curl -d @message.txt sends.
	status, reply := ts.post("application/x-www-form-urlencoded", []byte("Successful Checkout | Target\nOrder Number: F-1\n"))
	if status != 200 || reply.OrderNumber != "F-1" {
		t.Fatalf("%d %+v", status, reply)
	}
	status, reply = ts.post("application/x-www-form-urlencoded", []byte("content=Order+Number%3A+F-2"))
	if status != 200 || reply.OrderNumber != "F-2" {
		t.Fatalf("form content: %d %+v", status, reply)
	}
}

func TestSeveralEmbedsAreSeveralOrders(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", "")
	body := `{"embeds":[{"title":"Successful Checkout | A","fields":[{"name":"Order Number","value":"E-1"}]},` +
		`{"title":"Successful Checkout | B","fields":[{"name":"Order Number","value":"E-2"}]}]}`
	status, reply := ts.post("application/json", []byte(body))
	if status != 200 || len(reply.Results) != 2 || reply.Results[1].OrderNumber != "E-2" || reply.OrderNumber != "E-1" {
		t.Fatalf("%d %+v", status, reply)
	}
}

func TestPingIsIgnoredWithAReason(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", "")
	status, reply := ts.post("text/plain", []byte("Refract Webhook Test\nIf you see this, your webhook works!"))
	if status != 200 || !reply.Success || reply.Action != "ignored" || !strings.Contains(reply.Message, "no order number") {
		t.Errorf("%d %+v", status, reply)
	}
}

// TestBadInputGetsAClearErrorAndIsLogged sends every kind of bad body: each is answered
// with its status and a JSON problem that says what is wrong, and each is in the log.
func TestBadInputGetsAClearErrorAndIsLogged(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", "")
	tests := []struct {
		name, contentType string
		body              []byte
		status            int
		detail            string
	}{
		{"empty", "text/plain", nil, 400, "empty"},
		{"blank", "text/plain", []byte("\r\n  \n"), 400, "empty"},
		{"empty form", "application/x-www-form-urlencoded", nil, 400, "empty"},
		{"malformed JSON", "application/json", []byte(`{"content": "abc`), 400, "not valid JSON"},
		{"JSON without content", "application/json", []byte(`{"username": "Refract"}`), 400, "no order_number"},
		{"not UTF-8", "text/plain", []byte("Order Number\n\xff\xfe\xfd"), 400, "UTF-8"},
		{"binary type", "image/png", []byte("\x89PNG\r\n\x1a\n"), 415, "binary"},
		{"binary bytes", "text/plain", []byte("Order\x00\x01\x02"), 415, "binary"},
		{"too large", "text/plain", bytes.Repeat([]byte("a"), MaxBody+10), 413, "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, raw := ts.request(http.MethodPost, pathWebhook, tt.contentType, tt.body)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, raw)
			}
			var problem struct {
				Status int    `json:"status"`
				Detail string `json:"detail"`
			}
			decode(t, raw, &problem)
			if problem.Status != tt.status || !strings.Contains(problem.Detail, tt.detail) {
				t.Errorf("problem %+v, want detail with %q", problem, tt.detail)
			}
			logs, err := ts.store.Logs(context.Background(), 1)
			if err != nil || len(logs) != 1 {
				t.Fatalf("logs: %v %v", logs, err)
			}
			l := logs[0]
			if l.Outcome != order.OutcomeRejected || l.Error == "" || l.BodyBytes < len(tt.body) && len(tt.body) <= MaxBody {
				t.Errorf("log entry %+v", l)
			}
		})
	}
	logs, _ := ts.store.Logs(context.Background(), 100)
	if len(logs) != len(tests) {
		t.Errorf("%d log entries for %d bad inputs", len(logs), len(tests))
	}
}

func TestTokenGuardsTheAPI(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", testToken)
	anon := func(method, path string, body string) int {
		resp, err := http.Post(ts.URL+path, "text/plain", strings.NewReader(body))
		if method == http.MethodGet {
			resp, err = http.Get(ts.URL + path)
		}
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	msg := string(fixture(t, "parser", "minimal.txt"))
	checks := []struct {
		name, method, path string
		want               int
	}{
		{"orders without token", http.MethodGet, "/api/v2/orders", 401},
		{"logs without token", http.MethodGet, "/api/v2/webhooks/logs", 401},
		{"webhook without token", http.MethodPost, pathWebhook, 401},
		{"webhook with wrong token", http.MethodPost, pathWebhook + "?token=nope", 401},
		{"token in query only for the webhook", http.MethodGet, "/api/v2/orders?token=" + testToken, 401},
		{"webhook with token in query", http.MethodPost, pathWebhook + "?token=" + testToken, 200},
		{"health is open", http.MethodGet, "/health", 200},
		{"docs are open", http.MethodGet, "/docs", 200},
		{"openapi is open", http.MethodGet, "/openapi.json", 200},
	}
	for _, c := range checks {
		if got := anon(c.method, c.path, msg); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	if status, _ := ts.request(http.MethodGet, "/api/v2/orders", "", nil); status != 200 {
		t.Errorf("bearer token refused: %d", status)
	}
	logs, _ := ts.store.Logs(context.Background(), 10)
	if len(logs) != 1 {
		t.Errorf("%d log entries; unauthenticated posts must not be stored", len(logs))
	}
	resp, err := http.Get(ts.URL + "/api/v2/orders")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(raw, []byte("Bearer <http.token>")) {
		t.Errorf("401 detail is not readable as sent: %s", raw)
	}
}

func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", testToken)
	status, raw := ts.request(http.MethodGet, "/openapi.json", "", nil)
	if status != 200 {
		t.Fatal(status)
	}
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			SecuritySchemes map[string]json.RawMessage `json:"securitySchemes"`
		} `json:"components"`
	}
	decode(t, raw, &doc)
	want := map[string][]string{
		pathWebhook: {"post"}, "/api/v2/webhooks/logs": {"get"}, "/api/v2/orders": {"get", "post"},
		"/api/v2/orders/{order_number}": {"get", "patch", "delete"}, "/api/v2/orders/{order_number}/events": {"get"},
		"/api/v2/orders/{order_number}/restore": {"post"}, pathExport: {"get"}, "/api/v2/stats": {"get"},
		pathLive: {"get"}, pathBackup: {"get"}, "/health": {"get"},
	}
	for path, methods := range want {
		for _, m := range methods {
			if _, ok := doc.Paths[path][m]; !ok {
				t.Errorf("openapi.json lacks %s %s", m, path)
			}
		}
	}
	if _, ok := doc.Components.SecuritySchemes["bearer"]; !ok {
		t.Error("no bearer security scheme")
	}
	if !strings.Contains(string(doc.Paths[pathWebhook]["post"]), "text/plain") {
		t.Error("webhook body types not documented")
	}
	status, raw = ts.request(http.MethodGet, "/docs", "", nil)
	if status != 200 || !strings.Contains(string(raw), "/openapi") {
		t.Errorf("docs page: %d", status)
	}
}

func TestListOrdersOverHTTP(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", "")
	for i, store := range []string{"Target", "Walmart", "Target"} {
		body := "Successful Checkout | " + store + "\nProduct\nItem " + string(rune('A'+i)) + "\nOrder Number\nL-" + string(rune('1'+i)) + "\n"
		if status, _ := ts.post("text/plain", []byte(body)); status != 200 {
			t.Fatal(status)
		}
	}
	list := func(query string) (int, OrderPage) {
		status, raw := ts.request(http.MethodGet, "/api/v2/orders"+query, "", nil)
		var page OrderPage
		if status == 200 {
			decode(t, raw, &page)
		}
		return status, page
	}
	if _, page := list("?store=target"); len(page.Orders) != 2 || page.Orders[0].OrderNumber != "L-3" {
		t.Errorf("store filter: %+v", page)
	}
	if _, page := list("?q=item+b"); len(page.Orders) != 1 || page.Orders[0].OrderNumber != "L-2" {
		t.Errorf("text search: %+v", page)
	}
	today := time.Now().UTC().Format(time.DateOnly)
	if _, page := list("?from=" + today + "&to=" + today); len(page.Orders) != 3 {
		t.Errorf("date range: %d orders", len(page.Orders))
	}
	_, page := list("?limit=2")
	if len(page.Orders) != 2 || page.NextCursor == "" {
		t.Fatalf("first page: %+v", page)
	}
	if _, next := list("?limit=2&cursor=" + page.NextCursor); len(next.Orders) != 1 || next.NextCursor != "" || next.Orders[0].OrderNumber != "L-1" {
		t.Errorf("second page: %+v", next)
	}
	for _, bad := range []string{"?from=last+tuesday", "?cursor=abc", "?status=delivred", "?limit=0", "?limit=9999"} {
		if status, _ := list(bad); status != 400 && status != 422 {
			t.Errorf("%s: status %d, want 400 or 422", bad, status)
		}
	}
}

func TestPatchOrder(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", "")
	ts.post("text/plain", fixture(t, "parser", "minimal.txt"))
	status, raw := ts.request(http.MethodPatch, "/api/v2/orders/test-001", "application/json",
		[]byte(`{"status":"Delivered","tracking_number":"1Z1","qty_received":1,"notes":"box dented"}`))
	var reply ChangeReply
	decode(t, raw, &reply)
	if status != 200 || reply.Action != "updated" || reply.Order.Status != "delivered" || reply.Order.DeliveredDate == nil ||
		reply.Order.QtyReceived != 1 || reply.Order.Notes != "box dented" {
		t.Fatalf("%d %s", status, raw)
	}
	_, raw = ts.request(http.MethodGet, "/api/v2/orders/TEST-001/events", "", nil)
	var events []order.Event
	decode(t, raw, &events)
	if len(events) != 2 || events[1].Origin.Source != "api" {
		t.Errorf("events %s", raw)
	}
	if status, _ := ts.request(http.MethodPatch, "/api/v2/orders/NOPE", "application/json", []byte(`{"status":"shipped"}`)); status != 404 {
		t.Errorf("unknown order: %d", status)
	}
	if status, _ := ts.request(http.MethodPatch, "/api/v2/orders/TEST-001", "application/json", []byte(`{}`)); status != 422 {
		t.Errorf("empty patch: %d", status)
	}
	if status, _ := ts.request(http.MethodGet, "/api/v2/orders/NOPE", "", nil); status != 404 {
		t.Errorf("GET unknown: %d", status)
	}
}

func TestWebhookLogsNewestFirst(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", "")
	ts.post("text/plain", fixture(t, "parser", "minimal.txt"))
	ts.post("text/plain", []byte("ping"))
	ts.post("text/plain", nil)
	_, raw := ts.request(http.MethodGet, "/api/v2/webhooks/logs?limit=2", "", nil)
	var list LogList
	decode(t, raw, &list)
	logs := list.Logs
	if list.Total != 3 || len(logs) != 2 || logs[0].Outcome != "rejected" || logs[1].Outcome != "ignored" {
		t.Fatalf("logs %s", raw)
	}
	// ROMS V2's fields, as its monitor and frontend read them.
	if logs[0].Endpoint != pathWebhook || logs[0].Method != "POST" || logs[0].StatusCode != 400 || logs[0].Processed ||
		logs[0].ErrorMessage != "message is empty" || logs[1].StatusCode != 200 || !logs[1].Processed || logs[1].PayloadPreview != "ping" {
		t.Errorf("V2 fields %s", raw)
	}
	var whole order.LogEntry
	_, raw = ts.request(http.MethodGet, fmt.Sprintf("/api/v2/webhooks/logs/%d", logs[1].ID), "", nil)
	decode(t, raw, &whole)
	if whole.Body != "ping" {
		t.Errorf("one entry %s", raw)
	}
	if status, _ := ts.request(http.MethodGet, "/api/v2/webhooks/logs/999", "", nil); status != 404 {
		t.Errorf("missing entry: %d", status)
	}
}

func TestHealthFailsWhileTheDatabaseHasAProblem(t *testing.T) {
	t.Parallel()
	full := errors.New("writes are failing: no space left on device")
	var problem error
	ts := startServerWith(t, "", "", func(d *Deps) { d.Database.Problem = func() error { return problem } })
	if status, _ := ts.request(http.MethodGet, "/health", "", nil); status != 200 {
		t.Fatalf("healthy: %d", status)
	}
	problem = full
	status, raw := ts.request(http.MethodGet, "/health", "", nil)
	if status != 503 || !strings.Contains(string(raw), "no space left on device") || !strings.Contains(string(raw), `"state":"error"`) {
		t.Errorf("%d %s", status, raw)
	}
}

func TestHealth(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", "")
	ts.post("text/plain", fixture(t, "parser", "minimal.txt"))
	status, raw := ts.request(http.MethodGet, "/health", "", nil)
	var h Health
	decode(t, raw, &h)
	if status != 200 || h.Status != "ok" || h.Database.State != "ok" || h.Database.Orders != 1 || h.Discord.State != "disabled" || h.Version != "test" {
		t.Errorf("%d %s", status, raw)
	}
}

func TestOrdersSurviveARestart(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "roms.db")
	first := startServer(t, path, "")
	first.post("text/plain", fixture(t, "parser", "minimal.txt"))
	first.stop()

	second := startServer(t, path, "")
	if status, reply := second.post("text/plain", fixture(t, "parser", "update.txt")); status != 200 || reply.Action != "updated" || reply.OrderID != 1 {
		t.Errorf("after restart: %d %+v", status, reply)
	}
	if status, reply := second.post("text/plain", fixture(t, "parser", "complete.txt")); status != 200 || reply.OrderID != 2 {
		t.Errorf("new order after restart: %d %+v", status, reply)
	}
}

func TestLiveStreamSendsOrderChanges(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", "")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+pathLive, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	readEvent := func() (name, data string) {
		for lines.Scan() {
			line := lines.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				data = strings.TrimPrefix(line, "data: ")
			case line == "" && data != "":
				return name, data
			}
		}
		t.Fatalf("stream ended: %v", lines.Err())
		return "", ""
	}
	if name, _ := readEvent(); name != "ping" {
		t.Fatalf("first event %q, want ping", name)
	}
	ts.post("text/plain", fixture(t, "parser", "minimal.txt"))
	name, data := readEvent()
	var e live.OrderChange
	decode(t, []byte(data), &e)
	if name != "order" || e.Type != "created" || e.Order.OrderNumber != "TEST-001" {
		t.Errorf("event %s %s", name, data)
	}
}

func TestBackupEndpointGivesAWorkingCopy(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", testToken)
	ts.post("text/plain", fixture(t, "parser", "minimal.txt"))
	status, raw := ts.request(http.MethodGet, pathBackup, "", nil)
	if status != 200 {
		t.Fatal(status)
	}
	copyStore := storetest.FromBytes(t, raw)
	if o, err := copyStore.Get(context.Background(), "TEST-001"); err != nil || o.Product != "Test Product" {
		t.Errorf("copy: %+v %v", o, err)
	}
}

func TestUnknownRouteIsAJSONProblem(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", "")
	status, raw := ts.request(http.MethodGet, "/nope", "", nil)
	if status != 404 || !strings.Contains(string(raw), `"detail"`) {
		t.Errorf("%d %s", status, raw)
	}
}

func TestBackfillNeedsDiscord(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", "")
	status, raw := ts.request(http.MethodPost, PathBackfill, "application/json", []byte(`{"channel_id":"1290000000000000001","since":"2026-11-01T00:00:00Z"}`))
	if status != http.StatusConflict || !strings.Contains(string(raw), "discord.token") {
		t.Errorf("%d %s", status, raw)
	}
}

func TestDocsNeedNoInternet(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", testToken)
	status, raw := ts.request(http.MethodGet, "/docs", "", nil)
	page := string(raw)
	if status != 200 || strings.Contains(page, "<script") || strings.Contains(page, `src="http`) || strings.Contains(page, "unpkg") ||
		strings.Contains(page, `rel="stylesheet"`) {
		t.Fatalf("docs load something from elsewhere or failed: %d", status)
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	_, spec := ts.request(http.MethodGet, "/openapi.json", "", nil)
	decode(t, spec, &doc)
	for path, ops := range doc.Paths {
		for method := range ops {
			if !strings.Contains(page, strings.ToUpper(method)+`</span> <span class="path">`+path+"<") {
				t.Errorf("docs lack %s %s", strings.ToUpper(method), path)
			}
		}
	}
	for _, want := range []string{`id="schema-Order"`, `<a href="#schema-Order">Order</a>`, "needs the token", "shipped,delivered"} {
		if !strings.Contains(page, want) {
			t.Errorf("docs lack %q", want)
		}
	}
}

// TestACartsItemsAreShownByTheAPI posts a cart embed and reads its items back from the
// orders API.
func TestACartsItemsAreShownByTheAPI(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", "")
	body := []byte(`{"embeds":[{"title":"Successful Checkout | Pokemon Center","fields":[
		{"name":"Product (1)","value":"Booster Bundle"},{"name":"Price (1)","value":"$26.94"},{"name":"Quantity (1)","value":"2"},
		{"name":"Product (2)","value":"Elite Trainer Box"},{"name":"Price (2)","value":"$49.99"},
		{"name":"Order Number","value":"P-1"}]}]}`)
	if status, reply := ts.post("application/json", body); status != 200 || reply.OrderNumber != "P-1" {
		t.Fatalf("cart: %d %+v", status, reply)
	}
	status, raw := ts.request(http.MethodGet, "/api/v2/orders/P-1", "", nil)
	var o struct {
		Total float64 `json:"total"`
		Items []struct {
			Product  string  `json:"product"`
			Quantity int     `json:"quantity"`
			Price    float64 `json:"price"`
		} `json:"items"`
	}
	decode(t, raw, &o)
	if status != 200 || o.Total != 103.87 || len(o.Items) != 2 || o.Items[0].Quantity != 2 || o.Items[1].Product != "Elite Trainer Box" || o.Items[1].Price != 49.99 {
		t.Errorf("GET order: %d %s", status, raw)
	}
}
