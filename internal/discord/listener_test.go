package discord

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roms-dev/roms/internal/gateway"

	"github.com/bwmarrin/discordgo"

	"github.com/roms-dev/roms/internal/bbolt"
	"github.com/roms-dev/roms/internal/bbolt/storetest"
	"github.com/roms-dev/roms/internal/fakediscord"
	"github.com/roms-dev/roms/internal/live"
	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/orders"
)

const (
	watched   = "1290000000000000001"
	unwatched = "1290000000000000099"
	refractID = "1300000000000000042"
)

type bot struct {
	t        *testing.T
	fake     *fakediscord.Server
	store    *bbolt.Store
	listener *Listener
	stop     func()
}

// startBot runs a listener against the fake until the test ends (or stop is called).
func startBot(t *testing.T, fake *fakediscord.Server, st *bbolt.Store, change func(*Config)) *bot {
	t.Helper()
	l := newListener(t, fake, st, change)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	var once sync.Once
	b := &bot{t: t, fake: fake, store: st, listener: l}
	b.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(15 * time.Second):
				t.Error("listener did not stop within 15s")
			}
		})
	}
	t.Cleanup(b.stop)
	return b
}

func newListener(t *testing.T, fake *fakediscord.Server, st *bbolt.Store, change func(*Config)) *Listener {
	t.Helper()
	cfg := Config{
		Token: fake.Token, Channels: []string{watched}, APIURL: fake.URL, Reactions: true,
		InitialSince: time.Now(), IdleTimeout: 3 * time.Second,
	}
	if change != nil {
		change(&cfg)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	svc, err := orders.New(st, orders.Options{Publisher: live.NewHub(), Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	l, err := New(cfg, svc, logger)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// eventually polls cond until it holds, failing the test after 10 seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	eventuallyWithin(t, 10*time.Second, what, cond)
}

// eventuallyWithin is eventually for waits that are long by design (back-offs).
func eventuallyWithin(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (b *bot) waitConnected() {
	b.t.Helper()
	// A restart on the same store waits out Discord's one IDENTIFY per 5 s (the fake keeps
	// it too) before it connects, which under -race on a busy machine is close to the
	// usual 10 s.
	eventuallyWithin(b.t, 30*time.Second, "the bot to connect", func() bool {
		return b.listener.Status(context.Background()).State == gateway.StateConnected && b.fake.Connected()
	})
}

// waitCaughtUp waits until the channel's cursor has reached a message id.
func (b *bot) waitCaughtUp(messageID string) {
	b.t.Helper()
	eventually(b.t, "catch-up to reach "+messageID, func() bool {
		pos, _ := b.store.Position(context.Background(), cursorName(watched))
		return compareIDs(pos, messageID) >= 0
	})
}

func (b *bot) orderCount() int {
	page, err := b.store.List(context.Background(), order.Filter{Limit: 500})
	if err != nil {
		b.t.Fatal(err)
	}
	return len(page.Orders)
}

func fixtureMessage(t *testing.T, name string) discordgo.Message {
	t.Helper()
	raw, err := os.ReadFile("../embedtext/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var m discordgo.Message
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// checkout is a Refract-style webhook message for an order number.
func checkout(number string) discordgo.Message {
	return discordgo.Message{
		WebhookID: refractID,
		Author:    &discordgo.User{ID: refractID, Username: "Refract", Bot: true},
		Embeds: []*discordgo.MessageEmbed{{
			Title: "Successful Checkout | Best Buy US",
			Fields: []*discordgo.MessageEmbedField{
				{Name: "Product", Value: "Widget " + number},
				{Name: "Price", Value: "$10.00"},
				{Name: "Order Number", Value: "||#" + number + "||"},
			},
		}},
	}
}

func TestFixtureEmbedsBecomeOrders(t *testing.T) {
	fake := fakediscord.Start(t)
	b := startBot(t, fake, storetest.New(t), nil)
	b.waitConnected()

	refract := fake.Post(watched, fixtureMessage(t, "refract-success-message.json"))
	other := fake.Post(watched, fixtureMessage(t, "other-bot-embed-message.json"))
	ctx := context.Background()
	eventually(t, "both orders", func() bool { return b.orderCount() == 2 })

	o, err := b.store.Get(ctx, "BBY01-807102506907")
	if err != nil {
		t.Fatal(err)
	}
	if o.Source != "discord" || o.Origin.ChannelID != watched || o.Origin.MessageID != refract.ID || o.Origin.GuildID == "" {
		t.Errorf("origin %+v source %s", o.Origin, o.Source)
	}
	if !o.OrderDate.Equal(refract.Timestamp) {
		t.Errorf("order date %v, want the message time %v", o.OrderDate, refract.Timestamp)
	}
	if o.ShareLink != "https://www.bestbuy.com/site/6579424.p?skuId=6579424" || o.Profile != "Lennar #8-$48-@07" || *o.Price != 29999 {
		t.Errorf("order %+v", o)
	}
	o2, err := b.store.Get(ctx, "912004455667")
	if err != nil || o2.ProxyList != "203.0.113.7:8080" || o2.TrackingURL == "" || o2.Quantity != 2 {
		t.Errorf("other bot's order: %+v %v", o2, err)
	}
	logs, _ := b.store.Logs(ctx, 10)
	for _, l := range logs {
		if strings.Contains(l.Body, "pass456") {
			t.Errorf("proxy password in the log: %s", l.Body)
		}
	}
	eventually(t, "two check marks", func() bool { return len(fake.Reactions()) == 2 })
	for _, r := range fake.Reactions() {
		if r.Emoji != emojiStored || (r.MessageID != refract.ID && r.MessageID != other.ID) {
			t.Errorf("reaction %+v", r)
		}
	}
	if ids := fake.Identifies(); len(ids) == 0 || ids[0]&int(discordgo.IntentsMessageContent) == 0 {
		t.Errorf("identify intents %v lack message content", ids)
	}
}

func TestOnlyWatchedChannelsAndAllowedAuthorsCount(t *testing.T) {
	fake := fakediscord.Start(t)
	b := startBot(t, fake, storetest.New(t), func(c *Config) { c.AllowedAuthors = []string{refractID} })
	b.waitConnected()

	fake.Post(unwatched, checkout("UNWATCHED-1"))
	stranger := checkout("FAKE-1")
	stranger.WebhookID, stranger.Author = "", &discordgo.User{ID: "1500000000000000001", Username: "Refract"}
	fake.Post(watched, stranger)
	own := checkout("OWN-1")
	own.WebhookID, own.Author = "", &discordgo.User{ID: fakediscord.BotID, Bot: true}
	fake.Post(watched, own)
	last := fake.Post(watched, checkout("REAL-1"))

	// Catch-up reads the watched channel in order, so once its cursor passes the last
	// message every earlier one has been judged.
	b.listener.requestSync()
	b.waitCaughtUp(last.ID)
	eventually(t, "the real order", func() bool { return b.orderCount() >= 1 })
	if n := b.orderCount(); n != 1 {
		t.Errorf("%d orders, want only REAL-1", n)
	}
	if _, err := b.store.Get(context.Background(), "REAL-1"); err != nil {
		t.Error(err)
	}
	logs, _ := b.store.Logs(context.Background(), 10)
	if len(logs) != 1 {
		t.Errorf("%d log entries: ignored authors and channels must leave none", len(logs))
	}
}

func TestEditUpdatesTheOrder(t *testing.T) {
	fake := fakediscord.Start(t)
	b := startBot(t, fake, storetest.New(t), nil)
	b.waitConnected()
	m := fake.Post(watched, checkout("EDIT-1"))
	ctx := context.Background()
	eventually(t, "the order", func() bool { _, err := b.store.Get(ctx, "EDIT-1"); return err == nil })

	fake.Edit(watched, m.ID, func(m *discordgo.Message) {
		m.Embeds[0].Fields[1].Value = "$12.50"
		m.Embeds[0].Fields = append(m.Embeds[0].Fields, &discordgo.MessageEmbedField{Name: "Status", Value: "shipped"})
	})
	eventually(t, "the edit", func() bool {
		o, _ := b.store.Get(ctx, "EDIT-1")
		return o.Price != nil && *o.Price == 1250 && o.Status == "shipped"
	})
	b.listener.requestSync()
	b.waitCaughtUp(m.ID)
	events, _ := b.store.Events(ctx, "EDIT-1")
	if len(events) != 2 || events[1].Type != "updated" || events[1].Origin.MessageID != m.ID {
		t.Errorf("events %+v, want created then one update", events)
	}
}

// TestDisruptionsStoreEachMessageOnce cuts the gateway in each way Discord does while
// checkouts keep arriving; afterwards every checkout is stored exactly once.
func TestDisruptionsStoreEachMessageOnce(t *testing.T) {
	resumed := func(f *fakediscord.Server) bool { return f.Resumes() >= 1 }
	identifiedAgain := func(f *fakediscord.Server) bool { return len(f.Identifies()) >= 2 }
	disruptions := []struct {
		name     string
		disrupt  func(*fakediscord.Server)
		happened func(*fakediscord.Server) bool
	}{
		{"dropped connection", (*fakediscord.Server).DropConnection, resumed},
		{"reconnect request", (*fakediscord.Server).SendReconnect, resumed},
		{"invalid session", func(f *fakediscord.Server) { f.InvalidateSession(); f.DropConnection() }, identifiedAgain},
		{"stalled heartbeats", (*fakediscord.Server).StallHeartbeats, resumed}, // with 500 ms heartbeats, below
	}
	for _, d := range disruptions {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel() // each has a Discord and a database of its own
			fake := fakediscord.Start(t)
			fake.SetHeartbeatInterval(500 * time.Millisecond)
			b := startBot(t, fake, storetest.New(t), nil)
			b.waitConnected()
			var last *discordgo.Message
			post := func(from, to int) {
				for i := from; i < to; i++ {
					last = fake.Post(watched, checkout(fmt.Sprintf("D-%03d", i)))
				}
			}
			post(0, 5)
			d.disrupt(fake)
			post(5, 15)
			eventually(t, "the bot to come back", func() bool { return d.happened(fake) })
			b.waitConnected()
			post(15, 20)

			b.listener.requestSync()
			b.waitCaughtUp(last.ID)
			eventually(t, "20 orders", func() bool { return b.orderCount() == 20 })
			ctx := context.Background()
			for i := range 20 {
				events, err := b.store.Events(ctx, fmt.Sprintf("D-%03d", i))
				if err != nil || len(events) != 1 {
					t.Errorf("D-%03d: %d events (%v), want exactly one", i, len(events), err)
				}
			}
			if logs, _ := b.store.Logs(ctx, 100); len(logs) != 20 {
				t.Errorf("%d log entries, want 20: a redelivery must not be logged again", len(logs))
			}
			t.Logf("fault %q injected once around 20 messages: %d resumes, %d identifies; 20 messages checked, each stored once",
				d.name, fake.Resumes(), len(fake.Identifies()))
		})
	}
}

func TestRestartCatchesUpFromTheCursor(t *testing.T) {
	fake := fakediscord.Start(t)
	st := storetest.New(t)
	first := startBot(t, fake, st, nil)
	first.waitConnected()
	a := fake.Post(watched, checkout("R-1"))
	first.listener.requestSync()
	first.waitCaughtUp(a.ID)
	first.stop()

	// Posted while the bot is down: Discord never replays these on the gateway.
	fake.Post(watched, checkout("R-2"))
	c := fake.Post(watched, checkout("R-3"))

	second := startBot(t, fake, st, func(cfg *Config) { cfg.InitialSince = time.Now() })
	second.waitConnected()
	second.waitCaughtUp(c.ID)
	eventually(t, "three orders", func() bool { return second.orderCount() == 3 })
	for _, n := range []string{"R-1", "R-2", "R-3"} {
		if events, _ := st.Events(context.Background(), n); len(events) != 1 {
			t.Errorf("%s: %d events, want 1", n, len(events))
		}
	}
	status := second.listener.Status(context.Background())
	if len(status.Channels) != 1 || status.Channels[0].Cursor != c.ID || status.Channels[0].CursorTime == nil {
		t.Errorf("status %+v", status)
	}
}

func TestFirstStartBackfillsAsConfigured(t *testing.T) {
	fake := fakediscord.Start(t)
	old := time.Now().Add(-100 * 24 * time.Hour)
	fake.Post(watched, withTime(checkout("OLD-1"), old))
	dayAgo := fake.Post(watched, withTime(checkout("RECENT-1"), time.Now().Add(-24*time.Hour)))
	recent := fake.Post(watched, withTime(checkout("RECENT-2"), time.Now().Add(-time.Hour)))

	st := storetest.New(t)
	b := startBot(t, fake, st, func(c *Config) { c.InitialSince = time.Now().Add(-720 * time.Hour) })
	b.waitConnected()
	b.waitCaughtUp(recent.ID)
	eventually(t, "the recent orders", func() bool { return b.orderCount() == 2 })
	if _, err := st.Get(context.Background(), "OLD-1"); err == nil {
		t.Error("a message older than discord.backfill.initial was imported")
	}
	if o, _ := st.Get(context.Background(), "RECENT-1"); !o.OrderDate.Equal(dayAgo.Timestamp) {
		t.Errorf("imported order dated %v, want its message's time %v", o.OrderDate, dayAgo.Timestamp)
	}
}

func withTime(m discordgo.Message, at time.Time) discordgo.Message {
	m.Timestamp = at.UTC()
	return m
}

func TestRateLimitAndErrorsDuringCatchUpAreWaitedOut(t *testing.T) {
	fake := fakediscord.Start(t)
	var last *discordgo.Message
	since := time.Now()
	for i := range 150 {
		last = fake.Post(watched, checkout(fmt.Sprintf("P-%03d", i)))
	}
	history := "/api/v9/channels/" + watched + "/messages"
	fake.RateLimit("GET", history, 300*time.Millisecond, 2)
	fake.FailREST("GET", history, 500, 1)

	b := startBot(t, fake, storetest.New(t), func(c *Config) { c.InitialSince = since.Add(-time.Second) })
	b.waitConnected()
	b.waitCaughtUp(last.ID)
	eventually(t, "150 orders", func() bool { return b.orderCount() == 150 })
	if n := fake.Requests("GET " + history); n < 5 {
		t.Errorf("%d history requests, want at least 2 pages + 2 rate-limited + 1 failed", n)
	}
	if st := b.listener.Status(context.Background()); st.State != gateway.StateConnected {
		t.Errorf("state %s after rate limits, want connected", st.State)
	}
	t.Logf("faults injected during catch-up: 2 rate limits (429), 1 server error (500); %d history requests; 150 messages checked, each stored once",
		fake.Requests("GET "+history))
}

func TestRefusedIntentSaysWhatToDo(t *testing.T) {
	fake := fakediscord.Start(t)
	fake.SetMessageContent(false)
	b := startBot(t, fake, storetest.New(t), nil)
	eventually(t, "the refused state", func() bool {
		return b.listener.Status(context.Background()).State == gateway.StateRefused
	})
	msg := b.listener.Status(context.Background()).Message
	for _, want := range []string{"MESSAGE CONTENT INTENT", "developers/applications", "4014"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	b.stop() // must not wait out the 5-minute retry
}

func TestWrongTokenSaysWhatToDo(t *testing.T) {
	fake := fakediscord.Start(t)
	b := startBot(t, fake, storetest.New(t), func(c *Config) { c.Token = "wrong" })
	eventually(t, "the refused state", func() bool {
		return b.listener.Status(context.Background()).State == gateway.StateRefused
	})
	if msg := b.listener.Status(context.Background()).Message; !strings.Contains(msg, "Reset Token") {
		t.Errorf("message %q", msg)
	}
}

func TestStalledHandshakeNeitherHangsNorBlocksShutdown(t *testing.T) {
	fake := fakediscord.Start(t)
	fake.StallHandshake(true)
	b := startBot(t, fake, storetest.New(t), func(c *Config) { c.IdleTimeout = 300 * time.Millisecond })
	eventually(t, "a reconnect after the stall", func() bool {
		return b.listener.Status(context.Background()).State == gateway.StateReconnecting
	})
	fake.StallHandshake(false)
	b.waitConnected()

	fake.StallHandshake(true)
	fake.DropConnection()
	time.Sleep(100 * time.Millisecond) // let it dial into the stall
	stopped := make(chan struct{})
	go func() { b.stop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("shutdown hung on a stalled handshake")
	}
}

func TestBackfillImportsHistoryWithASummary(t *testing.T) {
	fake := fakediscord.Start(t)
	start := time.Now().Add(-10 * 24 * time.Hour)
	fake.Post(unwatched, withTime(checkout("B-OLD"), start.Add(-time.Hour)))
	first := fake.Post(unwatched, withTime(checkout("B-000"), start))
	for i := 1; i < 120; i++ {
		fake.Post(unwatched, withTime(checkout(fmt.Sprintf("B-%03d", i)), start.Add(time.Duration(i)*time.Minute)))
	}
	chat := withTime(discordgo.Message{Content: "gg everyone", Author: &discordgo.User{ID: "1500000000000000002"}}, start.Add(3*time.Hour))
	fake.Post(unwatched, chat)

	st := storetest.New(t)
	l := newListener(t, fake, st, func(c *Config) { c.Reactions = false })
	var pages []orders.Progress
	sum, err := l.Backfill(context.Background(), unwatched, start, func(p orders.Progress) { pages = append(pages, p) })
	if err != nil {
		t.Fatal(err)
	}
	want := orders.Summary{Messages: 121, Created: 120, Ignored: 1}
	if sum != want {
		t.Errorf("summary %+v, want %+v", sum, want)
	}
	if len(pages) != 2 || pages[1].Messages != 121 || pages[1].Through.IsZero() {
		t.Errorf("progress %+v", pages)
	}
	if o, err := st.Get(context.Background(), "B-000"); err != nil || o.Source != "backfill" || !o.OrderDate.Equal(first.Timestamp) {
		t.Errorf("B-000: %+v %v", o, err)
	}
	again, err := l.Backfill(context.Background(), unwatched, start, nil)
	if err != nil || again.Duplicate != 121 || again.Created != 0 {
		t.Errorf("second backfill %+v %v, want all duplicates", again, err)
	}
}
