package aco

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/roms-dev/roms/internal/order"
)

// Invoice states.
const (
	InvoiceOpen = "open" // made, not yet sent
	InvoiceSent = "sent"
	InvoicePaid = "paid"
)

// ErrNothingToInvoice is an invoice asked for a client with no due fee nor open credit.
var ErrNothingToInvoice = errors.New("nothing to invoice: no due fees and no open credit in the period")

// Invoice bills a client's due fees of a period, less what is owed back to them.
type Invoice struct {
	ID       string        `json:"id"`
	Client   string        `json:"client"`
	Name     string        `json:"name"`
	From     time.Time     `json:"from,omitempty" doc:"The period's first day; zero: every due fee before To"`
	To       time.Time     `json:"to" doc:"The period's end (excluded)"`
	Made     time.Time     `json:"made"`
	Lines    []InvoiceLine `json:"lines"`
	Credits  []InvoiceLine `json:"credits,omitempty" doc:"Fees paid before whose orders failed since: taken off"`
	Total    order.Money   `json:"total"`
	Currency string        `json:"currency,omitempty"`
	State    string        `json:"state" enum:"open,sent,paid"`
	SentAt   *time.Time    `json:"sent_at,omitempty"`
	PaidAt   *time.Time    `json:"paid_at,omitempty"`
	Payments []Payment     `json:"payments,omitempty"`
}

// InvoiceLine is one order's fee (or credit) on an invoice.
type InvoiceLine struct {
	Order   string      `json:"order_number"`
	Date    time.Time   `json:"order_date"`
	Product string      `json:"product,omitempty"`
	Store   string      `json:"store,omitempty"`
	Amount  order.Money `json:"amount"`
	Note    string      `json:"note,omitempty"`
	// Void marks a fee whose order failed before the invoice was paid: it no longer counts.
	Void bool `json:"void,omitempty"`
}

// Payment is money the owner received for an invoice. ROMS calls no payment processor:
// the owner records it.
type Payment struct {
	Amount order.Money `json:"amount"`
	At     time.Time   `json:"at"`
	Method string      `json:"method,omitempty" doc:"How it was paid: PayPal, Zelle, cash..."`
	Note   string      `json:"note,omitempty"`
}

// Paid sums the payments.
func (inv *Invoice) Paid() order.Money {
	var sum order.Money
	for _, p := range inv.Payments {
		sum += p.Amount
	}
	return sum
}

// MakeInvoice bills a client's due fees of orders dated in [from, to) (from zero: every
// due fee before to), takes their open credits off, and marks the fees invoiced.
func (s *Service) MakeInvoice(ctx context.Context, clientID string, from, to time.Time) (Invoice, error) {
	c, err := s.Client(ctx, clientID)
	if err != nil {
		return Invoice{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fees, err := s.Fees(ctx, FeeFilter{Client: c.ID})
	if err != nil {
		return Invoice{}, err
	}
	inv := Invoice{Client: c.ID, Name: c.Name, From: from, To: to, Made: s.now(), State: InvoiceOpen}
	inv.ID, err = s.invoiceID(ctx, c.ID, to)
	if err != nil {
		return Invoice{}, err
	}
	var billed, credited []Fee
	for _, f := range fees {
		if f.State == FeeDue && f.OrderDate.Before(to) && !f.OrderDate.Before(from) {
			inv.Lines = append(inv.Lines, line(f, f.Amount, ""))
			inv.Total += f.Amount
			billed = append(billed, f)
		}
		if f.Credit != nil && f.Credit.Invoice == "" {
			inv.Credits = append(inv.Credits, line(f, -f.Credit.Amount, f.Credit.Reason))
			inv.Total -= f.Credit.Amount
			credited = append(credited, f)
		}
		if inv.Currency == "" {
			inv.Currency = f.Currency
		}
	}
	if len(billed)+len(credited) == 0 {
		return Invoice{}, fmt.Errorf("%s: %w", c.Name, ErrNothingToInvoice)
	}
	// The invoice is saved first: a fee that says it is on an invoice that does not
	// exist could never be billed again.
	if err := order.PutJSON(ctx, s.store, colInvoices, inv.ID, inv); err != nil {
		return Invoice{}, err
	}
	for _, f := range billed {
		f.Invoice = inv.ID
		f.note(inv.Made, FeeInvoiced, "on invoice "+inv.ID)
		if err := order.PutJSON(ctx, s.store, colFees, order.Key(f.Order), f); err != nil {
			return inv, err
		}
	}
	for _, f := range credited {
		f.Credit.Invoice = inv.ID
		f.note(inv.Made, f.State, "credit taken off invoice "+inv.ID)
		if err := order.PutJSON(ctx, s.store, colFees, order.Key(f.Order), f); err != nil {
			return inv, err
		}
	}
	return inv, nil
}

func line(f Fee, amount order.Money, note string) InvoiceLine {
	return InvoiceLine{Order: f.Order, Date: f.OrderDate, Product: f.Product, Store: f.Store, Amount: amount, Note: note}
}

// invoiceID names an invoice by client and the period's month, with a number when the
// month has more than one: ann-2026-12, ann-2026-12-2.
func (s *Service) invoiceID(ctx context.Context, client string, to time.Time) (string, error) {
	base := client + "-" + to.Add(-time.Nanosecond).Format("2006-01")
	for n := 1; ; n++ {
		id := base
		if n > 1 {
			id = fmt.Sprintf("%s-%d", base, n)
		}
		if _, err := s.store.Document(ctx, colInvoices, id); errors.Is(err, order.ErrNotFound) {
			return id, nil
		} else if err != nil {
			return "", err
		}
	}
}

// Invoices lists the invoices, a client's or everyone's, newest first.
func (s *Service) Invoices(ctx context.Context, client string) ([]Invoice, error) {
	all, err := order.AllJSON[Invoice](ctx, s.store, colInvoices)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, inv := range all {
		if client == "" || inv.Client == Slug(client) {
			out = append(out, inv)
		}
	}
	slices.SortStableFunc(out, func(a, b Invoice) int { return b.Made.Compare(a.Made) })
	return out, nil
}

// GetInvoice reads one invoice; order.ErrNotFound when there is none.
func (s *Service) GetInvoice(ctx context.Context, id string) (Invoice, error) {
	return order.GetJSON[Invoice](ctx, s.store, colInvoices, strings.TrimSpace(id))
}

// MarkSent records that the invoice went to the client.
func (s *Service) MarkSent(ctx context.Context, id string) (Invoice, error) {
	return s.changeInvoice(ctx, id, func(inv *Invoice) error {
		if inv.State == InvoiceOpen {
			at := s.now()
			inv.State, inv.SentAt = InvoiceSent, &at
		}
		return nil
	})
}

// RecordPayment adds a payment; once the payments reach the total the invoice is paid,
// and so is each of its fees.
func (s *Service) RecordPayment(ctx context.Context, id string, p Payment) (Invoice, error) {
	if p.Amount <= 0 {
		return Invoice{}, invalid(errors.New("a payment needs an amount"))
	}
	if p.At.IsZero() {
		p.At = s.now()
	}
	return s.changeInvoice(ctx, id, func(inv *Invoice) error {
		if inv.State == InvoicePaid {
			return invalid(fmt.Errorf("invoice %s is paid already", inv.ID))
		}
		inv.Payments = append(inv.Payments, p)
		if inv.Paid() < inv.Total {
			return nil
		}
		at := p.At
		inv.State, inv.PaidAt = InvoicePaid, &at
		for _, l := range inv.Lines {
			if l.Void {
				continue
			}
			f, err := order.GetJSON[Fee](ctx, s.store, colFees, order.Key(l.Order))
			if err != nil {
				return err
			}
			if f.State == FeeInvoiced && f.Invoice == inv.ID {
				f.note(at, FeePaid, "invoice "+inv.ID+" paid")
				if err := order.PutJSON(ctx, s.store, colFees, order.Key(l.Order), f); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func (s *Service) changeInvoice(ctx context.Context, id string, change func(*Invoice) error) (Invoice, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inv, err := s.GetInvoice(ctx, id)
	if err != nil {
		return inv, err
	}
	if err := change(&inv); err != nil {
		return inv, err
	}
	return inv, order.PutJSON(ctx, s.store, colInvoices, inv.ID, inv)
}

// voidOnInvoice marks a voided fee's line on its unpaid invoice, and takes it off the total.
func (s *Service) voidOnInvoice(ctx context.Context, f *Fee) error {
	inv, err := s.GetInvoice(ctx, f.Invoice)
	if err != nil || inv.State == InvoicePaid {
		return err
	}
	for i, l := range inv.Lines {
		if order.Key(l.Order) == order.Key(f.Order) && !l.Void {
			inv.Lines[i].Void = true
			inv.Lines[i].Note = f.History[len(f.History)-1].Reason
			inv.Total -= l.Amount
			return order.PutJSON(ctx, s.store, colInvoices, inv.ID, inv)
		}
	}
	return nil
}
