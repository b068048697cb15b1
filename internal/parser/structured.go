package parser

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/roms-dev/roms/internal/order"
)

// ErrNotAnOrder is a JSON object with no order number under any name the parser knows.
var ErrNotAnOrder = errors.New("JSON body is not an order: it has no order_number (nor content or embeds)")

// dateKeys name when the order was placed in a structured order, in the order they are
// tried; timeKeys the time of day that goes with a bare date.
var (
	dateKeys = []string{"order date", "created at", "date", "order datetime", "timestamp"}
	timeKeys = []string{"order time", "time"}
)

// Structured reads an order given as JSON fields, as ROMS V2's senders post it:
// {"order_number": ..., "product": ..., "price": 299.99, ...}. Keys go through the same
// label table as text labels ("product_name" is "Product Name"), values through the same
// cleaning and redaction; unknown keys are kept as extra fields. It also returns when the
// order was placed, when the object says (zero otherwise).
func Structured(body []byte) (Message, time.Time, error) {
	return builtin.Structured(body, time.UTC)
}

// Structured reads an order given as JSON fields (see the function Structured), with
// dates and times that carry no zone read in loc.
func (r *Reader) Structured(body []byte, loc *time.Location) (Message, time.Time, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return Message{}, time.Time{}, fmt.Errorf("JSON body: %w", err)
	}
	msg := Message{labels: r.labels}
	var dateText, timeText string
	var fields []*field
	for _, key := range slices.Sorted(maps.Keys(obj)) {
		value, ok := text(obj[key])
		if !ok {
			continue
		}
		value = RedactField(key, value)
		name := labelKey(strings.ReplaceAll(key, "_", " "))
		switch {
		case slices.Contains(dateKeys, name):
			if dateText == "" {
				dateText = value
			}
		case slices.Contains(timeKeys, name):
			timeText = value
		case name == "posted date":
			if t, err := orderTime(value, "", loc); err == nil {
				msg.Fields.PostedDate = &t
			} else {
				msg.addExtra(key, value)
			}
		case name == "currency" && len(value) == 3:
			msg.Fields.Currency = strings.ToUpper(value)
		default:
			// Known keys and the rest alike: a key the table lacks may be read by its
			// words ("confirmationNumber") or its value's shape.
			fields = append(fields, &field{name: r.labels[name], label: key, lines: strings.Split(value, "\n")})
		}
	}
	msg.inferFields(fields)
	for _, f := range fields {
		if f.name == "" {
			msg.addExtra(f.label, strings.Join(f.lines, "\n"))
			continue
		}
		msg.set(f)
	}
	if msg.Fields.OrderNumber == "" {
		// Refused, as ROMS V2 refused it, so a sender's own client sees the mistake; the
		// body is in the webhook log.
		return Message{}, time.Time{}, ErrNotAnOrder
	}
	msg.Kind = KindUnknown
	msg.DefaultStatus = order.StatusPending // what ROMS V2 gave an order posted without one
	at, err := orderTime(dateText, timeText, loc)
	if err != nil {
		msg.warn("order date %q: %v; the time it arrived is used", dateText, err)
	}
	return msg, at, nil
}

// text is a JSON value as the text a label's value would be; false for null.
func text(v any) (string, bool) {
	switch v := v.(type) {
	case nil:
		return "", false
	case string:
		return v, strings.TrimSpace(v) != ""
	case json.Number:
		return v.String(), true
	case bool:
		return fmt.Sprint(v), true
	}
	raw, _ := json.Marshal(v) // objects and arrays: kept as their JSON
	return string(raw), true
}

// orderTime reads a date ("2026-11-20", an RFC 3339 time) and an optional time of day
// ("18:04:05"); without a zone they are in loc.
func orderTime(date, clock string, loc *time.Location) (time.Time, error) {
	if date == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, date); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, date, loc); err == nil {
			return t, nil
		}
	}
	day, err := time.ParseInLocation(time.DateOnly, date, loc)
	if err != nil {
		return time.Time{}, errors.New("not a date like 2026-11-20")
	}
	if clock == "" {
		return day, nil
	}
	t, err := time.Parse(time.TimeOnly, clock)
	if err != nil {
		return day, nil
	}
	return day.Add(time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second), nil
}
