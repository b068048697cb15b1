package postgres

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/roms-dev/roms/internal/live"
	"github.com/roms-dev/roms/internal/order"
)

// changesChannel is the NOTIFY channel order changes travel on between instances.
const changesChannel = "roms_changes"

// maxNotify keeps a notification under PostgreSQL's 8000-byte payload limit; a change too
// large to carry its field changes is sent without them, and the receiver reads the
// order's last event instead.
const maxNotify = 7000

// notice is what one instance tells the others of a change: the order is read back by id.
type notice struct {
	From    string         `json:"from"`
	Type    string         `json:"type"`
	At      time.Time      `json:"at"`
	Actor   string         `json:"actor,omitempty"`
	OrderID uint64         `json:"order_id"`
	Changes []order.Change `json:"changes,omitempty"`
	Cut     bool           `json:"cut,omitempty"` // changes left out for size
}

// Relay carries order changes between the instances sharing the database, so that the
// dashboard and live streams of every instance show every change: what this instance
// publishes goes to its own hub at once and to the others through NOTIFY.
type Relay struct {
	store  *Store
	hub    *live.Hub
	self   string
	logger *slog.Logger
	out    chan notice
	// listening is true while the relay hears the other instances' changes; heard closes
	// the first time it does.
	listening atomic.Bool
	heard     chan struct{}
	once      sync.Once
}

// Listening reports whether the relay hears the other instances' changes now (/health).
func (r *Relay) Listening() bool { return r.listening.Load() }

// Heard closes once the relay first hears the other instances' changes: from then on a
// change another instance publishes reaches this one.
func (r *Relay) Heard() <-chan struct{} { return r.heard }

// Relay returns the relay of this instance (named self) in front of hub. Run carries the
// changes; without it, Publish reaches only this instance.
func (s *Store) Relay(hub *live.Hub, self string, logger *slog.Logger) *Relay {
	return &Relay{store: s, hub: hub, self: self, logger: logger, out: make(chan notice, 1024), heard: make(chan struct{})}
}

// Publish shows a change here and queues it for the other instances; it never waits on
// the database, so ingest is never slowed (a full queue drops the notice, with a warning).
func (r *Relay) Publish(c live.OrderChange) {
	r.hub.Publish(c)
	n := notice{From: r.self, Type: c.Type, At: c.At, Actor: c.Actor, OrderID: c.Order.ID, Changes: c.Changes}
	select {
	case r.out <- n:
	default:
		r.logger.Warn("live change not sent to the other instances: queue full", "order_number", c.Order.OrderNumber)
	}
}

// Run sends this instance's changes and listens for the others' until ctx ends,
// reconnecting when the connection drops.
func (r *Relay) Run(ctx context.Context) {
	go r.send(ctx)
	for ctx.Err() == nil {
		if err := r.listen(ctx); err != nil && ctx.Err() == nil {
			r.logger.Warn("live changes from other instances interrupted; listening again", "error", err)
			select {
			case <-ctx.Done():
			case <-time.After(LeadPoll):
			}
		}
	}
}

func (r *Relay) send(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case n := <-r.out:
			payload, err := json.Marshal(n)
			if err == nil && len(payload) > maxNotify {
				n.Changes, n.Cut = nil, true
				payload, err = json.Marshal(n)
			}
			if err == nil {
				_, err = r.store.pool.Exec(ctx, "SELECT pg_notify($1, $2)", changesChannel, string(payload))
			}
			if err != nil && ctx.Err() == nil {
				r.logger.Warn("live change not sent to the other instances", "order_id", n.OrderID, "error", err)
			}
		}
	}
}

func (r *Relay) listen(ctx context.Context) error {
	conn, err := r.store.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN "+changesChannel); err != nil {
		return err
	}
	defer conn.Exec(context.WithoutCancel(ctx), "UNLISTEN "+changesChannel) // before the connection goes back to the pool
	r.listening.Store(true)
	defer r.listening.Store(false)
	r.once.Do(func() { close(r.heard) })
	for {
		msg, err := conn.Conn().WaitForNotification(ctx)
		if err != nil {
			return err
		}
		var n notice
		if json.Unmarshal([]byte(msg.Payload), &n) != nil || n.From == r.self {
			continue
		}
		r.deliver(ctx, n)
	}
}

// deliver publishes another instance's change here, with the order as stored now.
func (r *Relay) deliver(ctx context.Context, n notice) {
	o, err := r.store.ByID(ctx, n.OrderID)
	if err != nil {
		r.logger.Warn("live change from another instance: order not read", "order_id", n.OrderID, "error", err)
		return
	}
	if n.Cut {
		if events, err := r.store.Events(ctx, o.OrderNumber); err == nil && len(events) > 0 {
			n.Changes = events[len(events)-1].Changes
		}
	}
	r.hub.Publish(live.OrderChange{Type: n.Type, At: n.At, Actor: n.Actor, Order: o, Changes: n.Changes})
}
