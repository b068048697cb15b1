package httpapi

import (
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"
)

func TestBrowserSession(t *testing.T) {
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
		{"expired", sessionValue(testToken, now.Add(-time.Minute))},
		{"signed with an old token", sessionValue("an-old-token-0123456789", now.Add(time.Hour))},
		{"tampered expiry", strings.Replace(sessionValue(testToken, now.Add(time.Hour)), "1", "2", 1)},
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
