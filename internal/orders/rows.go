package orders

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/parser"
)

// orderMessages reads the orders of an import: a CSV with an order number column (see
// orderRows), or pasted checkout messages split at each header line ("Successful
// Checkout | ...") and ingested like any other, as part of the batch.
func (s *Service) orderMessages(data []byte, actor string) ([]plan, []string, [][]string, []string, error) {
	if err := checkText(data); err != nil {
		return nil, nil, nil, nil, err
	}
	if t, err := readTable(data); err == nil && t.column(orderColumns...) >= 0 && len(t.header) > 1 {
		plans, source := s.orderRows(t, actor)
		return plans, append([]string{"line"}, t.header...), source, t.notes, nil
	}
	var messages []string
	var starts []int
	var cur []string
	for i, line := range strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n") {
		if parser.IsHeader(line) && len(cur) > 0 {
			messages, cur = append(messages, strings.Join(cur, "\n")), nil
		}
		if len(cur) == 0 {
			if strings.TrimSpace(line) == "" {
				continue
			}
			starts = append(starts, i+1)
		}
		cur = append(cur, line)
	}
	if len(cur) > 0 {
		messages = append(messages, strings.Join(cur, "\n"))
	}
	if len(messages) > maxImportRows {
		return nil, nil, nil, nil, fmt.Errorf("the file has more than %d messages; split it", maxImportRows)
	}
	plans := make([]plan, len(messages))
	source := make([][]string, len(messages))
	for i, text := range messages {
		first, _, _ := strings.Cut(strings.TrimSpace(text), "\n")
		source[i] = []string{strconv.Itoa(starts[i]), first}
		plans[i].input = &Input{Origin: order.Origin{Source: order.SourceImport}, Text: text, ContentType: "text/plain (import)", Actor: actor}
	}
	return plans, []string{"line", "message"}, source, nil, nil
}

// bookkeeping are columns of ROMS's own export that a re-import must not read as fields:
// the id and times ROMS gives an order itself.
var bookkeeping = []string{"order id", "id", "created", "modified", "created at", "updated at", "extra", "source"}

// orderRows reads a CSV of orders (ROMS's export, ROMS V2's, a spreadsheet) one order a
// row, each as its JSON fields would be read, dates in the service's zone.
func (s *Service) orderRows(t table, actor string) ([]plan, [][]string) {
	plans := make([]plan, len(t.rows))
	source := make([][]string, len(t.rows))
	for i, row := range t.rows {
		source[i] = append([]string{strconv.Itoa(t.lines[i])}, row...)
		fields := map[string]string{}
		for c, name := range t.header {
			if v := at(row, c); v != "" && !slices.Contains(bookkeeping, name) {
				fields[name] = v
			}
		}
		raw, _ := json.Marshal(fields) // a map of strings always encodes
		msg, at, err := s.reader.Load().Structured(raw, s.loc)
		if err != nil {
			plans[i] = rejected(outcomeInvalid, err.Error())
			continue
		}
		plans[i].input = &Input{Origin: order.Origin{Source: order.SourceImport}, Message: &msg, OccurredAt: at,
			Raw: redactedRow(t.header, row), ContentType: "text/csv (import)", Actor: actor}
	}
	return plans, source
}

// redactedRow is a row as the webhook log keeps it: each cell redacted by its column's
// name, so a column named for a password keeps nothing of it.
func redactedRow(header, row []string) string {
	cells := make([]string, len(row))
	for c, v := range row {
		name := ""
		if c < len(header) {
			name = header[c]
		}
		cells[c] = parser.RedactField(name, v)
	}
	return strings.Join(cells, ",")
}

// ingestRow ingests one pasted message and says what became of it.
func (s *Service) ingestRow(ctx context.Context, in Input) rowResult {
	res, err := s.Ingest(ctx, in)
	switch {
	case err != nil:
		return rowResult{outcomeInvalid, err.Error()}
	case res.Outcome == order.OutcomeIgnored:
		return rowResult{outcomeInvalid, res.Reason}
	}
	return rowResult{outcome: res.Outcome}
}

// rowPlans turns the rows of a table into the writes of its kind.
func (s *Service) rowPlans(ctx context.Context, kind string, t table, actor string) []plan {
	orderCol, trackingCol := t.column(orderColumns...), t.column(trackingColumns...)
	plans := make([]plan, len(t.rows))
	for i, row := range t.rows {
		number := order.CleanNumber(at(row, orderCol))
		switch kind {
		case ImportTracking:
			plans[i] = s.trackingRow(number, at(row, trackingCol), actor)
		case ImportReceived:
			plans[i] = s.receivedRow(ctx, t, row, number, at(row, trackingCol), actor)
		case ImportCharges:
			plans[i] = s.chargeRow(ctx, t, row, number, actor)
		case ImportCancellations:
			plans[i] = s.cancelRow(number, at(row, t.column(reasonColumns...)), actor)
		}
	}
	return plans
}

// edit plans one row's edit of an order, checked as any edit is.
func (s *Service) edit(number string, e order.Edit, actor string, check func(*order.Order, []order.Change) error) plan {
	if err := normalise(&e); err != nil {
		return rejected(outcomeInvalid, err.Error())
	}
	return plan{write: &order.Write{Number: number, Edit: e, Origin: order.Origin{Source: order.SourceImport}, Actor: actor,
		At: s.now(), MustExist: true, Check: check}}
}

func rejected(outcome, reason string) plan {
	return plan{result: rowResult{outcome, reason}}
}

func (s *Service) trackingRow(number, tracking, actor string) plan {
	switch {
	case number == "":
		return rejected(outcomeInvalid, "no order number")
	case tracking == "":
		return rejected(outcomeInvalid, "no tracking number")
	}
	return s.edit(number, order.Edit{Fields: order.Fields{TrackingNumbers: []string{tracking}}}, actor, nil)
}

func (s *Service) receivedRow(ctx context.Context, t table, row []string, number, tracking, actor string) plan {
	var e order.Edit
	received := at(row, t.column(receivedColumns...))
	n, err := strconv.Atoi(strings.TrimSpace(received))
	if err != nil || n < 0 {
		return rejected(outcomeInvalid, fmt.Sprintf("quantity received %q is not a whole number", received))
	}
	e.QtyReceived = &n
	for _, m := range []struct {
		cols []string
		dst  **order.Money
	}{{totalColumns, &e.Total}, {commissionColumns, &e.Commission}} {
		if v := at(row, t.column(m.cols...)); v != "" {
			amount, _, err := parser.ParseAmount(v)
			if err != nil {
				return rejected(outcomeInvalid, fmt.Sprintf("%q is not an amount", v))
			}
			*m.dst = &amount
		}
	}
	e.Status = at(row, t.column(statusColumns...))
	if number == "" {
		found, ok := s.byTracking(ctx, tracking)
		if !ok {
			return rejected(outcomeNotFound, "no order with order number or tracking number "+orDash(tracking))
		}
		number = found
	}
	return s.edit(number, e, actor, checkReceived)
}

// byTracking finds the order with a tracking number.
func (s *Service) byTracking(ctx context.Context, tracking string) (string, bool) {
	if tracking == "" {
		return "", false
	}
	page, err := s.store.List(ctx, order.Filter{Query: tracking, Limit: 20})
	if err != nil {
		return "", false
	}
	for _, o := range page.Orders {
		for _, t := range o.TrackingNumbers {
			if strings.EqualFold(t, tracking) {
				return o.OrderNumber, true
			}
		}
	}
	return "", false
}

// errConflict is a row that would overwrite a different value.
var errConflict = errors.New("conflict")

// chargeRow reads a card statement line: the posted date and the reference go on the
// order whose number the description holds, and never replace different ones.
func (s *Service) chargeRow(ctx context.Context, t table, row []string, number, actor string) plan {
	description := at(row, t.column(descriptionColumns...))
	if number == "" {
		number = s.numberIn(ctx, description)
	}
	if number == "" {
		return rejected(outcomeNotFound, "no order number found in the description "+strconv.Quote(description))
	}
	posted, err := s.statementDate(at(row, t.column(dateColumns...)))
	if err != nil {
		return rejected(outcomeInvalid, err.Error())
	}
	e := order.Edit{Fields: order.Fields{ReferenceNumber: at(row, t.column(referenceColumns...)), PostedDate: &posted}}
	return s.edit(number, e, actor, noOverwrite("reference_number", "posted_date"))
}

// noOverwrite refuses a write that would replace a value of these fields: a statement
// line must not move a charge already matched to an order.
func noOverwrite(fields ...string) func(*order.Order, []order.Change) error {
	return func(_ *order.Order, changes []order.Change) error {
		for _, c := range changes {
			if c.Old != nil && slices.Contains(fields, c.Field) {
				return fmt.Errorf("%w: the order has %s %v already, not %v", errConflict, c.Field, c.Old, c.New)
			}
		}
		return nil
	}
}

// numberIn finds the order number in a statement's description: the first word that is
// an order ROMS has. Words are runs of letters, digits, '-' and '#'.
func (s *Service) numberIn(ctx context.Context, description string) string {
	words := strings.FieldsFunc(description, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '#' })
	for _, w := range words {
		if w = order.CleanNumber(w); len(w) < 4 || !strings.ContainsAny(w, "0123456789") {
			continue
		}
		if o, err := s.store.Get(ctx, w); err == nil {
			return o.OrderNumber
		}
	}
	return ""
}

// statementLayouts are the date formats of card statements and spreadsheets.
var statementLayouts = []string{time.DateOnly, "01/02/2006", "1/2/2006", "01/02/06", "1/2/06", "2006/01/02", "Jan 2, 2006", "02 Jan 2006", "2 Jan 2006", "01-02-2006"}

// statementDate reads a posting date as the statement writes it, in the service's zone.
func (s *Service) statementDate(text string) (time.Time, error) {
	for _, layout := range statementLayouts {
		if t, err := time.ParseInLocation(layout, text, s.loc); err == nil {
			return t, nil
		}
	}
	if t, err := time.Parse(time.RFC3339, text); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("date %q is not one ROMS reads (2026-11-20 or 11/20/2026)", text)
}

func (s *Service) cancelRow(number, reason, actor string) plan {
	if number == "" {
		return rejected(outcomeInvalid, "no order number")
	}
	e := order.Edit{Fields: order.Fields{Status: order.StatusCancelled}}
	if reason != "" {
		e.Extra = map[string]string{"cancel reason": reason}
	}
	return s.edit(number, e, actor, nil)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
