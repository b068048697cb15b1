package httpapi

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestWrongTokensLockTheAddressOut: wrong tokens are answered 401; past the free ones the
// next try is 429 with Retry-After, and so is every try from that address until the wait is over, the
// right token included, on every way in (the API, the login, /ws, /metrics).
func TestWrongTokensLockTheAddressOut(t *testing.T) {
	t.Parallel()
	const token = "the-right-token-0123456789"
	ts := startServerWith(t, "", token, func(d *Deps) { d.Metrics = http.NotFoundHandler() })
	try := func(method, path, given, body string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
		if given != "" {
			req.Header.Set("Authorization", "Bearer "+given)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for i := range freeFailures + 1 { // the last locks the address for a second
		var resp *http.Response
		if i%2 == 0 {
			resp = try(http.MethodGet, "/api/v2/orders", "guess-"+string(rune('a'+i)), "")
		} else { // guesses at the login count the same
			resp = try(http.MethodPost, "/api/v2/session", "", `{"token": "guess"}`)
		}
		if resp.StatusCode != 401 {
			t.Fatalf("wrong token %d: %d, want 401", i, resp.StatusCode)
		}
	}
	resp := try(http.MethodGet, "/api/v2/orders", "guess-z", "")
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("the next try: %d Retry-After %q, want 429 and 1", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// Nothing offered is no guess: the dashboard before its login is not counted.
	other := startServerWith(t, "", token, nil)
	for range 3 * freeFailures {
		resp, err := http.Get(other.URL + "/api/v2/orders")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Fatalf("no token: %d, want 401", resp.StatusCode)
		}
	}
	for _, tt := range []struct{ method, path, body string }{
		{http.MethodGet, "/api/v2/orders", ""},
		{http.MethodPost, "/api/v2/session", `{"token": "` + token + `"}`},
		{http.MethodGet, "/ws?token=" + token, ""},
		{http.MethodGet, "/metrics", ""},
	} {
		if resp := try(tt.method, tt.path, token, tt.body); resp.StatusCode != 429 {
			t.Errorf("%s %s with the right token while locked out: %d, want 429", tt.method, tt.path, resp.StatusCode)
		}
	}
}

// TestTheWaitDoublesAndIsForgiven drives the count with a clock of its own.
func TestTheWaitDoublesAndIsForgiven(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	a := newAuthFailures()
	a.now = func() time.Time { return now }
	for range freeFailures {
		a.failed("203.0.113.7")
	}
	if w := a.locked("203.0.113.7"); w != 0 {
		t.Fatalf("locked %v after the free failures", w)
	}
	var waits []time.Duration
	for range 4 {
		a.failed("203.0.113.7")
		waits = append(waits, a.locked("203.0.113.7"))
	}
	if waits[0] != time.Second || waits[1] != 2*time.Second || waits[3] != 8*time.Second {
		t.Errorf("waits %v, want 1s 2s 4s 8s", waits)
	}
	for range 40 {
		a.failed("203.0.113.7")
	}
	if w := a.locked("203.0.113.7"); w != lockMax {
		t.Errorf("wait %v, want at most %v", w, lockMax)
	}
	if w := a.locked("203.0.113.8"); w != 0 {
		t.Errorf("another address locked %v", w)
	}
	now = now.Add(forgetAfter + lockMax + time.Second)
	a.failed("203.0.113.7")
	if w := a.locked("203.0.113.7"); w != 0 {
		t.Errorf("not forgiven after a quiet %v: %v", forgetAfter, w)
	}
	a.failed("203.0.113.9")
	a.succeeded("203.0.113.9")
	if _, kept := a.by["203.0.113.9"]; kept {
		t.Error("a success did not forgive the address")
	}
}
