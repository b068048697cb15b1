package aco

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/roms-dev/roms/internal/order"
)

// Fee states. A fee is pending while its hold lasts, then due; an invoice takes due fees
// (invoiced) until it is paid. A failed order voids a fee not yet paid, and opens a credit
// on one that was.
const (
	FeePending  = "pending"
	FeeDue      = "due"
	FeeInvoiced = "invoiced"
	FeePaid     = "paid"
	FeeVoid     = "void"
)

// Fee is what one order of a client earns, with every change of it and why.
type Fee struct {
	Order     string      `json:"order_number"`
	Client    string      `json:"client"`
	Store     string      `json:"store,omitempty"`
	Product   string      `json:"product,omitempty"`
	OrderDate time.Time   `json:"order_date"`
	Amount    order.Money `json:"amount"`
	Currency  string      `json:"currency,omitempty"`
	State     string      `json:"state" enum:"pending,due,invoiced,paid,void"`
	Opened    time.Time   `json:"opened"`
	Invoice   string      `json:"invoice,omitempty" doc:"The invoice that bills it"`
	// Credit is owed back to the client: the order failed after its fee was paid. It goes
	// on the client's next invoice.
	Credit  *Credit     `json:"credit,omitempty"`
	History []FeeChange `json:"history"`
}

// Credit is an amount owed back to a client.
type Credit struct {
	Amount  order.Money `json:"amount"`
	Opened  time.Time   `json:"opened"`
	Reason  string      `json:"reason"`
	Invoice string      `json:"invoice,omitempty" doc:"The invoice it was taken off; empty while open"`
}

// FeeChange is one change of a fee.
type FeeChange struct {
	At     time.Time   `json:"at"`
	State  string      `json:"state"`
	Amount order.Money `json:"amount"`
	Reason string      `json:"reason"`
}

// Hold is how long a new fee waits before it is due: days after the checkout, or until
// the order has tracking, or until it has shipped.
type Hold struct {
	Days  int    `json:"days,omitempty"`
	Until string `json:"until,omitempty" enum:"tracking,shipped,"`
}

// ParseHold reads aco.hold: "3d", "3 days", "tracking" or "shipped"; "" or "0" is none.
func ParseHold(text string) (Hold, error) {
	text = strings.ToLower(strings.TrimSpace(text))
	switch text {
	case "", "0", "none":
		return Hold{}, nil
	case "tracking", "shipped":
		return Hold{Until: text}, nil
	}
	n := strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(text, "days"), "day"), "d"))
	days, err := strconv.Atoi(n)
	if err != nil || days < 0 || days > 365 {
		return Hold{}, fmt.Errorf("hold %q: a number of days (3d), tracking or shipped", text)
	}
	return Hold{Days: days}, nil
}

func (h Hold) String() string {
	switch {
	case h.Until == "tracking":
		return "until the order has tracking"
	case h.Until == "shipped":
		return "until the order has shipped"
	case h.Days > 0:
		return fmt.Sprintf("%d days after the checkout", h.Days)
	}
	return "none: due at once"
}

// over reports whether the hold of an order's fee has ended.
func (h Hold) over(o *order.Order, now time.Time) bool {
	switch h.Until {
	case "tracking":
		return len(o.TrackingNumbers) > 0 || shipped(o.Status)
	case "shipped":
		return shipped(o.Status)
	}
	return !now.Before(o.OrderDate.AddDate(0, 0, h.Days))
}

func shipped(status string) bool {
	return status == order.StatusShipped || status == order.StatusDelivered || status == order.StatusReceived
}

// failed reports why an order earns nothing, or "" when it still does.
func failed(o *order.Order) string {
	if o.DeletedAt != nil {
		return "the order was deleted"
	}
	if slices.Contains(order.Closed, o.Status) {
		return "the order was " + o.Status
	}
	return ""
}

// Reconcile brings an order's fee (nil when it has none) to what the order, whose client
// it is and the client's rule say now, and reports whether anything changed. It is
// safe to call any number of times: an order in the same state changes nothing.
func Reconcile(fee *Fee, o *order.Order, client *Client, hold Hold, now time.Time) (*Fee, bool) {
	why := failed(o)
	before := ""
	if fee == nil {
		if client == nil || why != "" {
			return nil, false
		}
		amount, ok := client.Fee.For(o.Store).Of(o)
		if !ok {
			return nil, false
		}
		fee = &Fee{Order: o.OrderNumber, Client: client.ID, Amount: amount, Currency: o.Currency, State: FeePending, Opened: now}
		fee.describe(o)
		fee.note(now, FeePending, "checkout of "+client.Name)
	} else {
		before = fee.stamp()
	}
	fee.describe(o)
	switch fee.State {
	case FeePending, FeeDue:
		switch {
		case why != "":
			fee.note(now, FeeVoid, why)
		case client == nil:
			fee.note(now, FeeVoid, "the order is no longer "+fee.Client+"'s")
		default:
			amount, ok := client.Fee.For(o.Store).Of(o)
			switch {
			case !ok:
				fee.note(now, FeeVoid, client.Name+"'s fee rule asks none for this order")
				return fee, true
			case client.ID != fee.Client:
				fee.Client, fee.Amount = client.ID, amount
				fee.note(now, fee.State, "the order is now "+client.Name+"'s")
			case amount != fee.Amount:
				fee.Amount = amount
				fee.note(now, fee.State, "the order's total or units changed")
			}
			if fee.State == FeePending && hold.over(o, now) {
				fee.note(now, FeeDue, "the hold ended: "+hold.String())
			}
		}
	case FeeInvoiced:
		if why != "" {
			fee.note(now, FeeVoid, why+" before the invoice was paid")
		}
	case FeePaid:
		if why != "" && fee.Credit == nil {
			fee.Credit = &Credit{Amount: fee.Amount, Opened: now, Reason: why + " after the fee was paid"}
			fee.note(now, FeePaid, "credit of "+fee.Amount.String()+" opened: "+fee.Credit.Reason)
		}
	case FeeVoid:
		if why == "" && client != nil && fee.Invoice == "" {
			fee.Client = client.ID
			if amount, ok := client.Fee.For(o.Store).Of(o); ok {
				fee.Amount = amount
			}
			fee.note(now, FeePending, "the order is live again, as "+client.Name+"'s")
			if hold.over(o, now) {
				fee.note(now, FeeDue, "the hold ended: "+hold.String())
			}
		}
	}
	return fee, fee.stamp() != before
}

// describe copies what an invoice line shows of the order.
func (f *Fee) describe(o *order.Order) {
	f.Store, f.Product, f.OrderDate = o.Store, o.Product, o.OrderDate
	if o.Currency != "" {
		f.Currency = o.Currency
	}
}

// note records a change of state or amount.
func (f *Fee) note(at time.Time, state, reason string) {
	f.State = state
	f.History = append(f.History, FeeChange{At: at, State: state, Amount: f.Amount, Reason: reason})
}

// stamp is what Reconcile compares to tell whether it changed the fee.
func (f *Fee) stamp() string {
	credit := ""
	if f.Credit != nil {
		credit = f.Credit.Amount.String() + f.Credit.Invoice
	}
	return fmt.Sprint(f.State, f.Amount, f.Client, f.Store, f.Product, f.OrderDate.UnixNano(), f.Currency, f.Invoice, credit, len(f.History))
}
