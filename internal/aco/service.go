package aco

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/roms-dev/roms/internal/order"
)

// Collections of the documents the service keeps in the store.
const (
	colClients     = "aco-clients"     // client id -> Client
	colAssignments = "aco-assignments" // order key -> Assignment
	colFees        = "aco-fees"        // order key -> Fee
	colInvoices    = "aco-invoices"    // invoice id -> Invoice
)

// Store is what the service needs of storage: the orders, and documents of its own.
type Store interface {
	Get(ctx context.Context, number string) (order.Order, error)
	Each(ctx context.Context, f order.Filter, fn func(*order.Order) error) error
	order.Documents
}

// Errors the service's callers tell apart.
var (
	ErrNoClient    = errors.New("no client with that id")
	ErrClientTaken = errors.New("a client with that id exists already")
	ErrOpenFees    = errors.New("the client has fees not yet paid or voided")
)

// Options configure a Service.
type Options struct {
	Hold Hold
	// LookBack is how many days of orders a sweep reconciles (60 when zero): the orders
	// whose fees can still change.
	LookBack int
	Logger   *slog.Logger
	Now      func() time.Time
}

// Service keeps the clients, whose each order is, and the fees.
type Service struct {
	store    Store
	hold     Hold
	lookBack int
	logger   *slog.Logger
	now      func() time.Time
	// mu makes each reconcile of an order, and each invoice, one step: a change and a
	// sweep reaching the same fee at once would otherwise each write their own.
	mu sync.Mutex
}

// New returns a service over a store.
func New(store Store, o Options) *Service {
	s := &Service{store: store, hold: o.Hold, lookBack: o.LookBack, logger: o.Logger, now: o.Now}
	if s.lookBack <= 0 {
		s.lookBack = 60
	}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Hold is the hold every new fee waits.
func (s *Service) Hold() Hold { return s.hold }

// Clients lists the clients by id.
func (s *Service) Clients(ctx context.Context) ([]Client, error) {
	return order.AllJSON[Client](ctx, s.store, colClients)
}

// Client reads one client; ErrNoClient when there is none.
func (s *Service) Client(ctx context.Context, id string) (Client, error) {
	c, err := order.GetJSON[Client](ctx, s.store, colClients, Slug(id))
	if errors.Is(err, order.ErrNotFound) {
		return c, fmt.Errorf("%s: %w", id, ErrNoClient)
	}
	return c, err
}

// AddClient saves a new client; ErrClientTaken when the id is in use.
func (s *Service) AddClient(ctx context.Context, c Client) (Client, error) {
	if err := c.Check(); err != nil {
		return c, err
	}
	if _, err := s.Client(ctx, c.ID); err == nil {
		return c, fmt.Errorf("%s: %w", c.ID, ErrClientTaken)
	} else if !errors.Is(err, ErrNoClient) {
		return c, err
	}
	c.Added = s.now()
	return c, order.PutJSON(ctx, s.store, colClients, c.ID, c)
}

// EditClient replaces a client, keeping when they were added. Their orders are matched
// again with what changed at the next sweep, or at once by Sweep.
func (s *Service) EditClient(ctx context.Context, c Client) (Client, error) {
	old, err := s.Client(ctx, c.ID)
	if err != nil {
		return c, err
	}
	c.ID = old.ID
	if err := c.Check(); err != nil {
		return c, err
	}
	c.Added = old.Added
	return c, order.PutJSON(ctx, s.store, colClients, c.ID, c)
}

// RemoveClient forgets a client whose fees are all paid or voided: removing one with fees
// still open would void them without anyone saying so.
func (s *Service) RemoveClient(ctx context.Context, id string) error {
	c, err := s.Client(ctx, id)
	if err != nil {
		return err
	}
	fees, err := s.Fees(ctx, FeeFilter{Client: c.ID, States: []string{FeePending, FeeDue, FeeInvoiced}})
	if err != nil {
		return err
	}
	if len(fees) > 0 {
		return fmt.Errorf("%s has %d: %w (void or invoice them first, or move their orders to another client)", c.Name, len(fees), ErrOpenFees)
	}
	return s.store.DeleteDocument(ctx, colClients, c.ID)
}

// Assignment is the owner's word on whose an order is, which beats any match.
type Assignment struct {
	Client string    `json:"client" doc:"Empty: no one's (not a client's order)"`
	At     time.Time `json:"at"`
}

// Whose says whose an order is: the owner's assignment, or else the clients' profiles
// and emails.
func (s *Service) Whose(ctx context.Context, o *order.Order, clients []Client) (Match, error) {
	a, err := order.GetJSON[Assignment](ctx, s.store, colAssignments, order.Key(o.OrderNumber))
	switch {
	case err == nil:
		return Match{Client: a.Client, By: "owner"}, nil
	case !errors.Is(err, order.ErrNotFound):
		return Match{}, err
	}
	return Whose(clients, o), nil
}

// Assign records whose an order is ("" for no one's) and reconciles its fee. With teach,
// the client also gets the order's profile (or, without one, its email), so that the
// next orders like it are theirs without asking.
func (s *Service) Assign(ctx context.Context, number, clientID string, teach bool) (*Fee, error) {
	o, err := s.store.Get(ctx, number)
	if err != nil {
		return nil, err
	}
	if clientID != "" {
		c, err := s.Client(ctx, clientID)
		if err != nil {
			return nil, err
		}
		clientID = c.ID
		if teach {
			if err := s.teach(ctx, c, &o); err != nil {
				return nil, err
			}
		}
	}
	if err := order.PutJSON(ctx, s.store, colAssignments, order.Key(o.OrderNumber), Assignment{Client: clientID, At: s.now()}); err != nil {
		return nil, err
	}
	return s.Reconcile(ctx, o.OrderNumber)
}

func (s *Service) teach(ctx context.Context, c Client, o *order.Order) error {
	switch {
	case o.Profile != "" && !c.ownsProfile(o.Profile):
		c.Profiles = append(c.Profiles, o.Profile)
	case o.Profile == "" && o.Email != "" && !c.ownsEmail(o.Email):
		c.Emails = append(c.Emails, o.Email)
	default:
		return nil
	}
	_, err := s.EditClient(ctx, c)
	return err
}

// Reconcile brings one order's fee to what its state says now, and returns it (nil when
// the order earns none).
func (s *Service) Reconcile(ctx context.Context, number string) (*Fee, error) {
	clients, err := s.Clients(ctx)
	if err != nil {
		return nil, err
	}
	o, err := s.store.Get(ctx, number)
	if err != nil {
		return nil, err
	}
	fee, _, err := s.reconcile(ctx, &o, clients)
	return fee, err
}

// reconcile is Reconcile of an order as read, with the clients; changed says whether it
// stored the fee anew.
func (s *Service) reconcile(ctx context.Context, o *order.Order, clients []Client) (fee *Fee, changed bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.Whose(ctx, o, clients)
	if err != nil {
		return nil, false, err
	}
	var client *Client
	if i := slices.IndexFunc(clients, func(c Client) bool { return c.ID == m.Client }); i >= 0 {
		client = &clients[i]
	}
	key := order.Key(o.OrderNumber)
	switch f, err := order.GetJSON[Fee](ctx, s.store, colFees, key); {
	case err == nil:
		fee = &f
	case !errors.Is(err, order.ErrNotFound):
		return nil, false, err
	}
	fee, changed = Reconcile(fee, o, client, s.hold, s.now())
	if !changed {
		return fee, false, nil
	}
	if err := order.PutJSON(ctx, s.store, colFees, key, fee); err != nil {
		return nil, false, fmt.Errorf("save the fee of %s: %w", o.OrderNumber, err)
	}
	if fee.State == FeeVoid && fee.Invoice != "" {
		if err := s.voidOnInvoice(ctx, fee); err != nil {
			return fee, true, fmt.Errorf("take the void fee of %s off invoice %s: %w", o.OrderNumber, fee.Invoice, err)
		}
	}
	return fee, true, nil
}

// Sweep reconciles every order of the last LookBack days, deleted ones included: what
// brings due the fees whose hold is a number of days, and what catches up on changes
// missed while the service was not listening. It returns how many fees changed.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	clients, err := s.Clients(ctx)
	if err != nil || len(clients) == 0 {
		return 0, err
	}
	from := s.now().AddDate(0, 0, -s.lookBack)
	// The orders are read first and reconciled after: a store may hold a read transaction
	// open through Each, which a write from inside it would wait on for ever.
	var orders []order.Order
	for _, deleted := range []bool{false, true} {
		err := s.store.Each(ctx, order.Filter{From: from, Deleted: deleted, Sort: order.SortDateAsc}, func(o *order.Order) error {
			orders = append(orders, *o)
			return nil
		})
		if err != nil {
			return 0, fmt.Errorf("sweep the fees: %w", err)
		}
	}
	var changed int
	for i := range orders {
		_, did, err := s.reconcile(ctx, &orders[i], clients)
		if err != nil {
			return changed, fmt.Errorf("sweep the fees: %w", err)
		}
		if did {
			changed++
		}
	}
	return changed, nil
}

// SweepHeld reconciles the orders of the fees still in their hold: all that can change
// with time alone, and far fewer than Sweep reads. It returns how many fees changed.
func (s *Service) SweepHeld(ctx context.Context) (int, error) {
	held, err := s.Fees(ctx, FeeFilter{States: []string{FeePending}})
	if err != nil || len(held) == 0 {
		return 0, err
	}
	clients, err := s.Clients(ctx)
	if err != nil {
		return 0, err
	}
	changed := 0
	for _, f := range held {
		o, err := s.store.Get(ctx, f.Order)
		if errors.Is(err, order.ErrNotFound) {
			continue // deleted for good: the next full sweep sees its state
		}
		if err != nil {
			return changed, err
		}
		_, did, err := s.reconcile(ctx, &o, clients)
		if err != nil {
			return changed, err
		}
		if did {
			changed++
		}
	}
	return changed, nil
}

// FeeFilter selects fees.
type FeeFilter struct {
	Client string
	States []string
}

// Fees lists the fees a filter selects, oldest order first.
func (s *Service) Fees(ctx context.Context, f FeeFilter) ([]Fee, error) {
	all, err := order.AllJSON[Fee](ctx, s.store, colFees)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, fee := range all {
		if (f.Client == "" || fee.Client == Slug(f.Client)) && (len(f.States) == 0 || slices.Contains(f.States, fee.State)) {
			out = append(out, fee)
		}
	}
	slices.SortStableFunc(out, func(a, b Fee) int { return a.OrderDate.Compare(b.OrderDate) })
	return out, nil
}

// Fee reads one order's fee; order.ErrNotFound when it has none.
func (s *Service) Fee(ctx context.Context, number string) (Fee, error) {
	return order.GetJSON[Fee](ctx, s.store, colFees, order.Key(number))
}

// Unmatched is a recent order that is no client's, or that is in doubt.
type Unmatched struct {
	Order   string    `json:"order_number"`
	Date    time.Time `json:"order_date"`
	Product string    `json:"product,omitempty"`
	Store   string    `json:"store,omitempty"`
	Profile string    `json:"profile,omitempty"`
	Email   string    `json:"email,omitempty"`
	Doubt   []string  `json:"doubt,omitempty" doc:"The clients it could be, when more than one"`
}

// Unmatched lists the orders of the last days that no client owns, newest first, with
// those in doubt, so the owner can say whose they are.
func (s *Service) Unmatched(ctx context.Context, days int) ([]Unmatched, error) {
	clients, err := s.Clients(ctx)
	if err != nil {
		return nil, err
	}
	var recent []order.Order // read first, as Sweep does
	err = s.store.Each(ctx, order.Filter{From: s.now().AddDate(0, 0, -days)}, func(o *order.Order) error {
		if failed(o) == "" {
			recent = append(recent, *o)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := []Unmatched{}
	for i := range recent {
		o := &recent[i]
		m, err := s.Whose(ctx, o, clients)
		if err != nil {
			return nil, err
		}
		if m.Client == "" && m.By != "owner" {
			out = append(out, Unmatched{Order: o.OrderNumber, Date: o.OrderDate, Product: o.Product, Store: o.Store,
				Profile: o.Profile, Email: o.Email, Doubt: m.Doubt})
		}
	}
	return out, nil
}

// Owed is what one client owes and has paid, by fee state.
type Owed struct {
	Client   string      `json:"client"`
	Name     string      `json:"name"`
	Currency string      `json:"currency,omitempty"`
	Pending  order.Money `json:"pending" doc:"Fees still in their hold"`
	Due      order.Money `json:"due" doc:"Fees past their hold, not yet invoiced"`
	Invoiced order.Money `json:"invoiced" doc:"On invoices not yet paid"`
	Paid     order.Money `json:"paid"`
	Voided   order.Money `json:"voided" doc:"Fees of orders that failed before payment"`
	Credit   order.Money `json:"credit" doc:"Owed back: paid fees of orders that failed since, not yet taken off an invoice"`
	Owes     order.Money `json:"owes" doc:"Due and invoiced, less the open credit"`
	Fees     int         `json:"fees"`
}

// Owed sums each client's fees, by client id.
func (s *Service) Owed(ctx context.Context) ([]Owed, error) {
	clients, err := s.Clients(ctx)
	if err != nil {
		return nil, err
	}
	fees, err := s.Fees(ctx, FeeFilter{})
	if err != nil {
		return nil, err
	}
	by := map[string]*Owed{}
	out := make([]Owed, len(clients))
	for i, c := range clients {
		out[i] = Owed{Client: c.ID, Name: c.Name}
		by[c.ID] = &out[i]
	}
	for _, f := range fees {
		w := by[f.Client]
		if w == nil {
			continue // a removed client's paid and voided fees
		}
		w.Fees++
		if w.Currency == "" {
			w.Currency = f.Currency
		}
		switch f.State {
		case FeePending:
			w.Pending += f.Amount
		case FeeDue:
			w.Due += f.Amount
		case FeeInvoiced:
			w.Invoiced += f.Amount
		case FeePaid:
			w.Paid += f.Amount
		case FeeVoid:
			w.Voided += f.Amount
		}
		if f.Credit != nil && f.Credit.Invoice == "" {
			w.Credit += f.Credit.Amount
		}
	}
	for i := range out {
		out[i].Owes = out[i].Due + out[i].Invoiced - out[i].Credit
	}
	return out, nil
}

// PutClients adds the clients of a file, and replaces those it names that exist (their
// added date kept); it returns how many of each.
func (s *Service) PutClients(ctx context.Context, clients []Client) (added, replaced int, err error) {
	for _, c := range clients {
		if _, err := s.EditClient(ctx, c); err == nil {
			replaced++
			continue
		} else if !errors.Is(err, ErrNoClient) {
			return added, replaced, fmt.Errorf("%s: %w", c.Name, err)
		}
		if _, err := s.AddClient(ctx, c); err != nil {
			return added, replaced, fmt.Errorf("%s: %w", c.Name, err)
		}
		added++
	}
	return added, replaced, nil
}
