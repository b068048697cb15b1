package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/roms-dev/roms/internal/gateway"

	"github.com/roms-dev/roms/internal/live"
	"github.com/roms-dev/roms/internal/orders"
	"github.com/roms-dev/roms/internal/postgres"
)

// instance is this process's part among the instances that share a database: which of
// them holds the Discord gateway, and how their live changes reach each other. A bbolt
// file has one instance (alone); PostgreSQL may have many (shared).
type instance interface {
	gatewayLeader
	liveRelay
}

// gatewayLeader decides which instance holds the Discord gateway.
type gatewayLeader interface {
	// lead runs run for as long as this instance holds the gateway, again each time it
	// takes it back, until ctx ends.
	lead(ctx context.Context, run func(held context.Context))
	// gatewayStatus is the gateway as this instance shows it, own being its listener's.
	gatewayStatus(own func(context.Context) gateway.Status) func(context.Context) gateway.Status
}

// liveRelay carries the changes of this instance to the others and theirs to the hub.
type liveRelay interface {
	orders.Publisher
	// relay runs until ctx ends.
	relay(ctx context.Context)
	// relayListening says whether the others' changes reach this instance; nil when
	// there are no others.
	relayListening() func() bool
}

// alone is the only instance of its database: it always holds the gateway, and its
// changes go straight to its own hub.
type alone struct{ hub *live.Hub }

func (a alone) lead(ctx context.Context, run func(context.Context)) { run(ctx) }

func (a alone) gatewayStatus(own func(context.Context) gateway.Status) func(context.Context) gateway.Status {
	return own
}

func (a alone) Publish(c live.OrderChange)  { a.hub.Publish(c) }
func (a alone) relay(context.Context)       {}
func (a alone) relayListening() func() bool { return nil }

// shared is one of the instances sharing a PostgreSQL database: they take turns holding
// the gateway (one holds it, the others stand by and take over when it goes), and show
// each other's changes live.
type shared struct {
	pg      *postgres.Store
	self    string
	logger  *slog.Logger
	changes *postgres.Relay
	leading atomic.Bool
}

func newShared(pg *postgres.Store, hub *live.Hub, logger *slog.Logger) *shared {
	self := instanceName()
	return &shared{pg: pg, self: self, logger: logger, changes: pg.Relay(hub, self, logger)}
}

func (s *shared) lead(ctx context.Context, run func(context.Context)) {
	s.pg.Lead(ctx, gatewayLock, s.self, s.logger, func(held context.Context) {
		s.leading.Store(true)
		defer s.leading.Store(false)
		run(held)
	})
}

// gatewayStatus is the listener's own while this instance holds the gateway, standby
// with the holder's name otherwise.
func (s *shared) gatewayStatus(own func(context.Context) gateway.Status) func(context.Context) gateway.Status {
	return func(ctx context.Context) gateway.Status {
		if s.leading.Load() {
			status := own(ctx)
			status.Holder = s.self
			return status
		}
		holder, since, err := s.pg.Leader(ctx, gatewayLock)
		status := gateway.Status{State: gateway.StateStandby, Holder: holder,
			Message: fmt.Sprintf("another instance holds the Discord gateway (%s, since %s); this one takes over if it stops", holder, since.UTC().Format(time.RFC3339))}
		if err != nil || holder == "" {
			status.Message = "waiting for the Discord gateway, which another instance may hold"
		}
		return status
	}
}

func (s *shared) Publish(c live.OrderChange)  { s.changes.Publish(c) }
func (s *shared) relay(ctx context.Context)   { s.changes.Run(ctx) }
func (s *shared) relayListening() func() bool { return s.changes.Listening }

// gatewayLock names the lock the instance holding the Discord gateway holds.
const gatewayLock = "discord-gateway"

// instanceName tells instances sharing a database apart: the machine and the process.
func instanceName() string {
	host, _ := os.Hostname()
	b := make([]byte, 2)
	rand.Read(b)
	return fmt.Sprintf("%s pid %d (%x)", host, os.Getpid(), b) // the suffix tells apart instances in one process (tests)
}
