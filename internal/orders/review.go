package orders

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/roms-dev/roms/internal/embedtext"
	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/parser"
)

// reviewScan bounds how many of the newest log entries the review list and a teaching
// look through.
const reviewScan = 5000

// OutcomeDismissed marks a log entry the owner said is not an order: the review list
// leaves it out.
const OutcomeDismissed = "dismissed"

// ReviewEntry is a logged post that ROMS kept but could not read as an order, or read
// with guesses: what arrived, what ROMS reads from it today, and the labels it did not
// know.
type ReviewEntry struct {
	LogID       uint64       `json:"log_id"`
	ReceivedAt  time.Time    `json:"received_at"`
	Source      string       `json:"source" doc:"The source whose post it is: discord:CHANNEL:POSTER or http:POSTER"`
	Outcome     string       `json:"outcome" doc:"What became of it when it arrived"`
	Reason      string       `json:"reason,omitempty"`
	Body        string       `json:"body" doc:"The post as it arrived, passwords removed"`
	Text        string       `json:"text" doc:"The post as the parser reads it: title, then labels and values"`
	Read        order.Fields `json:"read" doc:"What ROMS reads from it today"`
	Inferred    []string     `json:"inferred,omitempty"`
	Unknown     []string     `json:"unknown_labels,omitempty" doc:"Labels ROMS did not know, kept as extra fields"`
	OrderNumber string       `json:"order_number,omitempty" doc:"The order it made, if any"`
	Similar     int          `json:"similar" doc:"Older posts of the same source read the same way, not listed: teaching or dismissing this one covers them"`
}

// kind groups posts that a person would look at once: one source's posts with the same
// labels unknown and the same fields guessed.
func (r ReviewEntry) kind() string {
	unknown, inferred := slices.Clone(r.Unknown), slices.Clone(r.Inferred)
	slices.Sort(unknown)
	slices.Sort(inferred)
	read := r.Outcome == order.OutcomeCreated || r.Outcome == order.OutcomeUpdated || r.Outcome == order.OutcomeUnchanged
	return fmt.Sprintf("%s|%t|%q|%q", r.Source, read, unknown, inferred)
}

// Review lists the posts that need a look, newest first: kept but not read as orders
// (noise left out), or read with guesses from labels ROMS did not know. Posts of one
// kind are listed once, the newest, with a count of the others: a drop's hundred posts
// of one bot are one entry. source, when set, keeps one source's.
func (s *Service) Review(ctx context.Context, limit int, source string) ([]ReviewEntry, error) {
	out := []ReviewEntry{}
	seen := map[string]int{}
	err := s.eachToReview(ctx, source, func(r ReviewEntry) bool {
		if i, ok := seen[r.kind()]; ok {
			out[i].Similar++
			return true
		}
		if len(out) >= limit {
			return true // still counting the similar ones of those listed
		}
		seen[r.kind()] = len(out)
		out = append(out, r)
		return true
	})
	return out, err
}

// eachToReview calls fn with each logged post that needs a look, newest first, until fn
// returns false.
func (s *Service) eachToReview(ctx context.Context, source string, fn func(ReviewEntry) bool) error {
	page, err := s.store.FindLogs(ctx, order.LogFilter{Limit: reviewScan})
	if err != nil {
		return err
	}
	for _, e := range page.Entries {
		if e.ReplayedAs == OutcomeDismissed || storedByReplay(e) || sourceKey(e.Origin) == "" ||
			source != "" && sourceKey(e.Origin) != source {
			continue
		}
		if r, ok := s.reviewOf(e); ok && !fn(r) {
			return nil
		}
	}
	return nil
}

// storedByReplay reports whether a post that was not read at first made an order when it
// was read again (after a teaching, say).
func storedByReplay(e order.LogEntry) bool {
	switch e.ReplayedAs {
	case order.OutcomeCreated, order.OutcomeUpdated, order.OutcomeUnchanged:
		return e.Outcome == order.OutcomeIgnored || e.Outcome == order.OutcomeRejected
	}
	return false
}

// reviewOf reads a log entry again and says whether it needs a look.
func (s *Service) reviewOf(e order.LogEntry) (ReviewEntry, bool) {
	r := ReviewEntry{LogID: e.ID, ReceivedAt: e.ReceivedAt, Source: sourceKey(e.Origin), Outcome: e.Outcome,
		Reason: e.Error, Body: e.Body, OrderNumber: e.OrderNumber}
	if e.Origin.Source == order.SourceEmail { // an email that was not applied as it reads
		for _, w := range e.Warnings {
			if strings.HasPrefix(w, NeedsALook) {
				r.Reason = strings.TrimPrefix(w, NeedsALook)
				return r, true
			}
		}
		return r, e.Outcome == order.OutcomeRejected
	}
	text, msg, err := readLogged(e, s.reader.Load(), s.loc)
	r.Text = text
	switch {
	case errors.Is(err, errNoCheckout):
		return r, e.Outcome == order.OutcomeRejected
	case err != nil:
		return r, true
	}
	r.Read, r.Inferred = msg.Fields, msg.Inferred
	fromLabel := false // a guess a label could be taught for
	for _, p := range msg.Placements() {
		switch {
		case strings.HasPrefix(p.Field, "extra.") && p.Label != "description":
			r.Unknown = append(r.Unknown, p.Label)
		case slices.Contains(msg.Inferred, p.Field) && !strings.HasPrefix(p.Label, "("):
			fromLabel = true
		}
	}
	switch {
	case fromLabel:
		return r, true
	case e.Outcome == order.OutcomeIgnored || e.Outcome == order.OutcomeRejected:
		return r, !IsNoise(msg)
	}
	return r, false
}

// Dismiss marks a logged post, and the posts of its kind, as not orders, so the review
// list no longer shows them.
func (s *Service) Dismiss(ctx context.Context, id uint64) error {
	e, err := s.store.Log(ctx, id)
	if err != nil {
		return err
	}
	this, _ := s.reviewOf(e)
	var ids []uint64
	err = s.eachToReview(ctx, this.Source, func(r ReviewEntry) bool {
		if r.kind() == this.kind() {
			ids = append(ids, r.LogID)
		}
		return true
	})
	if err != nil {
		return err
	}
	if !slices.Contains(ids, id) {
		ids = append(ids, id)
	}
	for _, id := range ids {
		if err := s.store.MarkReplayed(ctx, id, OutcomeDismissed); err != nil {
			return err
		}
	}
	return nil
}

// Teaching is one label taught from the review list: the label as a bot writes it and
// the field it names ("" forgets a taught label).
type Teaching struct {
	Label  string `json:"label" minLength:"1" maxLength:"64" doc:"The label as the bot writes it: MAIL"`
	Field  string `json:"field" doc:"The field it names (email, order_number...), or empty to forget the label"`
	DryRun bool   `json:"dry_run,omitempty" doc:"Say what reading the logged posts again would change, and change nothing"`
	// Source, when set, limits the reading again to that source's posts.
	Source string `json:"source,omitempty"`
}

// Taught is what teaching a label did, or would do on a dry run.
type Taught struct {
	Label   string     `json:"label"`
	Field   string     `json:"field"`
	DryRun  bool       `json:"dry_run"`
	Posts   int        `json:"posts" doc:"Logged posts whose reading changes"`
	Created int        `json:"created" doc:"Orders the posts make that did not exist"`
	Updated int        `json:"updated" doc:"Orders the posts change"`
	Orders  []string   `json:"orders,omitempty"`
	Replays []Replayed `json:"replays,omitempty"`
}

// ErrBadTeaching is a label or field the parser cannot take.
var ErrBadTeaching = errors.New("cannot teach this label")

// Teach saves a parser alias in the database (shared by every instance) and reads every
// logged post whose reading it changes again, once, through the usual write path with
// "alias:LABEL" as the actor. A dry run only counts.
func (s *Service) Teach(ctx context.Context, t Teaching) (Taught, error) {
	t.Label = strings.TrimSpace(t.Label)
	taught, err := s.store.Aliases(ctx)
	if err != nil {
		return Taught{}, err
	}
	next := maps.Clone(taught)
	next[t.Label] = t.Field
	if t.Field == "" {
		delete(next, t.Label)
	}
	reader, err := parser.NewReader(merge(s.configured, next))
	if err != nil {
		return Taught{}, fmt.Errorf("%w: %v", ErrBadTeaching, err)
	}
	out := Taught{Label: t.Label, Field: t.Field, DryRun: t.DryRun}
	changed, err := s.changedBy(ctx, reader, t)
	if err != nil {
		return Taught{}, err
	}
	for _, c := range changed {
		out.Posts++
		out.Orders = append(out.Orders, c.number)
		if c.exists {
			out.Updated++
		} else {
			out.Created++
		}
	}
	if t.DryRun {
		return out, nil
	}
	if err := s.store.Teach(ctx, t.Label, t.Field); err != nil {
		return Taught{}, err
	}
	s.reader.Store(reader)
	s.logger.Info("parser label taught", "label", t.Label, "field", t.Field, "posts", out.Posts)
	for _, c := range changed {
		r, err := s.Replay(ctx, c.id, "alias:"+t.Label)
		if err != nil {
			return out, err
		}
		out.Replays = append(out.Replays, r)
	}
	return out, nil
}

// changed is a logged post whose reading a teaching changes.
type changed struct {
	id     uint64
	number string
	exists bool
}

// changedBy finds the logged posts that carry the label and read otherwise with reader:
// a new order number, or different fields.
func (s *Service) changedBy(ctx context.Context, reader *parser.Reader, t Teaching) ([]changed, error) {
	page, err := s.store.FindLogs(ctx, order.LogFilter{Limit: reviewScan})
	if err != nil {
		return nil, err
	}
	label := strings.ToLower(t.Label)
	var out []changed
	for i := len(page.Entries) - 1; i >= 0; i-- { // oldest first, as they arrived
		e := page.Entries[i]
		key := sourceKey(e.Origin)
		if key == "" || t.Source != "" && key != t.Source || !strings.Contains(strings.ToLower(e.Body), label) {
			continue
		}
		_, before, errBefore := readLogged(e, s.reader.Load(), s.loc)
		_, after, errAfter := readLogged(e, reader, s.loc)
		if errAfter != nil || after.Fields.OrderNumber == "" || errBefore == nil && sameFields(before.Fields, after.Fields) {
			continue
		}
		_, err := s.store.Get(ctx, after.Fields.OrderNumber)
		if err != nil && !errors.Is(err, order.ErrNotFound) {
			return nil, err
		}
		out = append(out, changed{id: e.ID, number: after.Fields.OrderNumber, exists: err == nil})
	}
	return out, nil
}

// errNoCheckout is a logged body that holds no checkout to read.
var errNoCheckout = errors.New("no checkout in the body")

// readLogged reads the first checkout of a logged post with reader: its text, and the
// message, or errNoCheckout when the body holds none, or the parser's error.
func readLogged(e order.LogEntry, reader *parser.Reader, loc *time.Location) (string, parser.Message, error) {
	checkouts, err := embedtext.Body(e.ContentType, []byte(e.Body))
	if err != nil || len(checkouts) == 0 {
		return "", parser.Message{}, errNoCheckout
	}
	msg, _, err := checkouts[0].Read(reader, loc)
	return checkouts[0].Text, msg, err
}

// sameFields compares two readings by value: through pointers (a quantity of 2 in each
// is the same), which printing them would not.
func sameFields(a, b order.Fields) bool { return reflect.DeepEqual(a, b) }

// merge is the configured aliases with the taught ones over them: a label taught from
// the review list is the newer word.
func merge(configured, taught map[string]string) map[string]string {
	out := maps.Clone(configured)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, taught)
	return out
}

// RefreshAliases reads the taught labels from the database again: another instance may
// have taught one.
func (s *Service) RefreshAliases(ctx context.Context) error {
	taught, err := s.store.Aliases(ctx)
	if err != nil {
		return err
	}
	reader, err := parser.NewReader(merge(s.configured, taught))
	if err != nil {
		return fmt.Errorf("taught parser labels: %w", err)
	}
	s.reader.Store(reader)
	return nil
}

// WatchAliases refreshes the taught labels now and then every period until ctx ends.
func (s *Service) WatchAliases(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := s.RefreshAliases(ctx); err != nil && ctx.Err() == nil {
			s.logger.Warn("read taught parser labels", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
