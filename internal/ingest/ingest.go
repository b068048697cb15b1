// Package ingest is the one pipeline every source feeds (the HTTP webhook, the Discord
// listener, backfill): parse, validate, store with a log entry, publish. Sources differ
// only in how they produce the text.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/roms-dev/roms/internal/live"
	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/parser"
	"github.com/roms-dev/roms/internal/store"
)

// maxLogBody bounds what one log entry keeps of an input. Accepted inputs are smaller
// than this and are kept whole; only an oversize rejected body is cut.
const maxLogBody = 1 << 20

// maxOrderNumber is longer than any retailer's order number; a longer one means the
// parser was handed something that is not a checkout.
const maxOrderNumber = 128

// Input is one message from any source.
type Input struct {
	Origin      order.Origin
	Text        string    // the shared label/value format
	Raw         string    // what arrived, for the log; Text when empty
	ContentType string    // as the source declared it
	ReceivedAt  time.Time // zero: now
	OccurredAt  time.Time // when the checkout happened, when the source knows it
	// Mark, for sources that can deliver an input twice, makes a repeat change nothing.
	Mark *store.Mark
}

// Result is what became of one input.
type Result struct {
	Outcome  string // store.OutcomeCreated, Updated, Unchanged, Ignored or Duplicate
	Order    order.Order
	Changes  []order.Change
	Reason   string // why an input was ignored
	Warnings []string
	LogID    uint64
}

// Pipeline runs inputs through parse, validate, store and publish.
type Pipeline struct {
	store  *store.Store
	hub    *live.Hub
	logger *slog.Logger
	now    func() time.Time
}

// New returns a pipeline that stores into st and announces changes on hub.
func New(st *store.Store, hub *live.Hub, logger *slog.Logger) *Pipeline {
	return &Pipeline{store: st, hub: hub, logger: logger, now: time.Now}
}

// Ingest runs one input through the pipeline. Every input leaves a webhook log entry,
// whatever its outcome. An error wrapping a parser error means the input was unreadable;
// any other error means it could not be stored.
func (p *Pipeline) Ingest(ctx context.Context, in Input) (Result, error) {
	if in.ReceivedAt.IsZero() {
		in.ReceivedAt = p.now()
	}
	if in.Mark != nil {
		if dup, err := p.store.Seen(ctx, *in.Mark); err != nil || dup {
			return Result{Outcome: store.OutcomeDuplicate}, err
		}
	}
	msg, err := parser.Parse(in.Text)
	if err != nil {
		return Result{}, p.Reject(ctx, in, err)
	}
	entry := logEntry(in)
	entry.Warnings = msg.Warnings
	if reason := validate(msg); reason != "" {
		return p.ignore(ctx, entry, in.Mark, reason)
	}
	res, err := p.store.Upsert(ctx, store.Write{
		Fields: msg.Fields, Origin: in.Origin, OccurredAt: in.OccurredAt, At: in.ReceivedAt, Log: &entry, Mark: in.Mark,
	})
	if err != nil {
		p.keepFailed(ctx, entry, err)
		return Result{}, err
	}
	if res.Outcome == store.OutcomeDuplicate {
		return Result{Outcome: res.Outcome}, nil
	}
	p.logger.Info("order stored", "outcome", res.Outcome, "order_number", res.Order.OrderNumber,
		"source", in.Origin.Source, "changes", len(res.Changes))
	if res.Outcome != store.OutcomeUnchanged {
		p.hub.Publish(live.OrderChange{Type: res.Outcome, At: in.ReceivedAt, Order: res.Order, Changes: res.Changes})
	}
	return Result{Outcome: res.Outcome, Order: res.Order, Changes: res.Changes, Warnings: msg.Warnings, LogID: res.LogID}, nil
}

// Reject records an input that is not a message at all (unreadable, malformed, too
// large) and returns cause, so the source can report it.
func (p *Pipeline) Reject(ctx context.Context, in Input, cause error) error {
	if in.ReceivedAt.IsZero() {
		in.ReceivedAt = p.now()
	}
	entry := logEntry(in)
	entry.Outcome, entry.Error = store.OutcomeRejected, cause.Error()
	if _, err := p.store.AppendLog(ctx, entry, in.Mark); err != nil {
		return errors.Join(cause, err)
	}
	p.logger.Warn("input rejected", "source", in.Origin.Source, "error", cause, "bytes", entry.BodyBytes)
	return cause
}

func (p *Pipeline) ignore(ctx context.Context, entry store.LogEntry, mark *store.Mark, reason string) (Result, error) {
	entry.Outcome, entry.Error = store.OutcomeIgnored, reason
	id, err := p.store.AppendLog(ctx, entry, mark)
	if err != nil {
		return Result{}, err
	}
	if id == 0 { // a redelivery raced past the Seen check
		return Result{Outcome: store.OutcomeDuplicate}, nil
	}
	p.logger.Info("input ignored", "source", entry.Origin.Source, "reason", reason)
	return Result{Outcome: store.OutcomeIgnored, Reason: reason, Warnings: entry.Warnings, LogID: id}, nil
}

// keepFailed logs an input whose order could not be stored, so it can be replayed.
func (p *Pipeline) keepFailed(ctx context.Context, entry store.LogEntry, cause error) {
	entry.Outcome, entry.Error = store.OutcomeRejected, "could not store: "+cause.Error()
	if _, err := p.store.AppendLog(ctx, entry, nil); err != nil {
		p.logger.Error("input lost: neither order nor log entry stored", "source", entry.Origin.Source, "error", err)
	}
}

// validate says why a readable message cannot become an order, or "".
func validate(msg parser.Message) string {
	switch n := msg.Fields.OrderNumber; {
	case n == "":
		return "no order number in the message (a test ping or another bot's post?)"
	case utf8.RuneCountInString(n) > maxOrderNumber:
		return fmt.Sprintf("order number is longer than %d characters", maxOrderNumber)
	case strings.ContainsAny(n, "\n\t"):
		return "order number spans several lines"
	}
	return ""
}

// logEntry starts the log entry of an input. The body is redacted like the message, so
// proxy passwords never reach the disk.
func logEntry(in Input) store.LogEntry {
	raw := in.Raw
	if raw == "" {
		raw = in.Text
	}
	body := raw
	if len(body) > maxLogBody {
		body = strings.ToValidUTF8(body[:maxLogBody], "")
	}
	return store.LogEntry{
		ReceivedAt:  in.ReceivedAt.UTC(),
		Origin:      in.Origin,
		ContentType: in.ContentType,
		Body:        parser.Redact(strings.ToValidUTF8(body, "\uFFFD")),
		BodyBytes:   len(raw),
	}
}
