// Package orders is the orders service. Every change to an order passes through it,
// whoever makes it: a checkout message from HTTP, Discord or backfill, an edit through the
// API, an order made by hand, a delete or its undo, an import row. It validates, merges
// through the store, records the event with its actor, and publishes the change. Reads go
// through it too, so that days and times mean the configured time zone everywhere.
package orders

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/roms-dev/roms/internal/live"
	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/parsehealth"
	"github.com/roms-dev/roms/internal/parser"
)

// Publisher announces changes to whoever watches (the live hub).
type Publisher interface {
	Publish(live.OrderChange)
}

// Service is the one way to change and read orders.
type Service struct {
	store  order.Store
	hub    Publisher
	logger *slog.Logger
	loc    *time.Location
	now    func() time.Time
	// currency is given to orders with an amount and no currency.
	currency string
	reader   atomic.Pointer[parser.Reader]
	// configured are the parser.aliases setting's labels; taught ones join them.
	configured map[string]string
	flow       Flow
	observer   Observer
	health     *parsehealth.Tracker
	alerter    Alerter
	logs       logBudget
}

// Observer is told of every input: where from, what became of it, how long it took
// (the metrics).
type Observer interface {
	Input(source, outcome string, took time.Duration)
}

// SetObserver sets who is told of every input.
func (s *Service) SetObserver(o Observer) { s.observer = o }

// DefaultCurrency is the currency of amounts written without one, unless set otherwise.
const DefaultCurrency = "USD"

// New returns the service over st, announcing changes on hub, with days in loc.
func New(st order.Store, hub Publisher, logger *slog.Logger, loc *time.Location) *Service {
	if loc == nil {
		loc = time.UTC
	}
	reader, _ := parser.NewReader(nil) // no aliases: cannot fail
	s := &Service{store: st, hub: hub, logger: logger, loc: loc, now: time.Now, currency: DefaultCurrency}
	s.reader.Store(reader)
	s.health = parsehealth.New(s.alert)
	s.logs.trim = make(chan struct{}, 1)
	return s
}

// SetDefaultCurrency sets the currency of amounts written without one.
func (s *Service) SetDefaultCurrency(code string) { s.currency = code }

// Location is the time zone days are counted in.
func (s *Service) Location() *time.Location { return s.loc }

// write stores w and, when it changed something, publishes the change. The order comes
// back in the service's time zone.
func (s *Service) write(ctx context.Context, w order.Write) (order.Result, error) {
	w.Edit.DefaultCurrency = s.currency
	res, err := s.store.Write(ctx, w)
	var inv *InvalidError
	if errors.As(err, &inv) { // from the write's Check: the refusal speaks for itself
		return order.Result{}, inv
	}
	if err != nil {
		return order.Result{}, err
	}
	s.announce(w, &res)
	return res, nil
}

// announce shows a written order in the service's time zone and publishes what changed.
func (s *Service) announce(w order.Write, res *order.Result) {
	if res.Outcome == order.OutcomeDuplicate {
		return
	}
	s.local(&res.Order)
	if res.Outcome != order.OutcomeUnchanged {
		s.hub.Publish(live.OrderChange{Type: res.Outcome, At: w.At.UTC(), Actor: w.Actor, Order: res.Order, Changes: res.Changes})
	}
}

// local shows an order's date and time in the service's time zone. Instants are stored in
// UTC; only what people read changes.
func (s *Service) local(o *order.Order) {
	o.OrderDate = o.OrderDate.In(s.loc)
	o.OrderTime = o.OrderDate.Format(time.TimeOnly)
	if o.TrackingNumbers == nil { // a list in JSON, even when empty
		o.TrackingNumbers = []string{}
	}
}
