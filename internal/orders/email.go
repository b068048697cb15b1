package orders

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/roms-dev/roms/internal/email"
	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/parser"
)

// maxEmailNumbers bounds how many of an email's number-shaped words are looked up as
// order numbers.
const maxEmailNumbers = 40

// IngestEmail applies what a retailer's email says to the order it names, through the
// same pipeline as every input: the actor is email:ACCOUNT, the time of the change the
// email's date. Tracking numbers are added; the status only moves forward (a late
// "shipped" never undoes "delivered"); a cancellation after shipping, or of some items
// only, is kept for a look instead of applied. A confirmation of an order ROMS has not
// seen creates it. An email that names no order is ignored and logged. The same email
// read again (a restart, another folder, a UIDVALIDITY change) changes nothing: its mark
// is the account and its Message-ID.
func (s *Service) IngestEmail(ctx context.Context, account string, raw []byte) (Ingested, error) {
	in := Input{Origin: order.Origin{Source: order.SourceEmail, Poster: account}, ContentType: "message/rfc822",
		Actor: order.ActorEmail(account)}
	sum := email.Digest(raw)
	m, err := email.Parse(raw)
	if err != nil {
		in.Raw = string(raw)
		in.Mark = &order.Mark{Key: "email:" + account + ":" + sum, Hash: sum}
		return Ingested{}, s.Reject(ctx, in, fmt.Errorf("not an email that can be read: %w", err))
	}
	in.Raw = emailLogText(m)
	in.Origin.MessageID = m.ID // the order's history names the email; its log entry holds it
	in.ReceivedAt, in.OccurredAt = m.Date, m.Date
	in.Mark = &order.Mark{Key: "email:" + account + ":" + m.ID, Hash: sum}
	msg, err := s.emailMessage(ctx, email.Read(m), m)
	if err != nil {
		return Ingested{}, err
	}
	in.Message = &msg
	if msg.Fields.OrderNumber == "" {
		in.Ignore = "an email that names no order ROMS knows (marketing, a newsletter, another shop's receipt)"
	}
	return s.Ingest(ctx, in)
}

// emailMessage is what an email's reading changes of its order, as a message.
func (s *Service) emailMessage(ctx context.Context, r email.Reading, m email.Message) (parser.Message, error) {
	var msg parser.Message
	current, err := s.knownOrder(ctx, r.Numbers)
	if err != nil {
		return msg, err
	}
	if current == nil {
		if r.Event == email.Confirmed && r.NewNumber != "" { // an order no bot posted
			msg.Fields = order.Fields{OrderNumber: r.NewNumber, Store: r.Retailer, Product: r.Product, Status: order.StatusVerified}
			if r.Quantity > 0 {
				msg.Fields.Quantity = &r.Quantity
			}
			msg.Fields.Extra = map[string]string{"Email": m.Subject}
		}
		return msg, nil
	}
	msg.Fields.OrderNumber = current.OrderNumber
	for _, t := range r.Tracking {
		msg.Fields.TrackingNumbers = append(msg.Fields.TrackingNumbers, t.Number)
		if t.Carrier != "" {
			msg.Fields.Extra = map[string]string{"Carrier": t.Carrier}
		}
	}
	status, warning := emailStatus(current.Status, r)
	msg.Fields.Status = status
	if r.Event == "" && len(r.Tracking) == 0 {
		warning = NeedsALook + "an email about this order that ROMS could not read (no event, no tracking)"
	}
	if warning != "" {
		msg.Warnings = append(msg.Warnings, warning)
	}
	return msg, nil
}

// knownOrder is the first of numbers that is a stored order's, or nil.
func (s *Service) knownOrder(ctx context.Context, numbers []string) (*order.Order, error) {
	for _, n := range numbers[:min(len(numbers), maxEmailNumbers)] {
		if checkNumber(n) != "" {
			continue
		}
		o, err := s.store.Get(ctx, n)
		if errors.Is(err, order.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return &o, nil
	}
	return nil, nil
}

// NeedsALook starts the warning of an email that was not applied as it reads: the
// review list shows those.
const NeedsALook = "needs a look: "

// emailStatus is the status an email's event moves an order at current to, or "" to
// leave it, and a warning when the email asks for what is not applied blindly.
func emailStatus(current string, r email.Reading) (string, string) {
	if r.Event == email.Cancelled && r.Partial {
		return "", NeedsALook + "the retailer cancelled some items only; the order is left as it is"
	}
	next := map[string]string{email.Shipped: order.StatusShipped, email.OutForDelivery: order.StatusShipped,
		email.Delivered: order.StatusDelivered, email.Cancelled: order.StatusCancelled,
		email.Refunded: order.StatusRefunded, email.Returned: order.StatusReturned}[r.Event]
	switch {
	case next == "" || next == current:
		return "", ""
	case next == order.StatusCancelled && stage(current) >= stage(order.StatusShipped):
		return "", NeedsALook + "a cancellation of an order already " + current + "; the status is left as it is"
	case closed(current):
		return "", "" // cancelled, refunded or returned stay so
	case next == order.StatusRefunded || next == order.StatusReturned || next == order.StatusCancelled:
		return next, ""
	case stage(next) > stage(current):
		return next, ""
	}
	return "", "" // an older email than the order's status: forward only
}

// stage orders the statuses an order moves through: only later ones replace earlier.
func stage(status string) int {
	switch status {
	case order.StatusShipped:
		return 1
	case order.StatusDelivered:
		return 2
	case order.StatusReceived:
		return 3
	}
	return 0
}

func closed(status string) bool {
	switch status {
	case order.StatusCancelled, order.StatusDeclined, order.StatusRefunded, order.StatusReturned:
		return true
	}
	return false
}

// oneTimeCode is a sign-in or verification code in an email: never stored.
var oneTimeCode = regexp.MustCompile(`(?i)((verification|security|one[- ]time|sign[- ]in|login|confirmation|access|otp|passcode|pin)\s*(code|number|pin)?\s*(is|:|=)?\s*)\d{4,8}\b`)

// emailLogText is what the webhook log keeps of an email: who sent it, when, its subject
// and its text and links, with passwords and one-time codes taken out (the log keeps
// every input; it must not keep a way into the buyer's accounts).
func emailLogText(m email.Message) string {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\nDate: %s\nSubject: %s\nMessage-ID: %s\n\n%s\n", m.From, m.Date.UTC().Format(time.RFC1123Z),
		m.Subject, m.ID, m.Text)
	for _, l := range m.Links {
		b.WriteString("Link: " + l + "\n")
	}
	return oneTimeCode.ReplaceAllString(b.String(), "${1}[redacted]")
}
