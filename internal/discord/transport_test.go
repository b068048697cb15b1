package discord

import (
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"testing"
	"time"
)

type recordTransport struct{ got *http.Request }

func (r *recordTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r.got = req
	return &http.Response{StatusCode: 204, Body: http.NoBody, Request: req}, nil
}

func TestRebaseSendsRESTToTheConfiguredBase(t *testing.T) {
	tests := []struct{ base, want string }{
		{"http://127.0.0.1:9999", "http://127.0.0.1:9999/api/v9/channels/1/messages?after=5"},
		{"https://proxy.example/discord/", "https://proxy.example/discord/api/v9/channels/1/messages?after=5"},
	}
	for _, tt := range tests {
		base, _ := url.Parse(tt.base)
		rec := &recordTransport{}
		req, _ := http.NewRequest("GET", "https://discord.com/api/v9/channels/1/messages?after=5", nil)
		if _, err := (rebase{base: base, next: rec}).RoundTrip(req); err != nil {
			t.Fatal(err)
		}
		if got := rec.got.URL.String(); got != tt.want || rec.got.Host != base.Host {
			t.Errorf("base %s: sent to %s (host %s), want %s", tt.base, got, rec.got.Host, tt.want)
		}
	}
}

func TestIDsAndTimes(t *testing.T) {
	at := time.Date(2026, 11, 20, 18, 4, 5, 123e6, time.UTC)
	id := idAt(at)
	if got := idTime(id); !got.Equal(at.Add(-time.Millisecond)) && !got.Equal(at) {
		t.Errorf("idTime(idAt(%v)) = %v", at, got)
	}
	// A message posted in that very millisecond sorts after the position.
	first := idAt(at.Add(time.Millisecond))
	if compareIDs(first, id) <= 0 {
		t.Errorf("%s is not after %s", first, id)
	}
	if idAt(time.Time{}) != "0" || !idTime("0").IsZero() || !idTime("junk").IsZero() {
		t.Error("zero values")
	}
	if compareIDs("999", "1000") >= 0 || compareIDs("1000", "1000") != 0 {
		t.Error("compareIDs is not numeric")
	}
}

func TestHandlerPanicIsRecovered(t *testing.T) {
	l := &Listener{logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	l.guard("test", func() { panic("boom") })
	l.inflight.Wait() // the panic did not leave the handler counted as running
}
