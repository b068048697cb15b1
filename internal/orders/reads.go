package orders

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/roms-dev/roms/internal/order"
)

// Get returns the order with this number, in any case, with or without '#', or with
// this id (see resolve).
func (s *Service) Get(ctx context.Context, number string) (order.Order, error) {
	o, err := s.store.Get(ctx, s.resolve(ctx, number))
	s.local(&o)
	return o, err
}

// resolve turns what names an order into its number. ROMS V2 addressed orders by numeric
// id: an all-digit value that is not an order number is taken as an id. An order number
// wins, since many retailers' numbers are all digits.
func (s *Service) resolve(ctx context.Context, key string) string {
	id, err := strconv.ParseUint(strings.TrimSpace(key), 10, 64)
	if err != nil {
		return key
	}
	if _, err := s.store.Get(ctx, key); !errors.Is(err, order.ErrNotFound) {
		return key
	}
	if o, err := s.store.ByID(ctx, id); err == nil {
		return o.OrderNumber
	}
	return key
}

// Numbers returns up to limit order numbers that start with prefix, newest first: what
// autocomplete offers while someone types an order number.
func (s *Service) Numbers(ctx context.Context, prefix string, limit int) ([]string, error) {
	return s.store.Numbers(ctx, prefix, limit)
}

// EventsBy returns every event an actor made, oldest first.
func (s *Service) EventsBy(ctx context.Context, actor string) ([]order.Event, error) {
	return s.store.EventsBy(ctx, actor)
}

// Events returns the history of an order, oldest first.
func (s *Service) Events(ctx context.Context, number string) ([]order.Event, error) {
	return s.store.Events(ctx, s.resolve(ctx, number))
}

// List returns one page of the orders that match f and how many match in all.
func (s *Service) List(ctx context.Context, f order.Filter) (order.Page, error) {
	page, err := s.store.List(ctx, f)
	for i := range page.Orders {
		s.local(&page.Orders[i])
	}
	return page, err
}

// Stats are the totals of the orders a filter selects.
type Stats struct {
	TimeZone string         `json:"time_zone" doc:"Days, weeks and months are counted in this zone"`
	GroupBy  string         `json:"group_by,omitempty"`
	Overall  order.Totals   `json:"overall"`
	Groups   []order.Totals `json:"groups,omitempty"`
}

// Stats adds up the orders that match f, grouped by one of order.Groupings or not at all.
func (s *Service) Stats(ctx context.Context, f order.Filter, by string) (Stats, error) {
	all, groups, err := s.store.Totals(ctx, f, by, s.loc)
	if err != nil {
		return Stats{}, err
	}
	return Stats{TimeZone: ZoneName(s.loc, s.now()), GroupBy: by, Overall: all, Groups: groups}, nil
}

// ZoneName names a time zone for people: its IANA name, or for the machine's own zone
// ("Local"), its abbreviation and offset now, such as "EST, UTC-05:00".
func ZoneName(loc *time.Location, now time.Time) string {
	if loc.String() != "Local" {
		return loc.String()
	}
	return now.In(loc).Format("MST, UTC-07:00")
}

// Logs returns the newest webhook log entries.
func (s *Service) Logs(ctx context.Context, limit int) ([]order.LogEntry, error) {
	return s.store.Logs(ctx, limit)
}

// Counts says how many orders and log entries there are.
func (s *Service) Counts(ctx context.Context) (order.Counts, error) {
	return s.store.Counts(ctx)
}

// Position and Advance keep how far a source has read (a Discord channel's cursor).
func (s *Service) Position(ctx context.Context, name string) (string, error) {
	return s.store.Position(ctx, name)
}

// Advance moves a named position forward; an older one is ignored.
func (s *Service) Advance(ctx context.Context, name, pos string) error {
	return s.store.Advance(ctx, name, pos)
}

// PruneLogs trims the webhook log to its retention.
func (s *Service) PruneLogs(ctx context.Context, r order.Retention) (int, error) {
	return s.store.PruneLogs(ctx, r, s.now())
}

// FilterText is a filter as people type it: in a URL query, in command flags, or in a
// slash command. Filter reads it.
type FilterText struct {
	Status        string // one status or several, comma-separated
	Store         string
	Profile       string
	Email         string
	Query         string
	HasTracking   string // "true", "false" or ""
	FullyReceived string
	From, To      string // dates in the service's time zone, RFC 3339 times, or period words
	Open          bool   // still waiting on tracking, units or a review (order.Filter.Open)
	Deleted       bool
}

// Filter reads a filter as people type it. Bad statuses are an InvalidError; bad dates
// wrap ErrBadTime.
func (s *Service) Filter(t FilterText) (order.Filter, error) {
	f := order.Filter{Store: t.Store, Profile: t.Profile, Email: t.Email, Query: t.Query, Open: t.Open, Deleted: t.Deleted}
	var err error
	if f.HasTracking, err = yesNo("has_tracking", t.HasTracking); err != nil {
		return f, err
	}
	if f.FullyReceived, err = yesNo("fully_received", t.FullyReceived); err != nil {
		return f, err
	}
	for _, st := range strings.Split(t.Status, ",") {
		if st = strings.TrimSpace(st); st == "" {
			continue
		}
		if !order.ValidStatus(st) {
			return f, invalid("status", "%q is not a status; use one of %s", st, strings.Join(order.Statuses, ", "))
		}
		f.Statuses = append(f.Statuses, st)
	}
	if f.From, err = s.Day(t.From, false); err != nil {
		return f, fmt.Errorf("from: %w", err)
	}
	if f.To, err = s.Day(t.To, true); err != nil {
		return f, fmt.Errorf("to: %w", err)
	}
	return f, nil
}

func yesNo(field, text string) (*bool, error) {
	switch strings.ToLower(strings.TrimSpace(text)) {
	case "":
		return nil, nil
	case "true", "yes":
		b := true
		return &b, nil
	case "false", "no":
		b := false
		return &b, nil
	}
	return nil, invalid(field, "%q is not true or false", text)
}

// ErrBadTime is a date or time the service cannot read.
var ErrBadTime = errors.New("use a date like 2026-11-20, a time like 2026-11-20T18:04:05Z, or today, yesterday, week, month, last-week, last-month")

// Day reads the start of a date in the service's time zone, or an exact RFC 3339 time.
// As an upper bound (end true) a plain date means the end of that day, which is what
// people mean by "to 2026-11-20". Words: today, yesterday, week (since Monday), month,
// last-week and last-month (the whole week or month before).
func (s *Service) Day(text string, end bool) (time.Time, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, text); err == nil {
		return t, nil
	}
	start, err := s.dayStart(strings.ToLower(text))
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: %w", text, ErrBadTime)
	}
	if end {
		return s.nextDay(start, strings.ToLower(text)), nil
	}
	return start, nil
}

func (s *Service) dayStart(text string) (time.Time, error) {
	now := s.now().In(s.loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, s.loc)
	switch text {
	case "today":
		return today, nil
	case "yesterday":
		return today.AddDate(0, 0, -1), nil
	case "week":
		return today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7)), nil
	case "month":
		return time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, s.loc), nil
	case "last-week": // the whole week before this one, Monday to Sunday
		return today.AddDate(0, 0, -((int(today.Weekday())+6)%7)-7), nil
	case "last-month":
		return time.Date(now.Year(), now.Month()-1, 1, 0, 0, 0, 0, s.loc), nil
	}
	return time.ParseInLocation(time.DateOnly, text, s.loc)
}

// nextDay is where a period that starts at start ends: a week or a month later for those
// words, the next midnight for a day.
func (s *Service) nextDay(start time.Time, text string) time.Time {
	switch text {
	case "week", "last-week":
		return start.AddDate(0, 0, 7)
	case "month", "last-month":
		return start.AddDate(0, 1, 0)
	}
	return start.AddDate(0, 0, 1)
}
