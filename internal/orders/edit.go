package orders

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"

	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/parser"
)

// Problem is one thing wrong with a change, named by its field.
type Problem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// InvalidError is a change refused for what it says; nothing was stored.
type InvalidError struct {
	Problems []Problem
}

func (e *InvalidError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Field + ": " + p.Message
	}
	return strings.Join(parts, "; ")
}

func invalid(field, format string, args ...any) *InvalidError {
	return &InvalidError{Problems: []Problem{{field, fmt.Sprintf(format, args...)}}}
}

// ErrNothingToChange is an edit that names no field.
var ErrNothingToChange = errors.New("nothing to change: give at least one field to set or clear")

// Correct applies a person's edit to the order with this number: the values to set and
// the fields to clear. Values are checked first, and quantity received against the
// quantity it ends up with, so an invalid edit stores nothing and says why.
func (s *Service) Correct(ctx context.Context, number string, e order.Edit, actor string) (order.Result, error) {
	if isEmpty(e) {
		return order.Result{}, ErrNothingToChange
	}
	if err := normalise(&e); err != nil {
		return order.Result{}, err
	}
	return s.write(ctx, order.Write{
		Number: s.resolve(ctx, number), Edit: e, Origin: order.Origin{Source: sourceOf(actor)}, Actor: actor, At: s.now(), MustExist: true,
		Check: checkReceived,
	})
}

// Create adds an order by hand. Its number must be new; without a status it is a
// verified checkout, like one a message reports.
func (s *Service) Create(ctx context.Context, f order.Fields, actor string) (order.Result, error) {
	f.OrderNumber = order.CleanNumber(f.OrderNumber)
	if f.Status == "" {
		f.Status = order.StatusVerified
	}
	if f.OrderNumber == "" {
		return order.Result{}, invalid("order_number", "is required")
	}
	if reason := checkNumber(f.OrderNumber); reason != "" {
		return order.Result{}, invalid("order_number", "%s", reason)
	}
	e := order.Edit{Fields: f}
	if err := normalise(&e); err != nil {
		return order.Result{}, err
	}
	now := s.now()
	return s.write(ctx, order.Write{
		Number: f.OrderNumber, Edit: e, Origin: order.Origin{Source: sourceOf(actor)}, Actor: actor, At: now, OccurredAt: now,
		MustBeNew: true, Check: checkReceived,
	})
}

// CreateFromText adds an order by hand from a message in the text format.
func (s *Service) CreateFromText(ctx context.Context, text, actor string) (order.Result, []string, error) {
	msg, err := s.reader.Load().Parse(text)
	if err != nil {
		return order.Result{}, nil, invalid("text", "%v", err)
	}
	keepUnknownStatus(&msg)
	res, err := s.Create(ctx, msg.Fields, actor)
	return res, msg.Warnings, err
}

// Delete leaves an order out of lists and totals; it keeps its history and can be restored.
func (s *Service) Delete(ctx context.Context, number, actor string) (order.Result, error) {
	return s.write(ctx, order.Write{Number: s.resolve(ctx, number), Edit: order.Edit{Delete: true}, Origin: order.Origin{Source: sourceOf(actor)},
		Actor: actor, At: s.now(), MustExist: true})
}

// Restore undoes Delete.
func (s *Service) Restore(ctx context.Context, number, actor string) (order.Result, error) {
	return s.write(ctx, order.Write{Number: s.resolve(ctx, number), Edit: order.Edit{Restore: true}, Origin: order.Origin{Source: sourceOf(actor)},
		Actor: actor, At: s.now(), MustExist: true})
}

// sourceOf is the origin source of a change by a person: the kind of actor.
func sourceOf(actor string) string {
	kind, _, _ := strings.Cut(actor, ":")
	switch kind {
	case "import":
		return order.SourceImport
	case "discord-user":
		return order.SourceDiscord
	}
	return order.SourceAPI
}

func isEmpty(e order.Edit) bool {
	f := e.Fields
	return len(e.Clear) == 0 && !e.Delete && !e.Restore && f.Product == "" && f.Price == nil && f.Currency == "" &&
		f.Quantity == nil && f.Total == nil && f.Commission == nil && f.Email == "" && f.CustomerName == "" &&
		f.Profile == "" && f.ProxyList == "" && f.ReferenceNumber == "" && f.Status == "" && len(f.TrackingNumbers) == 0 &&
		f.TrackingURL == "" && f.QtyReceived == nil && f.PostedDate == nil && f.ShippedDate == nil && f.PaymentMethod == "" &&
		f.ShippingAddress == "" && f.ShippingMethod == "" && f.Notes == "" && f.Store == "" && len(f.Extra) == 0
}

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

// maxTracking is longer than any carrier's tracking number.
const maxTracking = 64

// normalise tidies the values of an edit as people type them and checks each one.
func normalise(e *order.Edit) error {
	var problems []Problem
	bad := func(field, format string, args ...any) {
		problems = append(problems, Problem{field, fmt.Sprintf(format, args...)})
	}
	f := &e.Fields
	redactFields(f)
	for _, name := range e.Clear {
		if !slices.Contains(order.Clearable, name) {
			bad(name, "cannot be cleared; these can: %s", strings.Join(order.Clearable, ", "))
		}
	}
	if f.Status != "" {
		f.Status = parser.NormaliseStatus(f.Status)
		if !order.ValidStatus(f.Status) {
			bad("status", "%q is not a status; use one of %s", f.Status, strings.Join(order.Statuses, ", "))
		}
	}
	if f.Quantity != nil && *f.Quantity < 1 {
		bad("quantity", "must be at least 1")
	}
	if f.QtyReceived != nil && *f.QtyReceived < 0 {
		bad("qty_received", "must be 0 or more")
	}
	for name, m := range map[string]*order.Money{"price": f.Price, "total": f.Total, "commission": f.Commission} {
		if m != nil && *m < 0 {
			bad(name, "must not be negative")
		}
	}
	if f.Currency != "" {
		f.Currency = strings.ToUpper(strings.TrimSpace(f.Currency))
		if !currencyCode.MatchString(f.Currency) {
			bad("currency", "%q is not a three-letter code such as USD or EUR", f.Currency)
		}
	}
	if f.Email != "" {
		f.Email = strings.TrimSpace(f.Email)
		if _, err := mail.ParseAddress(f.Email); err != nil {
			bad("email", "%q is not an email address", f.Email)
		}
	}
	var tracking []string
	for _, t := range f.TrackingNumbers {
		tracking = append(tracking, order.SplitList(t)...)
	}
	f.TrackingNumbers = tracking // duplicates are dropped when merged
	for _, t := range f.TrackingNumbers {
		if len(t) > maxTracking {
			bad("tracking_numbers", "%q is longer than %d characters", t, maxTracking)
		}
	}
	if len(problems) > 0 {
		slices.SortFunc(problems, func(a, b Problem) int { return strings.Compare(a.Field, b.Field) })
		return &InvalidError{Problems: problems}
	}
	return nil
}

// checkReceived runs on the merged order: more units received than ordered is a typo.
func checkReceived(o *order.Order, _ []order.Change) error {
	if o.QtyReceived > o.Quantity {
		return invalid("qty_received", "%d is more than the quantity ordered (%d)", o.QtyReceived, o.Quantity)
	}
	return nil
}

// redactFields runs every text field through the same redaction as a message's text: a
// proxy password pasted into a note or an import row is no safer than one in a checkout.
func redactFields(f *order.Fields) {
	for name, p := range textFields(f) {
		*p = parser.RedactField(name, *p)
	}
	for key, value := range f.Extra {
		f.Extra[key] = parser.RedactField(key, value)
	}
}
