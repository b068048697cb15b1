package aco

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// clientColumns are the columns of the clients' CSV, as WriteClients writes them and
// ReadClients reads them (in any order, any case).
var clientColumns = []string{"ID", "Name", "Discord User", "Channel", "Profiles", "Emails", "Fee", "Notify", "Notes"}

// WriteClients writes clients as CSV: profiles and emails each in one cell, split by "; ".
func WriteClients(w io.Writer, clients []Client) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(clientColumns); err != nil {
		return err
	}
	for _, c := range clients {
		fee := c.Fee.String()
		if c.Fee.Kind == "" && len(c.Fee.Stores) == 0 {
			fee = ""
		}
		if err := cw.Write([]string{c.ID, c.Name, c.DiscordUser, c.Channel, strings.Join(c.Profiles, "; "), strings.Join(c.Emails, "; "), fee, c.Notify, c.Notes}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// ReadClients reads clients from CSV (a spreadsheet of them, or WriteClients's file): a
// Name column is needed, the others are optional. Each problem names its line.
func ReadClients(r io.Reader) ([]Client, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("read the clients' CSV: %w", err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("the clients' CSV is empty")
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	if _, ok := col["name"]; !ok {
		return nil, fmt.Errorf("the clients' CSV needs a Name column (it has %s)", strings.Join(rows[0], ", "))
	}
	cell := func(row []string, name string) string {
		if i, ok := col[name]; ok && i < len(row) {
			return strings.TrimSpace(row[i])
		}
		return ""
	}
	var out []Client
	for n, row := range rows[1:] {
		if strings.TrimSpace(strings.Join(row, "")) == "" {
			continue
		}
		c := Client{ID: cell(row, "id"), Name: cell(row, "name"), DiscordUser: cell(row, "discord user"), Channel: cell(row, "channel"),
			Profiles: SplitList(cell(row, "profiles")), Emails: SplitList(cell(row, "emails")), Notify: strings.ToLower(cell(row, "notify")), Notes: cell(row, "notes")}
		if text := cell(row, "fee"); text != "" {
			rule, err := ParseFeeRule(text)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", n+2, err)
			}
			c.Fee = rule
		}
		if err := c.Check(); err != nil {
			return nil, fmt.Errorf("line %d: %w", n+2, err)
		}
		if slices.ContainsFunc(out, func(o Client) bool { return o.ID == c.ID }) {
			return nil, fmt.Errorf("line %d: %s is in the file twice", n+2, c.ID)
		}
		out = append(out, c)
	}
	return out, nil
}

// SplitList reads profiles or emails as people list them in one cell or field: split by
// ";", "," or a new line (profile names hold spaces, so spaces do not split).
func SplitList(text string) []string {
	return tidy(strings.FieldsFunc(text, func(r rune) bool { return r == ';' || r == ',' || r == '\n' }), strings.TrimSpace)
}

// WriteInvoice writes an invoice as CSV, a line a fee and a credit, then the total.
func WriteInvoice(w io.Writer, inv Invoice, loc *time.Location) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"Invoice", inv.ID, "Client", inv.Name, "State", inv.State})
	_ = cw.Write([]string{"Date", "Order Number", "Product", "Store", "Amount", "Note"})
	for _, l := range append(slices.Clone(inv.Lines), inv.Credits...) {
		amount := l.Amount.String()
		if l.Void {
			amount = "0.00"
		}
		_ = cw.Write([]string{l.Date.In(loc).Format(time.DateOnly), l.Order, l.Product, l.Store, amount, l.Note})
	}
	_ = cw.Write([]string{"", "", "", "Total " + inv.Currency, inv.Total.String(), ""})
	if paid := inv.Paid(); paid > 0 {
		_ = cw.Write([]string{"", "", "", "Paid", paid.String(), ""})
	}
	cw.Flush()
	return cw.Error()
}

// ParsePeriod reads an invoice's period: a month (2026-12), this-month, last-month, or
// from..to dates (2026-12-01..2026-12-15, the last day included); in the zone given.
func ParsePeriod(text string, loc *time.Location, now time.Time) (from, to time.Time, err error) {
	text = strings.ToLower(strings.TrimSpace(text))
	now = now.In(loc)
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc)
	switch text {
	case "", "this-month", "month":
		return month, month.AddDate(0, 1, 0), nil
	case "last-month":
		return month.AddDate(0, -1, 0), month, nil
	case "all", "due":
		return time.Time{}, now, nil
	}
	if a, b, ok := strings.Cut(text, ".."); ok {
		from, err1 := time.ParseInLocation(time.DateOnly, strings.TrimSpace(a), loc)
		last, err2 := time.ParseInLocation(time.DateOnly, strings.TrimSpace(b), loc)
		if err1 != nil || err2 != nil || last.Before(from) {
			return time.Time{}, time.Time{}, fmt.Errorf("period %q: write 2026-12-01..2026-12-15", text)
		}
		return from, last.AddDate(0, 0, 1), nil
	}
	m, err := time.ParseInLocation("2006-01", text, loc)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("period %q: a month (2026-12), this-month, last-month, all, or 2026-12-01..2026-12-15", text)
	}
	return m, m.AddDate(0, 1, 0), nil
}
