package live

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/roms-dev/roms/internal/order"
)

func TestEverySubscriberGetsEveryEvent(t *testing.T) {
	t.Parallel()
	h := NewHub()
	a, stopA := h.Subscribe(4)
	b, stopB := h.Subscribe(4)
	defer stopA()
	defer stopB()
	h.Publish(OrderChange{Type: "created", Order: order.Order{OrderNumber: "1"}})
	h.Publish(OrderChange{Type: "updated", Order: order.Order{OrderNumber: "1"}})
	for _, ch := range []<-chan OrderChange{a, b} {
		if e := <-ch; e.Type != "created" {
			t.Errorf("first event %q", e.Type)
		}
		if e := <-ch; e.Type != "updated" {
			t.Errorf("second event %q", e.Type)
		}
	}
}

func TestSlowSubscriberIsCutOffNotWaitedFor(t *testing.T) {
	t.Parallel()
	h := NewHub()
	slow, stop := h.Subscribe(1)
	defer stop()
	h.Publish(OrderChange{Type: "1"})
	h.Publish(OrderChange{Type: "2"}) // would block: the hub closes the channel instead
	if e, ok := <-slow; !ok || e.Type != "1" {
		t.Fatalf("buffered event lost: %v %v", e, ok)
	}
	if _, ok := <-slow; ok {
		t.Fatal("channel of a lagging subscriber still open")
	}
	if h.Subscribers() != 0 {
		t.Errorf("subscribers = %d, want 0", h.Subscribers())
	}
	stop() // a second end is harmless
}

func TestCloseEndsEverySubscription(t *testing.T) {
	t.Parallel()
	h := NewHub()
	a, stop := h.Subscribe(1)
	defer stop()
	h.Close()
	if _, ok := <-a; ok {
		t.Error("subscription still open after Close")
	}
	b, _ := h.Subscribe(1)
	if _, ok := <-b; ok {
		t.Error("subscription after Close is open")
	}
	h.Publish(OrderChange{Type: "created"}) // no panic on closed channels
}

// TestFollowChangesCatchesUpWhenItFallsBehind: the work sees each change, catches up at the
// start, and again after falling behind a burst larger than its buffer (its place lost).
func TestFollowChangesCatchesUpWhenItFallsBehind(t *testing.T) {
	t.Parallel()
	h := NewHub()
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	catchUps, seen := 0, 0
	block := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		catchUp := func(context.Context) { mu.Lock(); catchUps++; mu.Unlock() }
		h.FollowChanges(ctx, time.Hour, catchUp, catchUp, func(_ context.Context, c OrderChange) {
			if c.Order.OrderNumber == "slow" {
				<-block // the work is busy while a burst goes by
			}
			mu.Lock()
			seen++
			mu.Unlock()
		})
	}()
	waitUntil(t, func() bool { mu.Lock(); defer mu.Unlock(); return catchUps == 1 && h.followers() == 1 })
	h.Publish(OrderChange{Order: order.Order{OrderNumber: "slow"}})
	for range 5000 { // more than the follower's buffer
		h.Publish(OrderChange{Order: order.Order{OrderNumber: "burst"}})
	}
	close(block)
	waitUntil(t, func() bool { mu.Lock(); defer mu.Unlock(); return catchUps == 2 })
	if h.Subscribers() != 0 {
		t.Errorf("the work counts as %d viewers", h.Subscribers())
	}
	cancel()
	<-done
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
	}
}

// followers counts the subscriptions of Follow.
func (h *Hub) followers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, own := range h.subs {
		if own {
			n++
		}
	}
	return n
}
