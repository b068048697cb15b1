package parsehealth

import (
	"testing"
	"time"
)

func TestAlertFiresOnceAndClears(t *testing.T) {
	t.Parallel()
	var alerts []Alert
	tr := New(func(a Alert) { alerts = append(alerts, a) })
	at := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	post := func(r Result) { tr.Record("discord:1:Kodai", r, at); at = at.Add(time.Second) }
	for range 5 {
		post(Unread) // never read: a bot without order numbers is not a change
	}
	if len(alerts) != 0 {
		t.Fatalf("alerts for a source never read: %v", alerts)
	}
	post(Read)
	post(Noise) // a cart says nothing of the parser
	post(Unread)
	post(Unread)
	if len(alerts) != 0 {
		t.Fatalf("alert after two unread: %v", alerts)
	}
	post(Unread)
	post(Unread)
	post(Unread)
	if len(alerts) != 1 || alerts[0].Recovered {
		t.Fatalf("alerts %v, want one", alerts)
	}
	if s := tr.Sources(); len(s) != 1 || !s[0].Alerting || s[0].Seen != 12 || s[0].Noise != 1 || s[0].Unread != 10 {
		t.Errorf("source %+v", s)
	}
	post(Guessed)
	if len(alerts) != 2 || !alerts[1].Recovered || len(tr.Alerting()) != 0 {
		t.Errorf("alerts %v, want the recovery", alerts)
	}
}

func TestUnderHalfReadAlerts(t *testing.T) {
	t.Parallel()
	n := 0
	tr := New(func(Alert) { n++ })
	at := time.Now()
	for i := range window {
		r := Read
		if i%3 != 0 { // two unread in every three: never three in a row
			r = Unread
		}
		tr.Record("http:bot", r, at)
	}
	if n != 1 {
		t.Errorf("%d alerts, want one once under half of the last %d were read", n, window)
	}
}

func TestKeyAndEviction(t *testing.T) {
	t.Parallel()
	if k := Key("discord", "123", ""); k != "discord:123:unnamed" {
		t.Errorf("key %q", k)
	}
	tr := New(nil)
	at := time.Now()
	for i := range maxSources + 10 {
		tr.Record(Key("http", "", string(rune('a'+i%26))+time.Duration(i).String()), Read, at.Add(time.Duration(i)))
	}
	if n := len(tr.Sources()); n != maxSources {
		t.Errorf("%d sources kept, want at most %d", n, maxSources)
	}
}
