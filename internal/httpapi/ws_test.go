package httpapi

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// readWS reads the next JSON message, failing the test after 5 s.
func readWS(t *testing.T, c *websocket.Conn) wsMessage {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var m wsMessage
	if err := c.ReadJSON(&m); err != nil {
		t.Fatalf("read: %v", err)
	}
	return m
}

// TestWebSocketAsROMSV2sFrontendUsesIt connects as a browser page of another origin
// would: ?token=, an Origin header, then ping, a new order and an update.
func TestWebSocketAsROMSV2sFrontendUsesIt(t *testing.T) {
	t.Parallel()
	const frontend = "http://localhost:3000"
	ts := startServerWith(t, "", testToken, func(d *Deps) { d.CORSOrigins = []string{frontend} })
	wsURL := "ws" + strings.TrimPrefix(ts.URL, "http") + pathWS
	header := http.Header{"Origin": {frontend}}
	if _, resp, err := websocket.DefaultDialer.Dial(wsURL, header); err == nil || resp.StatusCode != 401 {
		t.Fatalf("without the token: %v", err)
	}
	if _, resp, err := websocket.DefaultDialer.Dial(wsURL+"?token="+testToken, http.Header{"Origin": {"http://evil.example"}}); err == nil || resp.StatusCode != 403 {
		t.Fatalf("from an origin not allowed: %v", err)
	}
	c, _, err := websocket.DefaultDialer.Dial(wsURL+"?token="+testToken, header)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if m := readWS(t, c); m.Type != "connection_confirmed" {
		t.Fatalf("first message %+v", m)
	}
	if err := c.WriteMessage(websocket.TextMessage, []byte(`{"type": "ping"}`)); err != nil {
		t.Fatal(err)
	}
	if m := readWS(t, c); m.Type != "pong" {
		t.Fatalf("answer to ping %+v", m)
	}
	ts.post("text/plain", fixture(t, "parser", "minimal.txt"))
	if m := readWS(t, c); m.Type != "new_order" || m.Order.OrderNumber != "TEST-001" {
		t.Errorf("new order %+v", m)
	}
	ts.request(http.MethodPatch, "/api/v2/orders/TEST-001", "application/json", []byte(`{"status": "shipped"}`))
	if m := readWS(t, c); m.Type != "order_updated" || m.Order.Status != "shipped" || len(m.Changes) == 0 || m.Changes[0].Field != "status" {
		t.Errorf("update %+v", m)
	}
}

// TestCORSPreflightAsABrowserSendsIt sends what a browser sends before a PATCH from
// another origin, then the request itself.
func TestCORSPreflightAsABrowserSendsIt(t *testing.T) {
	t.Parallel()
	const frontend = "http://localhost:3000"
	ts := startServerWith(t, "", testToken, func(d *Deps) { d.CORSOrigins = []string{frontend} })
	preflight := func(origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodOptions, ts.URL+"/api/v2/orders/TEST-001", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "PATCH")
		req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	resp := preflight(frontend)
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != frontend ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "PATCH") ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	if resp := preflight("http://evil.example"); resp.StatusCode != 403 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another origin: %d %v", resp.StatusCode, resp.Header)
	}
	ts.post("text/plain", fixture(t, "parser", "minimal.txt"))
	req, _ := http.NewRequest(http.MethodPatch, ts.URL+"/api/v2/orders/TEST-001", strings.NewReader(`{"notes": "from the frontend"}`))
	req.Header.Set("Origin", frontend)
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/json")
	got, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got.Body.Close()
	if got.StatusCode != 200 || got.Header.Get("Access-Control-Allow-Origin") != frontend {
		t.Errorf("the request: %d %v", got.StatusCode, got.Header)
	}
	// Nothing is allowed by default.
	plain := startServer(t, "", "")
	req, _ = http.NewRequest(http.MethodGet, plain.URL+"/api/v2/orders", nil)
	req.Header.Set("Origin", frontend)
	got, _ = http.DefaultClient.Do(req)
	got.Body.Close()
	if got.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Error("CORS allowed without http.cors_origins")
	}
}

// TestLiveClientsAreBounded is the finding: one address held 301 sockets, and 2,000 that
// never read took memory from 25 to 759 MB. An address holds at most 32 live connections
// (the stream and /ws together); one more is answered 429 until one closes.
func TestLiveClientsAreBounded(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", "")
	wsURL := "ws" + strings.TrimPrefix(ts.URL, "http") + pathWS
	var conns []*websocket.Conn
	for i := range liveMaxPerAddress {
		c, _, err := websocket.DefaultDialer.Dial(wsURL, nil)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		conns = append(conns, c)
	}
	if _, resp, err := websocket.DefaultDialer.Dial(wsURL, nil); err == nil || resp.StatusCode != 429 {
		t.Fatalf("connection %d: %v, want 429", liveMaxPerAddress+1, err)
	}
	resp, err := http.Get(ts.URL + pathLive)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 {
		t.Errorf("the event stream with the address's slots taken: %d, want 429", resp.StatusCode)
	}
	conns[0].Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, _, err := websocket.DefaultDialer.Dial(wsURL, nil)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no slot after one closed: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, c := range conns[1:] {
		c.Close()
	}
}
