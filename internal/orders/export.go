package orders

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/roms-dev/roms/internal/order"
)

// exportColumns are the CSV columns: those of the resellers' original order sheet first,
// in its order, so a pasted export lines up with it; then what ROMS adds.
var exportColumns = []struct {
	name  string
	value func(o *order.Order, loc *time.Location) string
}{
	{"Date", func(o *order.Order, loc *time.Location) string { return o.OrderDate.In(loc).Format(time.DateOnly) }},
	{"Time", func(o *order.Order, loc *time.Location) string { return o.OrderDate.In(loc).Format(time.TimeOnly) }},
	{"Product", func(o *order.Order, _ *time.Location) string { return o.Product }},
	{"Price", func(o *order.Order, _ *time.Location) string { return money(o.Price) }},
	{"Total", func(o *order.Order, _ *time.Location) string { return money(o.Total) }},
	{"Commission", func(o *order.Order, _ *time.Location) string { return money(o.Commission) }},
	{"Quantity", func(o *order.Order, _ *time.Location) string { return strconv.Itoa(o.Quantity) }},
	{"Profile", func(o *order.Order, _ *time.Location) string { return o.Profile }},
	{"Proxy List", func(o *order.Order, _ *time.Location) string { return o.ProxyList }},
	{"Order Number", func(o *order.Order, _ *time.Location) string { return o.OrderNumber }},
	{"Email", func(o *order.Order, _ *time.Location) string { return o.Email }},
	{"Reference #", func(o *order.Order, _ *time.Location) string { return o.ReferenceNumber }},
	{"Posted Date", func(o *order.Order, loc *time.Location) string { return date(o.PostedDate, loc) }},
	{"Tracking Number", func(o *order.Order, _ *time.Location) string { return o.TrackingNumber }},
	{"Status", func(o *order.Order, _ *time.Location) string { return o.Status }},
	{"QTY Received", func(o *order.Order, _ *time.Location) string { return strconv.Itoa(o.QtyReceived) }},
	{"Order ID", func(o *order.Order, _ *time.Location) string { return strconv.FormatUint(o.ID, 10) }},
	{"Created", func(o *order.Order, loc *time.Location) string { return stamp(&o.CreatedAt, loc) }},
	{"Modified", func(o *order.Order, loc *time.Location) string { return stamp(&o.UpdatedAt, loc) }},
	{"Store", func(o *order.Order, _ *time.Location) string { return o.Store }},
	{"Currency", func(o *order.Order, _ *time.Location) string { return o.Currency }},
	{"Customer Name", func(o *order.Order, _ *time.Location) string { return o.CustomerName }},
	{"Payment Method", func(o *order.Order, _ *time.Location) string { return o.PaymentMethod }},
	{"Shipping Address", func(o *order.Order, _ *time.Location) string { return o.ShippingAddress }},
	{"Shipping Method", func(o *order.Order, _ *time.Location) string { return o.ShippingMethod }},
	{"Tracking URL", func(o *order.Order, _ *time.Location) string { return o.TrackingURL }},
	{"Shipped Date", func(o *order.Order, loc *time.Location) string { return date(o.ShippedDate, loc) }},
	{"Delivered Date", func(o *order.Order, loc *time.Location) string { return date(o.DeliveredDate, loc) }},
	{"Notes", func(o *order.Order, _ *time.Location) string { return o.Notes }},
	{"Share Link", func(o *order.Order, _ *time.Location) string { return o.ShareLink }},
	{"Image URL", func(o *order.Order, _ *time.Location) string { return o.ImageURL }},
	{"Source", func(o *order.Order, _ *time.Location) string { return o.Source }},
	{"Extra", func(o *order.Order, _ *time.Location) string { return extra(o.Extra) }},
}

// utf8BOM makes spreadsheet programs read the file as UTF-8, so accents survive.
const utf8BOM = "\ufeff"

// Export writes the orders that match f as CSV, one row at a time: memory stays flat
// however many orders there are. It returns how many rows it wrote.
func (s *Service) Export(ctx context.Context, f order.Filter, w io.Writer) (int, error) {
	return s.writeCSV(w, func(fn func(*order.Order) error) error { return s.store.Each(ctx, f, fn) })
}

// ExportNumbers writes, as Export does, the orders of a selection that f also selects, in
// the selection's order; numbers of no such order are left out.
func (s *Service) ExportNumbers(ctx context.Context, numbers []string, f order.Filter, w io.Writer) (int, error) {
	m := order.NewMatcher(f)
	return s.writeCSV(w, func(fn func(*order.Order) error) error {
		seen := map[string]bool{}
		for _, n := range numbers {
			o, err := s.Get(ctx, n)
			if errors.Is(err, order.ErrNotFound) || (err == nil && (seen[o.OrderNumber] || !m.Match(&o))) {
				continue
			}
			if err != nil {
				return err
			}
			seen[o.OrderNumber] = true
			if err := fn(&o); err != nil {
				return err
			}
		}
		return nil
	})
}

// writeCSV writes the header and a row for each order each gives.
func (s *Service) writeCSV(w io.Writer, each func(func(*order.Order) error) error) (int, error) {
	if _, err := io.WriteString(w, utf8BOM); err != nil {
		return 0, err
	}
	cw := csv.NewWriter(w)
	row := make([]string, len(exportColumns))
	for i, c := range exportColumns {
		row[i] = c.name
	}
	if err := cw.Write(row); err != nil {
		return 0, err
	}
	n := 0
	err := each(func(o *order.Order) error {
		for i, c := range exportColumns {
			row[i] = neutralise(c.value(o, s.loc))
		}
		n++
		return cw.Write(row)
	})
	cw.Flush()
	if err == nil {
		err = cw.Error()
	}
	if err != nil {
		return n, fmt.Errorf("export orders: %w", err)
	}
	return n, nil
}

// formulaStarts are the characters that make a spreadsheet read a cell as a formula,
// full-width forms included (some spreadsheets fold them).
const formulaStarts = "=+-@\t\r＝＋－＠"

// neutralise keeps a spreadsheet from running a cell as a formula: a product name such as
// =HYPERLINK(...) is shown as text, also when white space, a zero-width space or a BOM
// hides its "=", and each part after a ";" is treated the same, since a ;-separated
// spreadsheet starts a cell there. Numbers, negative ones included, stay numbers.
func neutralise(cell string) string {
	if cell == "" {
		return cell
	}
	if _, err := strconv.ParseFloat(cell, 64); err == nil {
		return cell
	}
	parts := strings.Split(cell, ";")
	for i, p := range parts {
		if startsFormula(p) {
			parts[i] = "'" + p
		}
	}
	return strings.Join(parts, ";")
}

// startsFormula reports whether a spreadsheet could read s as a formula: its first
// character, past any white space or invisible one, starts one.
func startsFormula(s string) bool {
	if s == "" {
		return false
	}
	if r, _ := utf8.DecodeRuneInString(s); r == '\t' || r == '\r' {
		return true
	}
	t := strings.TrimLeftFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune("\u200B\u200C\u200D\u2060\uFEFF", r)
	})
	r, _ := utf8.DecodeRuneInString(t)
	return t != "" && strings.ContainsRune(formulaStarts, r)
}

func money(m *order.Money) string {
	if m == nil {
		return ""
	}
	return m.String()
}

func date(t *time.Time, loc *time.Location) string {
	if t == nil {
		return ""
	}
	return t.In(loc).Format(time.DateOnly)
}

func stamp(t *time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(time.DateTime)
}

func extra(m map[string]string) string {
	if len(m) == 0 {
		return ""
	}
	raw, _ := json.Marshal(m) // a map of strings always encodes
	return string(raw)
}
