// Package live fans order changes out to whoever is watching (the live stream of the HTTP
// API, the dashboard, /ws) without ever slowing down ingest.
package live

import (
	"context"
	"sync"
	"time"

	"github.com/roms-dev/roms/internal/order"
)

// OrderChange is one change to an order, as subscribers receive it.
type OrderChange struct {
	Type    string         `json:"type" enum:"created,updated,deleted,restored"`
	At      time.Time      `json:"at"`
	Actor   string         `json:"actor,omitempty"`
	Order   order.Order    `json:"order"`
	Changes []order.Change `json:"changes,omitempty"`
}

// Hub delivers every published event to every subscriber.
type Hub struct {
	mu     sync.Mutex
	subs   map[chan OrderChange]bool // true: ROMS's own (fees, relay), not a viewer
	closed bool
}

// NewHub returns a hub with no subscribers.
func NewHub() *Hub {
	return &Hub{subs: map[chan OrderChange]bool{}}
}

// Subscribe returns a channel of events and a function that ends the subscription. A
// subscriber that falls more than buffer events behind has its channel closed: it missed
// events, and must reload what it shows before subscribing again.
func (h *Hub) Subscribe(buffer int) (<-chan OrderChange, func()) {
	return h.subscribe(buffer, false)
}

// Follow is Subscribe for ROMS's own work (the fees, the relay): it is not counted
// among the viewers Subscribers counts.
func (h *Hub) Follow(buffer int) (<-chan OrderChange, func()) {
	return h.subscribe(buffer, true)
}

func (h *Hub) subscribe(buffer int, own bool) (<-chan OrderChange, func()) {
	ch := make(chan OrderChange, buffer)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		close(ch)
		return ch, func() {}
	}
	h.subs[ch] = own
	return ch, func() { h.drop(ch) }
}

// Close ends every subscription, so long-lived streams finish and a server can shut down.
// Later subscriptions end at once.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for ch := range h.subs {
		delete(h.subs, ch)
		close(ch)
	}
}

// Publish sends e to every subscriber without blocking.
func (h *Hub) Publish(e OrderChange) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- e:
		default:
			delete(h.subs, ch)
			close(ch)
		}
	}
}

// Subscribers counts the current subscribers, those of Follow left out.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, own := range h.subs {
		if !own {
			n++
		}
	}
	return n
}

func (h *Hub) drop(ch chan OrderChange) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[ch]; ok {
		delete(h.subs, ch)
		close(ch)
	}
}

// FollowChanges is the loop of work that follows every order change (the fees, the
// relay) until ctx ends: catchUp at the start and whenever the work fell behind the hub
// and lost its place, tick every period, changed for each change in between.
func (h *Hub) FollowChanges(ctx context.Context, every time.Duration, catchUp, tick func(context.Context), changed func(context.Context, OrderChange)) {
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	for ctx.Err() == nil {
		changes, stop := h.Follow(4096)
		catchUp(ctx)
		for open := true; open && ctx.Err() == nil; {
			select {
			case <-ctx.Done():
			case <-ticker.C:
				tick(ctx)
			case c, ok := <-changes:
				if open = ok; ok {
					changed(ctx, c)
				}
			}
		}
		stop()
	}
}
