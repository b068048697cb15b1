package relay

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roms-dev/roms/internal/aco"
	"github.com/roms-dev/roms/internal/bbolt"
	"github.com/roms-dev/roms/internal/order"
)

// discord is a poster that keeps what it was sent, answers a repeated nonce with the first
// message as Discord does, and can lose its answers (the message is made, the relay hears
// an error) to play a crash between the send and its record.
type discord struct {
	mu       sync.Mutex
	messages map[string]*sent // id -> message
	nonces   map[string]string
	dms      map[string]string
	loseNext int // this many sends are made, but answered with an error
	sends    int
}

type sent struct {
	channel string
	m       Message
	deleted bool
	edits   int
}

func newDiscord() *discord {
	return &discord{messages: map[string]*sent{}, nonces: map[string]string{}, dms: map[string]string{}}
}

func (d *discord) Send(_ context.Context, channel string, m Message, nonce string) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.sends++
	id, seen := d.nonces[channel+nonce]
	if !seen {
		id = fmt.Sprint(1000 + len(d.messages))
		d.messages[id] = &sent{channel: channel, m: m}
		d.nonces[channel+nonce] = id
	}
	if d.loseNext > 0 {
		d.loseNext--
		return "", errors.New("connection reset")
	}
	return id, nil
}

func (d *discord) Edit(_ context.Context, channel, id string, m Message) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := d.messages[id]
	if s == nil || s.deleted {
		return ErrGone
	}
	s.m, s.edits = m, s.edits+1
	return nil
}

func (d *discord) Delete(_ context.Context, channel, id string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if s := d.messages[id]; s != nil {
		s.deleted = true
	}
	return nil
}

func (d *discord) DM(_ context.Context, user string) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.dms[user] == "" {
		d.dms[user] = "dm-" + user
	}
	return d.dms[user], nil
}

// in lists the live messages of a channel, each as "title|content".
func (d *discord) in(channel string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for _, s := range d.messages {
		if s.channel == channel && !s.deleted {
			out = append(out, s.m.Embed.Title+"|"+s.m.Content+"|"+fields(s.m))
		}
	}
	return out
}

func fields(m Message) string {
	var parts []string
	for _, f := range m.Embed.Fields {
		parts = append(parts, f[0]+"="+f[1])
	}
	return strings.Join(parts, ",")
}

const public = "111111111111111111"

func setup(t *testing.T, s Settings) (*bbolt.Store, *aco.Service, *discord, func() *Relay) {
	t.Helper()
	st, err := bbolt.Open(filepath.Join(t.TempDir(), "roms.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	fees := aco.New(st, aco.Options{})
	ctx := context.Background()
	for _, c := range []aco.Client{
		{Name: "Ann", DiscordUser: "222222222222222222", Profiles: []string{"Ann *"}},
		{Name: "Bob", DiscordUser: "333333333333333333", Emails: []string{"@bob.io"}, Notify: aco.NotifyPing, Channel: "444444444444444444"},
	} {
		if _, err := fees.AddClient(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	d := newDiscord()
	s.PublicChannel = public
	if s.Notify == "" {
		s.Notify = aco.NotifyDM
	}
	if s.OnCancel == "" {
		s.OnCancel = onCancelEdit
	}
	open := func() *Relay {
		r := New(st, fees, d, s, nil)
		if err := r.start(ctx); err != nil {
			t.Fatal(err)
		}
		return r
	}
	open() // the relay starts before the first checkout
	return st, fees, d, open
}

func write(t *testing.T, st *bbolt.Store, number string, f order.Fields) {
	t.Helper()
	now := time.Now()
	if _, err := st.Write(context.Background(), order.Write{Number: number, Edit: order.Edit{Fields: f}, Actor: "message:http", At: now, OccurredAt: now}); err != nil {
		t.Fatal(err)
	}
}

// TestTheRelayPostsPubliclyAndTellsTheClient: the public post has no private data, the
// client hears of their own with it (by DM, or in their channel for a ping); a cancel
// edits the public post and tells them; each exactly once however often it is followed.
func TestTheRelayPostsPubliclyAndTellsTheClient(t *testing.T) {
	t.Parallel()
	st, _, d, open := setup(t, Settings{})
	ctx := context.Background()
	r := open()
	price := order.Money(12999)
	write(t, st, "A-1", order.Fields{Product: "Elite Trainer Box", Store: "Target", Price: &price, Currency: "USD", Profile: "Ann Visa",
		Email: "ann@gmail.com", ShippingAddress: "1 Main St", ProxyList: "user:pass@1.2.3.4:8000", Status: "verified", Extra: map[string]string{"Size": "10"}})
	write(t, st, "B-1", order.Fields{Product: "PS5", Store: "Walmart", Price: &price, Email: "drop@bob.io", Status: "verified"})
	for range 3 {
		for _, n := range []string{"A-1", "B-1"} {
			if err := r.Follow(ctx, n); err != nil {
				t.Fatal(err)
			}
		}
		r.Deliver(ctx)
	}
	posts := d.in(public)
	if len(posts) != 2 {
		t.Fatalf("public posts %q, want one a checkout", posts)
	}
	for _, p := range posts {
		for _, private := range []string{"129.99", "A-1", "ann@gmail.com", "Ann Visa", "Main St", "1.2.3.4", "drop@bob.io"} {
			if strings.Contains(p, private) {
				t.Errorf("the public post shows %q: %s", private, p)
			}
		}
	}
	if !strings.Contains(strings.Join(posts, "\n"), "Size=10") {
		t.Errorf("the public post lacks the size: %q", posts)
	}
	ann, bob := d.in("dm-222222222222222222"), d.in("444444444444444444")
	if len(ann) != 1 || !strings.Contains(ann[0], "Order Number=A-1") || !strings.Contains(ann[0], "Profile=Ann Visa") || !strings.Contains(ann[0], "129.99") {
		t.Errorf("Ann's DM: %q", ann)
	}
	if len(bob) != 1 || !strings.Contains(bob[0], "<@333333333333333333>") || !strings.Contains(bob[0], "Order Number=B-1") {
		t.Errorf("Bob's ping in his channel: %q", bob)
	}

	write(t, st, "A-1", order.Fields{Status: "cancelled"})
	for range 2 {
		if err := r.Follow(ctx, "A-1"); err != nil {
			t.Fatal(err)
		}
		r.Deliver(ctx)
	}
	posts = d.in(public)
	if !strings.Contains(strings.Join(posts, "\n"), "Cancelled | Target") {
		t.Errorf("the public post was not edited to say so: %q", posts)
	}
	if ann = d.in("dm-222222222222222222"); len(ann) != 2 || !strings.Contains(strings.Join(ann, "\n"), "was cancelled") {
		t.Errorf("Ann was not told of the cancel once: %q", ann)
	}
	if s := r.Health(); s.Backlog != 0 || s.Sent != 6 {
		t.Errorf("status %+v, want an empty outbox and 6 sent", s)
	}
}

// TestABurstIsPostedOnceThroughARestartAndLostAnswers: 100 checkouts queued, the relay
// stopped halfway and started again (a new one over the same store), with answers lost
// on the way: each is posted once, in the order they came.
func TestABurstIsPostedOnceThroughARestartAndLostAnswers(t *testing.T) {
	t.Parallel()
	st, _, d, open := setup(t, Settings{Notify: aco.NotifyNone})
	ctx := context.Background()
	first := open()
	for i := range 100 {
		n := fmt.Sprintf("BURST-%03d", i)
		write(t, st, n, order.Fields{Product: "Item " + n, Store: "Target", Status: "verified"})
		if err := first.Follow(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	half, stop := context.WithCancel(ctx)
	d.mu.Lock()
	d.loseNext = 3
	d.mu.Unlock()
	go func() {
		for first.Health().Sent < 50 {
			time.Sleep(time.Millisecond)
		}
		stop()
	}()
	for half.Err() == nil {
		first.Deliver(half)
	}
	second := open()                                                   // the restart: what the first had queued is in the store
	second.now = func() time.Time { return time.Now().Add(time.Hour) } // the lost sends' waits are over
	for range 3 {
		second.Deliver(ctx)
	}
	posts := d.in(public)
	if len(posts) != 100 {
		t.Fatalf("%d public posts for 100 checkouts (%d sends)", len(posts), d.sends)
	}
	seen := map[string]bool{}
	for _, p := range posts {
		if seen[p] {
			t.Errorf("posted twice: %s", p)
		}
		seen[p] = true
	}
	if s := second.Health(); s.Backlog != 0 {
		t.Errorf("backlog after the burst: %+v", s)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for i := range 100 { // ids are given in the order messages are made
		if m := d.messages[fmt.Sprint(1000+i)]; m == nil || !strings.Contains(fields(m.m), fmt.Sprintf("BURST-%03d", i)) {
			t.Errorf("message %d is not the %dth checkout: %+v", i, i, m)
		}
	}
}

// TestCatchUpPostsWhatTheRelayNeverHeard: orders written while no relay followed (it was
// stopped, or another instance led) are posted by the next one's catch-up, once; those
// made before the relay first started never are.
func TestCatchUpPostsWhatTheRelayNeverHeard(t *testing.T) {
	t.Parallel()
	st, _, d, open := setup(t, Settings{Notify: aco.NotifyNone})
	ctx := context.Background()
	write(t, st, "MISSED-1", order.Fields{Product: "One", Status: "verified"})
	write(t, st, "MISSED-2", order.Fields{Product: "Two", Status: "verified"})
	r := open()
	for range 2 {
		if err := r.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		r.Deliver(ctx)
	}
	if posts := d.in(public); len(posts) != 2 {
		t.Errorf("after catching up: %q, want the two orders once each", posts)
	}

	old, _, d2, open2 := setup(t, Settings{Notify: aco.NotifyNone})
	before := time.Now().Add(-time.Minute)
	if _, err := old.Write(ctx, order.Write{Number: "OLD-1", Edit: order.Edit{Fields: order.Fields{Product: "Old"}}, Actor: "api", At: before, OccurredAt: before}); err != nil {
		t.Fatal(err)
	}
	r2 := open2()
	r2.since = time.Now() // as if the relay was turned on after OLD-1
	if err := r2.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	r2.Deliver(ctx)
	if posts := d2.in(public); len(posts) != 0 {
		t.Errorf("an order from before the relay was posted: %q", posts)
	}
}
