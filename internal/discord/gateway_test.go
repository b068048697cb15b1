package discord

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/roms-dev/roms/internal/gateway"

	"github.com/bwmarrin/discordgo"

	"github.com/roms-dev/roms/internal/bbolt/storetest"
	"github.com/roms-dev/roms/internal/fakediscord"
)

// TestBlankHistoryIsReadOnceTheIntentIsOn: checkouts posted while the Message Content
// Intent is off arrive blank; no cursor passes them, /health says what to do, and once the
// owner turns the intent on every one of them is stored once, with or without a restart.
func TestBlankHistoryIsReadOnceTheIntentIsOn(t *testing.T) {
	for _, restart := range []bool{false, true} {
		t.Run(fmt.Sprintf("restart=%v", restart), func(t *testing.T) {
			fake := fakediscord.Start(t)
			fake.SetHeartbeatInterval(time.Second)
			fake.SetMessageContent(false)
			st := storetest.New(t)
			since := time.Now().Add(-time.Hour)
			for i := range 3 {
				fake.Post(watched, withTime(checkout(fmt.Sprintf("MC-%d", i)), since.Add(time.Duration(i+1)*time.Minute)))
			}
			fast := func(c *Config) { c.InitialSince, c.SyncEvery = since, 100*time.Millisecond }
			b := startBot(t, fake, st, fast)
			eventually(t, "the intent reported missing", func() bool {
				s := b.listener.Status(context.Background())
				return s.MessageContent == contentMissing && s.State == gateway.StateRefused && strings.Contains(s.Message, "MESSAGE CONTENT INTENT")
			})
			history := "GET /api/v9/channels/" + watched + "/messages"
			reads := fake.Requests(history)
			eventually(t, "more history reads", func() bool { return fake.Requests(history) >= reads+3 })
			if n := b.orderCount(); n != 0 {
				t.Fatalf("%d orders from blank messages", n)
			}
			if pos, _ := st.Position(context.Background(), cursorName(watched)); pos != idAt(since) {
				t.Fatalf("cursor %s moved past blank messages (started at %s)", pos, idAt(since))
			}
			if restart {
				b.stop()
			}
			fake.SetMessageContent(true)
			if restart {
				b = startBot(t, fake, st, fast)
			}
			eventually(t, "the three checkouts", func() bool { return b.orderCount() == 3 })
			b.waitConnected() // history reading again woke the gateway from its 30-minute wait
			for i := range 3 {
				if events, err := st.Events(context.Background(), fmt.Sprintf("MC-%d", i)); err != nil || len(events) != 1 {
					t.Errorf("MC-%d: %d events (%v), want one", i, len(events), err)
				}
			}
			if s := b.listener.Status(context.Background()); s.MessageContent != contentOK {
				t.Errorf("message content %q after READY", s.MessageContent)
			}
		})
	}
}

func TestBackfillSaysTheIntentIsMissing(t *testing.T) {
	fake := fakediscord.Start(t)
	fake.SetMessageContent(false)
	start := time.Now().Add(-time.Hour)
	fake.Post(unwatched, withTime(checkout("BF-1"), start.Add(time.Minute)))
	l := newListener(t, fake, storetest.New(t), nil)
	_, err := l.Backfill(context.Background(), unwatched, start, nil)
	if err == nil || !strings.Contains(err.Error(), "MESSAGE CONTENT INTENT") {
		t.Errorf("backfill of blank messages: %v, want the intent named", err)
	}
}

// TestNoIdentifyWhenDiscordsAllowanceIsSpent: with no new sessions left today, the bot
// waits for Discord's reset rather than identifying (which would reset its token), and
// says so.
func TestNoIdentifyWhenDiscordsAllowanceIsSpent(t *testing.T) {
	fake := fakediscord.Start(t)
	fake.SetSessionStartLimit(0, 300*time.Millisecond)
	b := startBot(t, fake, storetest.New(t), nil)
	eventually(t, "the wait explained", func() bool {
		return strings.Contains(b.listener.Status(context.Background()).Message, "used up")
	})
	time.Sleep(time.Second) // more than three resets of the fake, which stays at zero
	if n := len(fake.Identifies()); n != 0 {
		t.Fatalf("%d IDENTIFYs with none left", n)
	}
	if s := b.listener.Status(context.Background()); s.SessionsLeft == nil || *s.SessionsLeft != 0 {
		t.Errorf("sessions left %v", s.SessionsLeft)
	}
	fake.SetSessionStartLimit(1000, time.Hour)
	b.waitConnected()
	if s := b.listener.Status(context.Background()); s.Identifies != 1 || *s.SessionsLeft != 1000 {
		t.Errorf("identifies %d, sessions left %d", s.Identifies, *s.SessionsLeft)
	}
}

// TestAFlappingLinkBacksOff: connections that drop as soon as they are made are retried
// further and further apart, and resumed, so no new session is spent on them.
func TestAFlappingLinkBacksOff(t *testing.T) {
	fake := fakediscord.Start(t)
	b := startBot(t, fake, storetest.New(t), nil)
	b.waitConnected()
	fake.FlapConnections(true)
	fake.DropConnection()
	// Four growing back-offs, each after discordgo's second of Close: about 9 s, so the
	// usual 10 s wait is too close.
	eventuallyWithin(t, 30*time.Second, "four reconnections", func() bool { return len(fake.Connections()) >= 5 })
	fake.FlapConnections(false)
	conns := fake.Connections()
	var gaps []time.Duration
	for i := 2; i < 5; i++ {
		gaps = append(gaps, conns[i].Sub(conns[i-1]))
	}
	t.Logf("gaps between reconnections of a flapping link: %v", gaps)
	// Each drop costs discordgo's Close a second; without the back-off every gap stays
	// under 1.3 s.
	if gaps[2] < 1800*time.Millisecond || gaps[2] <= gaps[0] {
		t.Errorf("gaps %v: want them growing", gaps)
	}
	if n := len(fake.Identifies()); n != 1 {
		t.Errorf("%d IDENTIFYs: a drop must be resumed", n)
	}
}

func TestIdentifyDelay(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	day := int((24 * time.Hour).Milliseconds())
	full := discordgo.SessionInformation{Total: 1000, Remaining: 1000, ResetAfter: day, MaxConcurrency: 1}
	ago := func(d time.Duration) []time.Time { return []time.Time{now.Add(-d)} }
	cases := []struct {
		name    string
		sent    []time.Time
		limit   discordgo.SessionInformation
		invalid time.Time
		want    time.Duration
		why     string
	}{
		{"first of the day", nil, full, time.Time{}, 0, ""},
		{"one a gap", ago(2 * time.Second), full, time.Time{}, 3 * time.Second, ""},
		{"long ago", ago(time.Hour), full, time.Time{}, 0, ""},
		{"half left: spread over the day", ago(time.Second),
			discordgo.SessionInformation{Total: 1000, Remaining: 400, ResetAfter: day}, time.Time{}, 24*time.Hour/400 - time.Second, ""},
		{"a fifth left: spread and said", ago(time.Minute),
			discordgo.SessionInformation{Total: 1000, Remaining: 200, ResetAfter: day}, time.Time{}, 24*time.Hour/200 - time.Minute, "only 200"},
		{"none left: the reset", ago(time.Hour),
			discordgo.SessionInformation{Total: 1000, Remaining: 0, ResetAfter: 90 * 60 * 1000}, time.Time{}, 90 * time.Minute, "used up"},
		{"after op 9", ago(time.Hour), full, now.Add(-time.Second), 2 * time.Second, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, why := identifyDelay(now, c.sent, c.limit, 5*time.Second, c.invalid, 3*time.Second)
			if got != c.want || !strings.Contains(why, c.why) || (c.why == "") != (why == "") {
				t.Errorf("delay %v %q, want %v %q", got, why, c.want, c.why)
			}
		})
	}
}
