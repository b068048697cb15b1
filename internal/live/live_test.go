package live

import (
	"testing"

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
