package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// hostileCase is one request an attacker or a broken client could send: what it must be
// answered, and whether it is kept in the webhook log.
type hostileCase struct {
	name   string
	method string
	path   string
	header map[string]string
	body   string
	status int
	logged bool
}

func runHostile(t *testing.T, ts *testServer, cases []hostileCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before, _ := ts.store.Counts(t.Context())
			req, _ := http.NewRequest(c.method, ts.URL+c.path, strings.NewReader(c.body))
			for k, v := range c.header {
				if k == "Host" {
					req.Host = v
					continue
				}
				req.Header.Set(k, v)
			}
			client := &http.Client{Timeout: 5 * time.Second}
			start := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.status {
				t.Errorf("status %d, want %d", resp.StatusCode, c.status)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
			after, _ := ts.store.Counts(t.Context())
			if logged := after.LogItems > before.LogItems; logged != c.logged {
				t.Errorf("logged %v, want %v", logged, c.logged)
			}
		})
	}
}

func TestHostileRequestsWithoutAToken(t *testing.T) {
	t.Parallel()
	ts := startServerWith(t, "", "", func(d *Deps) {
		d.ListenHost, d.AllowedHosts = "127.0.0.1", []string{"roms.example.com"}
	})
	msg := string(fixture(t, "parser", "minimal.txt"))
	runHostile(t, ts, []hostileCase{
		{name: "DNS rebinding reads the backup", method: "GET", path: pathBackup, header: map[string]string{"Host": "rebind.evil.example:8001"}, status: 421},
		{name: "DNS rebinding posts an order", method: "POST", path: pathWebhook, header: map[string]string{"Host": "rebind.evil.example", "Content-Type": "text/plain"}, body: msg, status: 421},
		{name: "an allowed name", method: "GET", path: "/api/v2/orders", header: map[string]string{"Host": "roms.example.com:8001"}, status: 200},
		{name: "localhost by name", method: "GET", path: "/health", header: map[string]string{"Host": "localhost:8001"}, status: 200},
		{name: "a cross-site form post of text", method: "POST", path: pathWebhook, header: map[string]string{"Origin": "https://evil.example", "Content-Type": "text/plain"}, body: msg, status: 403},
		{name: "a cross-site delete", method: "DELETE", path: "/api/v2/orders/TEST-001", header: map[string]string{"Origin": "https://evil.example"}, status: 403},
		{name: "cross-site without an Origin", method: "POST", path: pathWebhook, header: map[string]string{"Sec-Fetch-Site": "cross-site", "Content-Type": "text/plain"}, body: msg, status: 403},
		{name: "a bot's post (no Origin)", method: "POST", path: pathWebhook, header: map[string]string{"Content-Type": "text/plain"}, body: msg, status: 200, logged: true},
		{name: "a same-origin page's post", method: "POST", path: pathWebhook, header: map[string]string{"Origin": ts.URL, "Content-Type": "text/plain"}, body: msg, status: 200, logged: true},
		{name: "a cross-site read is answered (the browser hides it)", method: "GET", path: "/api/v2/orders", header: map[string]string{"Origin": "https://evil.example"}, status: 200},
	})
}

func TestTokenHygiene(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	ts := startServerWith(t, "", testToken, func(d *Deps) {
		d.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		d.Metrics = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "roms_orders 0\n") })
	})
	runHostile(t, ts, []hostileCase{
		{name: "bearer in lower case", method: "GET", path: "/api/v2/orders", header: map[string]string{"Authorization": "bearer " + testToken}, status: 200},
		{name: "BEARER in capitals", method: "GET", path: "/api/v2/orders", header: map[string]string{"Authorization": "BEARER " + testToken}, status: 200},
		{name: "another scheme", method: "GET", path: "/api/v2/orders", header: map[string]string{"Authorization": "Basic " + testToken}, status: 401},
		{name: "a token in an encoded query", method: "GET", path: "/api/v2/orders%3Ftoken=" + testToken, status: 401},
		{name: "any name, with a token", method: "GET", path: "/health", header: map[string]string{"Host": "my.domain.example"}, status: 200},
		{name: "metrics without the token", method: "GET", path: "/metrics", status: 401},
		{name: "metrics with the token", method: "GET", path: "/metrics", header: map[string]string{"Authorization": "Bearer " + testToken}, status: 200},
		{name: "the token in the path of /ws", method: "GET", path: "/ws/" + testToken, status: 404},
		{name: "the token in the webhook's path", method: "POST", path: "/api/v2/webhooks/orders/" + testToken, status: 401},
	})
	if strings.Contains(logs.String(), testToken) {
		t.Errorf("the token reached the log:\n%s", logs.String())
	}
}

func embedsBody(n int, padding string) []byte {
	var embeds []string
	for i := range n {
		embeds = append(embeds, fmt.Sprintf(`{"title": "Successful Checkout | Target", "description": %q, "fields": [{"name": "Order Number", "value": "E-%d"}]}`, padding, i))
	}
	return []byte(`{"embeds": [` + strings.Join(embeds, ",") + `]}`)
}

func TestManyEmbedsAreNotStoredManyTimes(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", "")
	body := embedsBody(10, strings.Repeat("x", 80_000)) // about 800 KB, ten checkouts
	status, reply := ts.post("application/json", body)
	if status != 200 || len(reply.Results) != 10 {
		t.Fatalf("%d %+v", status, reply.Results)
	}
	logs, _ := ts.store.Logs(t.Context(), 100)
	kept := 0
	for _, l := range logs {
		kept += len(l.Body)
	}
	if len(logs) != 10 || kept > len(body)+10*85_000 {
		t.Errorf("%d entries keep %d bytes of a %d-byte body", len(logs), kept, len(body))
	}
	raw := 0
	for _, l := range logs {
		if len(l.Body) >= len(body) {
			raw++
		}
	}
	if raw != 1 {
		t.Errorf("the raw body is kept %d times, want once", raw)
	}
	status, _ = ts.post("application/json", embedsBody(11, "x"))
	if status != 413 {
		t.Errorf("11 embeds: %d, want 413", status)
	}
	if logs, _ := ts.store.Logs(t.Context(), 1); logs[0].Outcome != "rejected" || !strings.Contains(logs[0].Error, "more than 10 checkouts") {
		t.Errorf("refused body not logged: %+v", logs[0])
	}
}

// TestAnAbandonedBodyIsLoggedAsIncomplete sends half a body and hangs up, as a client
// that crashes or loses its connection does.
func TestAnAbandonedBodyIsLoggedAsIncomplete(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", "")
	conn, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	part := "Successful Checkout | Target\nOrder Number\nHALF-1\n"
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n%s", pathWebhook, part)
	time.Sleep(100 * time.Millisecond)
	conn.Close()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		logs, _ := ts.store.Logs(t.Context(), 1)
		if len(logs) == 1 {
			if logs[0].Body != part || logs[0].Outcome != "rejected" || !strings.Contains(logs[0].Error, "incomplete after 49 bytes") {
				t.Errorf("entry %+v", logs[0])
			}
			if _, err := ts.store.Get(t.Context(), "HALF-1"); err == nil {
				t.Error("an incomplete body became an order")
			}
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the abandoned input left no log entry")
}

// TestAThousandConcurrentUpdatesToOneOrder: each is one event, none is lost.
func TestAThousandConcurrentUpdatesToOneOrder(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", "")
	ts.post("text/plain", fixture(t, "parser", "minimal.txt"))
	var wg sync.WaitGroup
	var failed atomic.Int32
	for c := range 50 {
		wg.Go(func() {
			for i := range 20 {
				req, _ := http.NewRequest(http.MethodPatch, ts.URL+"/api/v2/orders/TEST-001", strings.NewReader(fmt.Sprintf(`{"notes": "update %d-%d"}`, c, i)))
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil || resp.StatusCode != 200 {
					failed.Add(1)
				}
				if resp != nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		})
	}
	wg.Wait()
	if failed.Load() != 0 {
		t.Fatalf("%d updates failed", failed.Load())
	}
	events, err := ts.store.Events(t.Context(), "TEST-001")
	if err != nil || len(events) != 1001 {
		t.Fatalf("%d events, want 1 created and 1000 updates: %v", len(events), err)
	}
	seen := map[any]bool{}
	for _, e := range events[1:] {
		if len(e.Changes) != 1 || e.Changes[0].Field != "notes" || seen[e.Changes[0].New] {
			t.Fatalf("event %+v", e)
		}
		seen[e.Changes[0].New] = true
	}
}

// remote calls the server in process as a client at another address would: no traffic
// leaves this machine.
func remote(ts *testServer, method, path, body, token string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.RemoteAddr = "203.0.113.9:40000" // a documentation address, never dialled
	req.Host = strings.TrimPrefix(ts.URL, "http://")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	ts.Config.Handler.ServeHTTP(rec, req)
	return rec
}

func TestRateLimitAnswersStrangers429WithRetryAfter(t *testing.T) {
	t.Parallel()
	ts := startServerWith(t, "", "", func(d *Deps) { d.RateLimit = RateLimit{PerMinute: 60, Burst: 4} })
	var codes []int
	var last *httptest.ResponseRecorder
	for range 7 {
		last = remote(ts, http.MethodGet, "/api/v2/orders", "", "")
		codes = append(codes, last.Code)
	}
	var body struct {
		Status     int
		RetryAfter float64 `json:"retry_after"`
		Global     *bool
	}
	_ = json.Unmarshal(last.Body.Bytes(), &body)
	if fmt.Sprint(codes) != "[200 200 200 200 200 429 429]" || last.Header().Get("Retry-After") != "1" ||
		body.Status != 429 || body.RetryAfter <= 0 || body.RetryAfter > 1 || body.Global == nil || *body.Global {
		t.Errorf("codes %v, Retry-After %q, body %s", codes, last.Header().Get("Retry-After"), last.Body)
	}
	if rec := remote(ts, http.MethodGet, "/health", "", ""); rec.Code != 200 {
		t.Errorf("health is limited: %d", rec.Code)
	}
}

// TestCheckoutsFromThisMachineOrWithTheTokenAreNeverLimited: 400 checkouts one after
// another under the default limit, from loopback over HTTP and from another address with
// the token: every one is stored.
func TestCheckoutsFromThisMachineOrWithTheTokenAreNeverLimited(t *testing.T) {
	t.Parallel()
	ts := startServerWith(t, "", testToken, func(d *Deps) { d.RateLimit = RateLimit{PerMinute: 1200, Burst: 300} })
	checkout := func(n int) string {
		return fmt.Sprintf("Successful Checkout | Target\nProduct\nWidget\nOrder Number\nRL-%d\n", n)
	}
	for i := range 400 {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/api/v2/webhooks/orders", strings.NewReader(checkout(i)))
		req.Header.Set("Authorization", "Bearer "+testToken)
		req.Header.Set("Content-Type", "text/plain")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			t.Fatalf("loopback checkout %d: HTTP %d", i, resp.StatusCode)
		}
		if rec := remote(ts, http.MethodPost, "/api/v2/webhooks/orders", checkout(1000+i), testToken); rec.Code >= 300 {
			t.Fatalf("checkout %d with the token from another address: HTTP %d %s", i, rec.Code, rec.Body)
		}
	}
	if counts, _ := ts.store.Counts(t.Context()); counts.Orders != 800 {
		t.Errorf("%d orders, want 800", counts.Orders)
	}
}

func TestLimiterRefillsAndKeepsClientsApart(t *testing.T) {
	t.Parallel()
	l := newLimiter(RateLimit{PerMinute: 600, Burst: 0}) // one every 100 ms
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	l.now = func() time.Time { return now }
	if ok, _ := l.take("a"); !ok {
		t.Fatal("first request refused")
	}
	if ok, wait := l.take("a"); ok || wait != 100*time.Millisecond {
		t.Errorf("second at once: %v %v", ok, wait)
	}
	if ok, _ := l.take("b"); !ok {
		t.Error("another client is limited by the first")
	}
	now = now.Add(100 * time.Millisecond)
	if ok, _ := l.take("a"); !ok {
		t.Error("not refilled")
	}
}

// TestALimitedCheckoutIsKeptFirst: a stranger's checkout refused by the rate limit is in
// the webhook log as a dead letter before the 429, and retry-failed stores it.
func TestALimitedCheckoutIsKeptFirst(t *testing.T) {
	t.Parallel()
	ts := startServerWith(t, "", "", func(d *Deps) { d.RateLimit = RateLimit{PerMinute: 60, Burst: 0} })
	for i := range 3 {
		body := fmt.Sprintf("Successful Checkout | Target\nOrder Number\nLIM-%d\n", i)
		rec := remote(ts, http.MethodPost, "/api/v2/webhooks/orders", body, "")
		if want := map[bool]int{true: 200, false: 429}[i == 0]; rec.Code != want {
			t.Fatalf("checkout %d: %d %s, want %d", i, rec.Code, rec.Body, want)
		}
	}
	status, raw := ts.request(http.MethodGet, "/api/v2/webhooks/queue/dead-letters", "", nil)
	if status != 200 || !strings.Contains(string(raw), "LIM-1") || !strings.Contains(string(raw), "LIM-2") {
		t.Fatalf("dead letters: %d %s", status, raw)
	}
	if status, raw := ts.request(http.MethodPost, "/api/v2/webhooks/queue/retry-failed", "", nil); status != 200 {
		t.Fatalf("retry: %d %s", status, raw)
	}
	for _, n := range []string{"LIM-1", "LIM-2"} {
		if status, _ := ts.request(http.MethodGet, "/api/v2/orders/"+n, "", nil); status != 200 {
			t.Errorf("%s not stored after retry-failed: %d", n, status)
		}
	}
	// The log list says the dead letters were stored since, not the old refusal alone.
	var list LogList
	_, raw = ts.request(http.MethodGet, "/api/v2/webhooks/logs?limit=10", "", nil)
	_ = json.Unmarshal(raw, &list)
	for _, l := range list.Logs {
		if l.ReplayedAs != "" && (!l.Processed || !strings.HasPrefix(l.ErrorMessage, "stored when replayed")) {
			t.Errorf("replayed entry %d: processed %v, %q", l.ID, l.Processed, l.ErrorMessage)
		}
	}
}
