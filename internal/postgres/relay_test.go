package postgres

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/roms-dev/roms/internal/live"
	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/order/ordertest"
	"github.com/roms-dev/roms/internal/postgres/pgtest"
)

// TestChangesReachEveryInstance publishes a change at one instance and sees it arrive at
// the other's hub, with the order as stored; a change too large for one notification
// still arrives, with its field changes read back.
func TestChangesReachEveryInstance(t *testing.T) {
	dsn := pgtest.DSN(t)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	open := func(name string) (*Store, *Relay, *live.Hub) {
		s, err := Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		hub := live.NewHub()
		r := s.Relay(hub, name, logger)
		go r.Run(ctx)
		return s, r, hub
	}
	a, relayA, hubA := open("a")
	_, relayB, hubB := open("b")
	changesA, stopA := hubA.Subscribe(8)
	defer stopA()
	changesB, stopB := hubB.Subscribe(8)
	defer stopB()
	for _, r := range []*Relay{relayA, relayB} {
		select {
		case <-r.Heard():
		case <-time.After(10 * time.Second):
			t.Fatal("the relays did not start listening")
		}
	}

	for _, notes := range []string{"small", strings.Repeat("n", 9000)} {
		res, err := a.Write(ctx, ordertest.Edit("LIVE-1", order.Fields{Notes: notes}))
		if err != nil {
			t.Fatal(err)
		}
		relayA.Publish(live.OrderChange{Type: res.Outcome, At: time.Now(), Actor: "api", Order: res.Order, Changes: res.Changes})
		if got := <-changesA; got.Order.Notes != notes {
			t.Errorf("this instance's own hub: %q", got.Order.Notes)
		}
		select {
		case got := <-changesB:
			if got.Order.OrderNumber != "LIVE-1" || got.Order.Notes != notes || got.Type != res.Outcome || len(got.Changes) == 0 {
				t.Errorf("the other instance got %s %s with %d changes", got.Type, got.Order.OrderNumber, len(got.Changes))
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("the change (%d bytes of notes) did not reach the other instance", len(notes))
		}
	}
	select {
	case got := <-changesA:
		t.Errorf("an instance got its own change back: %+v", got.Type)
	case <-time.After(300 * time.Millisecond):
	}
}
