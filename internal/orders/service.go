// Package orders is the orders service. Every change to an order passes through it,
// whoever makes it: a checkout message from HTTP, Discord or backfill, an edit through the
// API, an order made by hand, a delete or its undo, an import row. It validates, merges
// through the store, records the event with its actor, and publishes the change. Reads go
// through it too, so that days and times mean the configured time zone everywhere.
package orders

import (
	"cmp"
	"context"
	"errors"
	"fmt"
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
	alerts     chan parsehealth.Alert
	logs       logBudget
}

// Options are what a Service is made with. Each may be left out: the zero value is a
// working default.
type Options struct {
	Publisher Publisher      // who is told of each change (the live hub); nil: nobody
	Logger    *slog.Logger   // nil: discarded
	Location  *time.Location // the time zone days are counted in; nil: UTC
	// Currency is given to amounts written without one; "": DefaultCurrency.
	Currency string
	// Aliases are the labels of the parser.aliases setting; labels taught from the review
	// list join them (RefreshAliases).
	Aliases  map[string]string
	Observer Observer // told of every input (the metrics); nil: nobody
	// Retention bounds the webhook log: LogTrims asks for a trim as entries arrive.
	Retention order.Retention
}

// Observer is told of every input: where from, what became of it, how long it took
// (the metrics).
type Observer interface {
	Input(source, outcome string, took time.Duration)
}

// DefaultCurrency is the currency of amounts written without one, unless set otherwise.
const DefaultCurrency = "USD"

// New returns the service over st. Its only error is an alias that cannot be read.
func New(st order.Store, o Options) (*Service, error) {
	reader, err := parser.NewReader(o.Aliases)
	if err != nil {
		return nil, fmt.Errorf("parser aliases: %w", err)
	}
	s := &Service{store: st, hub: o.Publisher, logger: o.Logger, loc: o.Location, now: time.Now,
		currency: cmp.Or(o.Currency, DefaultCurrency), configured: o.Aliases, observer: o.Observer,
		alerts: make(chan parsehealth.Alert, alertQueue)}
	if s.hub == nil {
		s.hub = nobody{}
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.loc == nil {
		s.loc = time.UTC
	}
	s.reader.Store(reader)
	s.health = parsehealth.New(s.alert)
	s.logs.trim = make(chan struct{}, 1)
	s.logs.maxEntries, s.logs.maxB = int64(o.Retention.MaxEntries), o.Retention.MaxBytes
	return s, nil
}

// nobody is the publisher of a service that tells no one.
type nobody struct{}

func (nobody) Publish(live.OrderChange) {}

// Location is the time zone days are counted in.
func (s *Service) Location() *time.Location { return s.loc }

// write stores w and, when it changed something, publishes the change. The order comes
// back in the service's time zone.
func (s *Service) write(ctx context.Context, w order.Write) (order.Result, error) {
	s.prepareWrite(&w)
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

// writeMany stores writes in one transaction as write stores one: errs[i] is writes[i]'s
// refusal, err a failure of the whole transaction, when nothing was stored.
func (s *Service) writeMany(ctx context.Context, writes []order.Write) (results []order.Result, errs []error, err error) {
	for i := range writes {
		s.prepareWrite(&writes[i])
	}
	results, errs, err = s.store.WriteMany(ctx, writes)
	if err != nil {
		return nil, nil, err
	}
	for i := range writes {
		if errs[i] != nil {
			continue // a refused write left no trace, its log entry neither
		}
		s.announce(writes[i], &results[i])
		if writes[i].Log != nil {
			s.logged(len(writes[i].Log.Body))
		}
	}
	return results, errs, nil
}

// prepareWrite gives w what the service adds to every write: the default currency.
func (s *Service) prepareWrite(w *order.Write) {
	w.Edit.DefaultCurrency = s.currency
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
