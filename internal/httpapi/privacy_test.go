package httpapi

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestNoProxyPasswordIsKeptAnywhere posts a proxy password in each shape the issue lists,
// through every body kind and a correction, then reads back every place text is kept:
// orders, their events, the export and the webhook log, each entry whole.
func TestNoProxyPasswordIsKeptAnywhere(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", "")
	posts := []struct{ contentType, body string }{
		{"text/plain", "Successful Checkout | Target\nOrder Number\nP-1\nProxy Details\nlocalhost:8080:bob:hunter 22\nUsername\nbob\nPassword\nhunter22x\n"},
		{"application/x-www-form-urlencoded", "content=" + url.QueryEscape("Successful Checkout | Target\nOrder Number: P-2\nProxy: [2001:db8::1]:8080:bob:hun;ter,22")},
		{"application/json", `{"embeds":[{"title":"Successful Checkout | Target","fields":[{"name":"Order Number","value":"P-3"},` +
			`{"name":"Proxy","value":"||resi\u003a5959\u003abob\u003ahunter22||"},{"name":"🔑 Password","value":"hunter22y"}]}]}`},
		{"application/json", `{"order_number":"P-4","proxy":"10.0.0.1:3128:bob:hunter \"22\"","proxy_password":"hunter22w"}`},
	}
	for _, p := range posts {
		if status, reply := ts.post(p.contentType, []byte(p.body)); status != 200 {
			t.Fatalf("%s: %d %+v", p.contentType, status, reply)
		}
	}
	if status, _, raw := ts.change(http.MethodPatch, "/api/v2/orders/P-1", `{"notes":"new proxy localhost:9090:bob:hunter22z, Password: hunter22v"}`); status != 200 {
		t.Fatalf("patch: %d %s", status, raw)
	}
	var kept strings.Builder
	read := func(path string) {
		status, raw := ts.request(http.MethodGet, path, "", nil)
		if status != 200 {
			t.Fatalf("GET %s: %d %s", path, status, raw)
		}
		fmt.Fprintf(&kept, "%s\n%s\n", path, raw)
	}
	read("/api/v2/orders?limit=50")
	read("/api/v2/orders/export.csv")
	for _, n := range []string{"P-1", "P-2", "P-3", "P-4"} {
		read("/api/v2/orders/" + n)
		read("/api/v2/orders/" + n + "/events")
	}
	var logs LogList
	_, raw := ts.request(http.MethodGet, "/api/v2/webhooks/logs?limit=50", "", nil)
	decode(t, raw, &logs)
	if len(logs.Logs) != len(posts) {
		t.Fatalf("%d log entries, want %d", len(logs.Logs), len(posts))
	}
	for _, l := range logs.Logs {
		read(fmt.Sprintf("/api/v2/webhooks/logs/%d", l.ID))
	}
	if strings.Contains(kept.String(), "hun") {
		t.Fatalf("a password was kept:\n%s", kept.String())
	}
	for _, host := range []string{"localhost:8080", "[2001:db8::1]:8080", "resi:5959", "10.0.0.1:3128", "localhost:9090"} {
		if !strings.Contains(kept.String(), host) {
			t.Errorf("host %s was lost with the password", host)
		}
	}
}
