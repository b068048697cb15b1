package aco

import (
	"context"
	"time"

	"github.com/roms-dev/roms/internal/order"
)

// Figures are one client's orders and fees of a period, for the totals and the
// dashboard.
type Figures struct {
	Client    string      `json:"client"`
	Name      string      `json:"name"`
	Checkouts int         `json:"checkouts"`
	Declined  int         `json:"declined"`
	Cancelled int         `json:"cancelled" doc:"Cancelled, refunded or returned"`
	Spend     order.Money `json:"spend" doc:"Of the checkouts that went through"`
	Currency  string      `json:"currency,omitempty"`
	// SuccessRate is checkouts not declined, of all; CancelRate cancelled or declined,
	// of all (as the orders' totals count them).
	SuccessRate float64     `json:"success_rate"`
	CancelRate  float64     `json:"cancel_rate"`
	FeesPending order.Money `json:"fees_pending"`
	FeesDue     order.Money `json:"fees_due" doc:"Due or on an invoice not yet paid"`
	FeesPaid    order.Money `json:"fees_paid"`
	FeesVoided  order.Money `json:"fees_voided"`
}

// ClientFigures counts each client's orders dated in [from, to) (zero from: since the
// first) and their fees.
func (s *Service) ClientFigures(ctx context.Context, from, to time.Time) ([]Figures, error) {
	clients, err := s.Clients(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Figures, len(clients))
	by := map[string]*Figures{}
	for i, c := range clients {
		out[i] = Figures{Client: c.ID, Name: c.Name}
		by[c.ID] = &out[i]
	}
	var period []order.Order // read first, as Sweep does
	err = s.store.Each(ctx, order.Filter{From: from, To: to}, func(o *order.Order) error {
		if !o.Test {
			period = append(period, *o)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range period {
		o := &period[i]
		m, err := s.Whose(ctx, o, clients)
		if err != nil {
			return nil, err
		}
		f := by[m.Client]
		if f == nil {
			continue
		}
		f.Checkouts++
		switch o.Status {
		case order.StatusDeclined:
			f.Declined++
		case order.StatusCancelled, order.StatusRefunded, order.StatusReturned:
			f.Cancelled++
		default:
			f.Spend += orderTotal(o)
			if f.Currency == "" {
				f.Currency = o.Currency
			}
		}
	}
	fees, err := s.Fees(ctx, FeeFilter{})
	if err != nil {
		return nil, err
	}
	for _, fee := range fees {
		f := by[fee.Client]
		if f == nil || fee.OrderDate.Before(from) || (!to.IsZero() && !fee.OrderDate.Before(to)) {
			continue
		}
		switch fee.State {
		case FeePending:
			f.FeesPending += fee.Amount
		case FeeDue, FeeInvoiced:
			f.FeesDue += fee.Amount
		case FeePaid:
			f.FeesPaid += fee.Amount
		case FeeVoid:
			f.FeesVoided += fee.Amount
		}
	}
	for i := range out {
		if n := out[i].Checkouts; n > 0 {
			out[i].SuccessRate = float64(n-out[i].Declined) / float64(n)
			out[i].CancelRate = float64(out[i].Declined+out[i].Cancelled) / float64(n)
		}
	}
	return out, nil
}
