package orders

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/roms-dev/roms/internal/embedtext"
	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/parser"
)

// maxLogBody bounds what one log entry keeps of an input. Accepted inputs are smaller
// than this and are kept whole; only an oversize rejected body is cut.
const maxLogBody = 1 << 20

// logWait bounds keeping the log entry of an input whose sender has gone.
const logWait = 5 * time.Second

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
	Mark *order.Mark
	// Actor records who made the change when it is not the message's source (an import
	// batch); empty: the message's origin.
	Actor string
	// Embed, when set, is the embed Text was made from: the parser reads its structure.
	Embed *parser.Embed
	// Object, when set, is an order given as JSON fields: Text is empty.
	Object []byte
	// Message, when set, is the message already read (an imported row): nothing else is
	// read.
	Message *parser.Message
	// Endpoint, Method and StatusCode describe the request that carried an HTTP input, for
	// the webhook log.
	Endpoint, Method string
	StatusCode       int
	// Ignore, when set, is why the input changes no order: it is logged as ignored (an
	// email that names no order).
	Ignore string
}

// Ingested is what became of one input.
type Ingested struct {
	Outcome  string // an order.Outcome: created, updated, unchanged, ignored or duplicate
	Order    order.Order
	Changes  []order.Change
	Reason   string // why an input was ignored
	Warnings []string
	LogID    uint64
}

// Ingest runs one checkout message, from any source, through parse, validate, store and
// publish. Every input leaves a webhook log entry, whatever its outcome. An error wrapping
// a parser error means the input was unreadable; any other error means it could not be
// stored.
func (s *Service) Ingest(ctx context.Context, in Input) (Ingested, error) {
	start := time.Now()
	s.flow.received.Add(1)
	s.flow.inFlight.Add(1)
	res, err := s.ingest(ctx, in)
	took := time.Since(start)
	s.flow.inFlight.Add(-1)
	s.flow.nanos.Add(int64(took))
	outcome := res.Outcome
	if err != nil {
		s.flow.failed.Add(1)
		outcome = order.OutcomeRejected
	} else {
		s.flow.processed.Add(1)
	}
	if s.observer != nil {
		s.observer.Input(in.Origin.Source, outcome, took)
	}
	return res, err
}

func (s *Service) ingest(ctx context.Context, in Input) (Ingested, error) {
	if in.ReceivedAt.IsZero() {
		in.ReceivedAt = s.now()
	}
	if in.Mark != nil {
		if dup, err := s.store.Seen(ctx, *in.Mark); err != nil || dup {
			return Ingested{Outcome: order.OutcomeDuplicate}, err
		}
	}
	msg, w, entry, reason, err := s.prepare(&in)
	if err != nil {
		s.recordHealth(in, nil, order.OutcomeRejected, in.ReceivedAt)
		return Ingested{}, s.Reject(ctx, in, err)
	}
	if reason != "" {
		res, err := s.ignore(ctx, entry, in.Mark, reason)
		if err == nil {
			s.recordHealth(in, &msg, res.Outcome, in.ReceivedAt)
		}
		return res, err
	}
	w.Log = &entry
	res, err := s.write(ctx, w)
	if err != nil {
		s.keepFailed(ctx, entry, err)
		return Ingested{}, err
	}
	s.logged(len(entry.Body))
	s.recordHealth(in, &msg, res.Outcome, in.ReceivedAt)
	if res.Outcome == order.OutcomeDuplicate {
		return Ingested{Outcome: res.Outcome}, nil
	}
	s.logger.Info("order stored", "outcome", res.Outcome, "order_number", res.Order.OrderNumber,
		"source", in.Origin.Source, "changes", len(res.Changes))
	return Ingested{Outcome: res.Outcome, Order: res.Order, Changes: res.Changes, Warnings: msg.Warnings, LogID: res.LogID}, nil
}

// prepare reads an input and works out the write it makes and its log entry, or why it
// makes none: what every input goes through before it is stored, alone (ingest) or in a
// transaction of many (an import). An error is the parser's: the input is unreadable.
func (s *Service) prepare(in *Input) (parser.Message, order.Write, order.LogEntry, string, error) {
	if in.ReceivedAt.IsZero() {
		in.ReceivedAt = s.now()
	}
	msg, err := s.readMessage(in)
	if err != nil {
		return msg, order.Write{}, order.LogEntry{}, "", err
	}
	w, reason := messageWrite(*in, &msg)
	entry := logEntry(*in)
	entry.Warnings = msg.Warnings
	return msg, w, entry, reason, nil
}

// messageWrite is the write a readable message makes, or why it makes none: the one step
// from a message to an order, for inputs and for their replays.
func messageWrite(in Input, msg *parser.Message) (order.Write, string) {
	if in.Ignore != "" {
		return order.Write{}, in.Ignore
	}
	keepUnknownStatus(msg)
	if reason := validate(*msg); reason != "" {
		return order.Write{}, reason
	}
	actor := in.Actor
	if actor == "" {
		actor = order.ActorMessage(in.Origin)
	}
	return order.Write{Number: msg.Fields.OrderNumber, Edit: order.Edit{Fields: msg.Fields, DefaultStatus: msg.DefaultStatus},
		Origin: in.Origin, Actor: actor, Inferred: msg.Inferred, OccurredAt: in.OccurredAt, At: in.ReceivedAt, Mark: in.Mark}, ""
}

// readMessage reads an input with the service's labels. A JSON order's own date becomes
// when the input occurred.
func (s *Service) readMessage(in *Input) (parser.Message, error) {
	if in.Message != nil {
		return *in.Message, nil
	}
	c := embedtext.Checkout{Text: in.Text, At: in.OccurredAt, Embed: in.Embed, Object: in.Object}
	msg, at, err := c.Read(s.reader.Load(), s.loc)
	in.OccurredAt = at
	return msg, err
}

// keepUnknownStatus moves a status outside the documented set to the extra fields with a
// warning: stored as the status, the order would fall out of every status filter, and a
// message must never be refused for it.
func keepUnknownStatus(msg *parser.Message) {
	st := msg.Fields.Status
	if st == "" || order.ValidStatus(st) {
		return
	}
	msg.Fields.Status = parser.HeaderStatus(msg.Kind)
	if msg.Fields.Extra == nil {
		msg.Fields.Extra = map[string]string{}
	}
	msg.Fields.Extra["status"] = st
	msg.Warnings = append(msg.Warnings, fmt.Sprintf("status %q is not one ROMS knows; kept as an extra field", st))
}

// Reject records an input that is not a message at all (unreadable, malformed, too
// large) and returns cause, so the source can report it.
func (s *Service) Reject(ctx context.Context, in Input, cause error) error {
	if in.ReceivedAt.IsZero() {
		in.ReceivedAt = s.now()
	}
	entry := logEntry(in)
	entry.Outcome, entry.Error = order.OutcomeRejected, cause.Error()
	// Kept even when the sender has gone (its request context is over): that is when an
	// input is most likely incomplete, and the log is its only trace.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), logWait)
	defer cancel()
	if _, err := s.store.AppendLog(ctx, entry, in.Mark); err != nil {
		return errors.Join(cause, err)
	}
	s.logged(len(entry.Body))
	s.logger.Warn("input rejected", "source", in.Origin.Source, "error", cause, "bytes", entry.BodyBytes)
	return cause
}

func (s *Service) ignore(ctx context.Context, entry order.LogEntry, mark *order.Mark, reason string) (Ingested, error) {
	entry.Outcome, entry.Error = order.OutcomeIgnored, reason
	id, err := s.store.AppendLog(ctx, entry, mark)
	if err != nil {
		return Ingested{}, err
	}
	s.logged(len(entry.Body))
	if id == 0 { // a redelivery raced past the Seen check
		return Ingested{Outcome: order.OutcomeDuplicate}, nil
	}
	s.logger.Info("input ignored", "source", entry.Origin.Source, "reason", reason)
	return Ingested{Outcome: order.OutcomeIgnored, Reason: reason, Warnings: entry.Warnings, LogID: id}, nil
}

// keepFailed logs an input whose order could not be stored, so it can be replayed.
func (s *Service) keepFailed(ctx context.Context, entry order.LogEntry, cause error) {
	entry.Outcome, entry.Error = order.OutcomeRejected, "could not store: "+cause.Error()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), logWait)
	defer cancel()
	if _, err := s.store.AppendLog(ctx, entry, nil); err != nil {
		s.logger.Error("input lost: neither order nor log entry stored", "source", entry.Origin.Source, "error", err)
	}
}

// validate says why a readable message cannot become an order, or "".
func validate(msg parser.Message) string {
	if msg.Kind == parser.KindCart {
		return "a product carted, not a checkout (carts are not orders)"
	}
	if msg.Fields.OrderNumber == "" {
		return "no order number in the message (a test ping or another bot's post?)"
	}
	return checkNumber(msg.Fields.OrderNumber)
}

// checkNumber says what is wrong with an order number, or "".
func checkNumber(n string) string {
	switch {
	case utf8.RuneCountInString(n) > maxOrderNumber:
		return fmt.Sprintf("order number is longer than %d characters", maxOrderNumber)
	case strings.ContainsAny(n, "\n\t"):
		return "order number spans several lines"
	}
	return ""
}

// logEntry starts the log entry of an input. The body is redacted like the message, so
// proxy passwords never reach the disk.
func logEntry(in Input) order.LogEntry {
	raw := in.Raw
	if raw == "" {
		raw = in.Text
	}
	body := raw
	if len(body) > maxLogBody {
		body = strings.ToValidUTF8(body[:maxLogBody], "")
	}
	return order.LogEntry{
		ReceivedAt:  in.ReceivedAt.UTC(),
		Origin:      in.Origin,
		ContentType: in.ContentType,
		Body:        parser.Redact(strings.ToValidUTF8(body, "\uFFFD")),
		BodyBytes:   len(raw),
		Endpoint:    in.Endpoint,
		Method:      in.Method,
		StatusCode:  in.StatusCode,
	}
}
