package orders

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/roms-dev/roms/internal/order"
)

// UndoSummary is what undoing a batch did.
type UndoSummary struct {
	Batch    string `json:"batch"`
	Orders   int    `json:"orders" doc:"Orders the batch had changed"`
	Reverted int    `json:"reverted" doc:"Orders put back as they were before the batch"`
	Deleted  int    `json:"deleted" doc:"Orders the batch had created, now deleted (they can be restored)"`
	// LeftAlone counts changes not reverted: the field was changed again since the batch,
	// or is one ROMS sets itself (shipped and delivered dates).
	LeftAlone int `json:"left_alone"`
	// Kept are the orders the batch created that something else changed since (a real
	// checkout, a correction): they stay, and are not counted as deleted.
	Kept []string `json:"kept,omitempty" doc:"Orders the batch created that were changed since by others: left alone"`
	// AlreadyUndone: nothing the batch did is left to revert (an undo ran before).
	AlreadyUndone bool `json:"already_undone,omitempty"`
}

// String says what the undo did, for a person.
func (u UndoSummary) String() string {
	if u.AlreadyUndone {
		return fmt.Sprintf("nothing to undo: the batch's %d orders are already as they were before it (undone already?)", u.Orders)
	}
	text := fmt.Sprintf("%d orders: %d put back, %d deleted (the import had created them), %d changes left alone (changed again since)",
		u.Orders, u.Reverted, u.Deleted, u.LeftAlone)
	if len(u.Kept) > 0 {
		text += fmt.Sprintf(", %d kept (the import created them, and others changed them since: %s)", len(u.Kept), strings.Join(u.Kept, ", "))
	}
	return text
}

// Undo reverts an import batch: each field it changed goes back to its value before, unless
// it has been changed again since; orders it created are deleted. The undo is recorded as
// changes by actor, so the history shows both.
func (s *Service) Undo(ctx context.Context, batch, actor string) (UndoSummary, error) {
	events, err := s.store.EventsBy(ctx, order.ActorImport(batch))
	if err != nil {
		return UndoSummary{}, err
	}
	if len(events) == 0 {
		return UndoSummary{}, ErrUnknownBatch
	}
	byOrder := map[string][]order.Event{}
	var numbers []string
	for _, e := range events {
		if _, seen := byOrder[e.Number]; !seen {
			numbers = append(numbers, e.Number)
		}
		byOrder[e.Number] = append(byOrder[e.Number], e)
	}
	sum := UndoSummary{Batch: batch, Orders: len(numbers)}
	plans := make([]plan, len(numbers))
	for i, n := range numbers {
		var left int
		var kept bool
		plans[i], left, kept = s.revert(ctx, n, byOrder[n], actor)
		sum.LeftAlone += left
		if kept {
			sum.Kept = append(sum.Kept, n)
		}
	}
	undone := 0 // orders already as the batch found them
	for _, r := range s.run(ctx, plans) {
		switch r.outcome {
		case order.OutcomeDeleted:
			sum.Deleted++
		case order.OutcomeUpdated, order.OutcomeRestored:
			sum.Reverted++
		case order.OutcomeUnchanged:
			undone++
		}
	}
	sum.AlreadyUndone = undone == len(numbers) && len(sum.Kept) == 0 && sum.LeftAlone == 0
	if err := ctx.Err(); err != nil {
		return sum, err
	}
	if !sum.AlreadyUndone {
		s.noteUndo(ctx, sum, actor)
	}
	return sum, nil
}

// autoFields are set by ROMS itself when a status is reached; they follow the status.
var autoFields = map[string]bool{"shipped_date": true, "delivered_date": true}

// revert plans the undo of the changes events made to one order, newest first, counts
// the changes it leaves alone, and says whether it keeps an order the batch created.
// What happened since is read from the order's whole history, not from its values
// alone: a field changed and changed back since is left as it is.
func (s *Service) revert(ctx context.Context, number string, events []order.Event, actor string) (plan, int, bool) {
	w := order.Write{Number: number, Origin: order.Origin{Source: sourceOf(actor)}, Actor: actor, At: s.now(), MustExist: true}
	history, err := s.store.Events(ctx, number)
	if err != nil {
		return rejected(outcomeNotFound, err.Error()), 0, false
	}
	batch := map[uint64]bool{}
	for _, e := range events {
		batch[e.ID] = true
	}
	changedSince := func(after uint64, field string) bool {
		for _, e := range history {
			if e.ID > after && !batch[e.ID] && slices.ContainsFunc(e.Changes, func(c order.Change) bool { return c.Field == field }) {
				return true
			}
		}
		return false
	}
	current, err := s.store.Get(ctx, number)
	if err != nil {
		return rejected(outcomeNotFound, err.Error()), 0, false
	}
	if events[0].Type == order.EventCreated {
		switch {
		case current.DeletedAt != nil:
			return rejected(order.OutcomeUnchanged, "deleted already"), 0, false
		case slices.ContainsFunc(history, func(e order.Event) bool { return e.ID > events[0].ID && !batch[e.ID] }):
			return rejected(outcomeKept, "changed since by others"), 0, true
		}
		w.Edit.Delete = true
		return plan{write: &w}, 0, false
	}
	// Walk back through the batch's changes: a field goes back to the value before the
	// batch's first change of it, as long as nothing else changed it after.
	now := fieldValues(&current)
	target := map[string]order.Change{}
	left := 0
	for i := len(events) - 1; i >= 0; i-- {
		for _, c := range events[i].Changes {
			switch {
			case autoFields[c.Field]:
			case !changedSince(events[i].ID, c.Field) && sameJSON(now[c.Field], c.New):
				target[c.Field], now[c.Field] = c, c.Old
			case sameJSON(now[c.Field], c.Old):
				// back as it was before the batch already: an earlier undo
			default:
				left++
			}
		}
	}
	fields := slices.Sorted(maps.Keys(target))
	for _, f := range fields {
		if !restore(&w.Edit, target[f]) {
			left++
		}
	}
	return plan{write: &w}, left, false
}

// outcomeKept is an order an undo leaves as it is.
const outcomeKept = "kept"

// fieldValues is an order's fields as its JSON shows them, the form events record, with
// extra fields as "extra.NAME".
func fieldValues(o *order.Order) map[string]any {
	raw, _ := json.Marshal(o) // an order always encodes
	m := map[string]any{}
	_ = json.Unmarshal(raw, &m)
	for k, v := range o.Extra {
		m["extra."+k] = v
	}
	if o.DeletedAt == nil {
		m["deleted_at"] = nil
	}
	return m
}

func sameJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// restore adds to e what puts c's field back to its old value; false for a field it
// cannot put back.
func restore(e *order.Edit, c order.Change) bool {
	f := &e.Fields
	if name, ok := strings.CutPrefix(c.Field, "extra."); ok {
		old, isText := c.Old.(string)
		if !isText {
			return false // an extra field cannot be removed, only changed
		}
		if f.Extra == nil {
			f.Extra = map[string]string{}
		}
		f.Extra[name] = old
		return true
	}
	if c.Old == nil {
		switch c.Field {
		case "deleted_at":
			e.Restore = true
		case "raw_header":
			return false
		default:
			e.Clear = append(e.Clear, c.Field)
		}
		return true
	}
	switch c.Field {
	case "deleted_at":
		e.Delete = true
	case "price", "total", "commission":
		m, err := order.ParseMoney(strconv.FormatFloat(number(c.Old), 'f', -1, 64))
		if err != nil {
			return false
		}
		dst := map[string]**order.Money{"price": &f.Price, "total": &f.Total, "commission": &f.Commission}[c.Field]
		*dst = &m
	case "quantity", "qty_received":
		n := int(number(c.Old))
		dst := map[string]**int{"quantity": &f.Quantity, "qty_received": &f.QtyReceived}[c.Field]
		*dst = &n
	case "tracking_numbers":
		e.Clear = append(e.Clear, "tracking_numbers")
		for _, t := range c.Old.([]any) {
			f.TrackingNumbers = append(f.TrackingNumbers, t.(string))
		}
	case "items":
		raw, _ := json.Marshal(c.Old) // as the event decoded it: a list of objects
		if json.Unmarshal(raw, &f.Items) != nil {
			return false
		}
	case "posted_date":
		t, err := time.Parse(time.RFC3339Nano, c.Old.(string))
		if err != nil {
			return false
		}
		f.PostedDate = &t
	default:
		dst := stringField(f, c.Field)
		old, ok := c.Old.(string)
		if dst == nil || !ok {
			return false
		}
		*dst = old
	}
	return true
}

func number(v any) float64 {
	n, _ := v.(float64)
	return n
}

// stringField is the text field of fields named by its JSON name, or nil.
func stringField(f *order.Fields, name string) *string {
	return textFields(f)[name]
}

// textFields are the text fields of fields by their JSON names.
func textFields(f *order.Fields) map[string]*string {
	return map[string]*string{
		"product": &f.Product, "currency": &f.Currency, "email": &f.Email, "customer_name": &f.CustomerName,
		"profile": &f.Profile, "proxy_list": &f.ProxyList, "reference_number": &f.ReferenceNumber, "status": &f.Status,
		"tracking_url": &f.TrackingURL, "payment_method": &f.PaymentMethod, "shipping_address": &f.ShippingAddress,
		"shipping_method": &f.ShippingMethod, "notes": &f.Notes, "store": &f.Store, "share_link": &f.ShareLink,
		"image_url": &f.ImageURL, "raw_header": &f.RawHeader,
	}
}
