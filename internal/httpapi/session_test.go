package httpapi

import (
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"
)

func TestBrowserSession(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", testToken)
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 5 * time.Second}
	get := func(path string) int {
		resp, err := browser.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	login := func(token string) *http.Response {
		resp, err := browser.Post(ts.URL+pathSession, "application/json", strings.NewReader(`{"token": "`+token+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if get("/api/v2/orders") != 401 {
		t.Fatal("no session, yet let in")
	}
	if resp := login("wrong-token-wrong-token"); resp.StatusCode != 401 {
		t.Errorf("wrong token: %d", resp.StatusCode)
	}
	resp := login(testToken)
	cookie := resp.Header.Get("Set-Cookie")
	if resp.StatusCode != 200 || !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Strict") || !strings.Contains(cookie, "Expires=") {
		t.Fatalf("login: %d %q", resp.StatusCode, cookie)
	}
	for _, path := range []string{"/api/v2/orders", "/api/v2/stats", pathExport, "/metrics"} {
		if code := get(path); code == 401 {
			t.Errorf("%s refuses the session", path)
		}
	}
	now := time.Now()
	for _, tt := range []struct {
		name, value string
	}{
		{"expired", sessionValue(testToken, "0", now.Add(-time.Minute))},
		{"signed with an old token", sessionValue("an-old-token-0123456789", "0", now.Add(time.Hour))},
		{"tampered expiry", strings.Replace(sessionValue(testToken, "0", now.Add(time.Hour)), "1", "2", 1)},
		{"garbage", "nonsense"},
	} {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/api/v2/orders", nil)
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: tt.value})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("%s session: %d", tt.name, resp.StatusCode)
		}
	}
	req, _ := http.NewRequest(http.MethodDelete, ts.URL+pathSession, nil)
	resp, err := browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if get("/api/v2/orders") != 401 {
		t.Error("still in after logging out")
	}
}

// TestLogoutEndsTheSessionOnTheServer is the finding: a cookie copied before logout
// still read orders and backups for 7 days. Logging out ends every session made before
// it, on this instance and (through the database) on the others.
func TestLogoutEndsTheSessionOnTheServer(t *testing.T) {
	t.Parallel()
	ts := startServer(t, "", testToken)
	login := func() string {
		resp, err := http.Post(ts.URL+pathSession, "application/json", strings.NewReader(`{"token": "`+testToken+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		for _, c := range resp.Cookies() {
			if c.Name == sessionCookie {
				return c.Value
			}
		}
		t.Fatal("no session cookie")
		return ""
	}
	with := func(method, path, cookie string) int {
		req, _ := http.NewRequest(method, ts.URL+path, nil)
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: cookie})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	copied := login()
	if code := with(http.MethodGet, "/api/v2/orders", copied); code != 200 {
		t.Fatalf("the session before logout: %d", code)
	}
	if code := with(http.MethodDelete, pathSession, copied); code >= 300 {
		t.Fatalf("logout: %d", code)
	}
	for _, path := range []string{"/api/v2/orders", pathBackup} {
		if code := with(http.MethodGet, path, copied); code != 401 {
			t.Errorf("%s with the cookie copied before logout: %d, want 401", path, code)
		}
	}
	if pos, _ := ts.store.Position(t.Context(), epochPosition); pos != "1" {
		t.Errorf("epoch in the database %q, want 1 (shared by the instances)", pos)
	}
	if code := with(http.MethodGet, "/api/v2/orders", login()); code != 200 {
		t.Errorf("a new login after logout: %d", code)
	}
	// Logging out without a session ends nobody's.
	if code := with(http.MethodDelete, pathSession, "forged"); code >= 300 {
		t.Fatalf("logout without a session: %d", code)
	}
	if pos, _ := ts.store.Position(t.Context(), epochPosition); pos != "1" {
		t.Errorf("a logout without a session moved the epoch to %q", pos)
	}
}
