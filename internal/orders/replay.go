package orders

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/roms-dev/roms/internal/embedtext"
	"github.com/roms-dev/roms/internal/order"
)

// maxRetry bounds one retry of failed inputs.
const maxRetry = 1000

// Replayed is what a logged input became when it ran through today's parser again.
type Replayed struct {
	LogID   uint64 `json:"log_id"`
	Outcome string `json:"outcome" enum:"created,updated,unchanged,ignored,rejected"`
	// Orders are the numbers of the orders it stored (a payload can carry several).
	Orders []string `json:"orders,omitempty"`
	Reason string   `json:"reason,omitempty" doc:"Why it was ignored or rejected"`
	// Kept are the fields the input carries that were changed after it arrived (a
	// cancellation, a correction): a replay leaves them as they are now.
	Kept []string `json:"kept,omitempty" doc:"Fields changed since the input arrived, left as they are"`
}

// Replay runs a logged input through today's parser again, after the parser learnt a new
// label, say. It stores like any input (an order already stored is unchanged) but writes
// no new log entry: the entry is marked with what the replay made of it.
func (s *Service) Replay(ctx context.Context, id uint64, actor string) (Replayed, error) {
	e, err := s.store.Log(ctx, id)
	if err != nil {
		return Replayed{}, err
	}
	r := Replayed{LogID: id, Outcome: order.OutcomeIgnored}
	checkouts, err := embedtext.Body(e.ContentType, []byte(e.Body))
	if err != nil {
		r.Outcome, r.Reason = order.OutcomeRejected, err.Error()
	}
	for _, c := range checkouts {
		in := Input{Origin: e.Origin, Text: c.Text, Embed: c.Embed, Object: c.Object, Actor: actor, OccurredAt: c.At, ReceivedAt: s.now()}
		msg, err := s.readMessage(&in)
		if err != nil {
			r.Outcome, r.Reason = order.OutcomeRejected, err.Error()
			continue
		}
		if in.OccurredAt.IsZero() {
			in.OccurredAt = e.ReceivedAt // when it first arrived, not now
		}
		w, reason := messageWrite(in, &msg)
		if reason != "" {
			r.Reason = reason
			continue
		}
		kept, err := s.keepLaterChanges(ctx, &w, e.ReceivedAt)
		if err != nil {
			return Replayed{}, fmt.Errorf("replay log entry %d: %w", id, err)
		}
		r.Kept = append(r.Kept, kept...)
		res, err := s.write(ctx, w)
		if err != nil {
			return Replayed{}, fmt.Errorf("replay log entry %d: %w", id, err)
		}
		r.Orders = append(r.Orders, res.Order.OrderNumber)
		r.Outcome = strongest(r.Outcome, res.Outcome)
	}
	if err := s.store.MarkReplayed(ctx, id, r.Outcome); err != nil {
		return Replayed{}, err
	}
	return r, nil
}

// keepLaterChanges takes out of an old input's write the fields of its order that were
// changed after the input arrived: replaying yesterday's checkout must not undo today's
// cancellation or correction. It returns the fields it kept as they are.
func (s *Service) keepLaterChanges(ctx context.Context, w *order.Write, arrived time.Time) ([]string, error) {
	events, err := s.store.Events(ctx, w.Number)
	if errors.Is(err, order.ErrNotFound) {
		return nil, nil // a new order: nothing since
	}
	if err != nil {
		return nil, err
	}
	since := map[string]bool{}
	for _, ev := range events {
		if !ev.At.After(arrived) {
			continue
		}
		for _, c := range ev.Changes {
			since[c.Field] = true
			if c.Field == "tracking_number" {
				since["tracking_numbers"] = true
			}
		}
	}
	if len(since) == 0 {
		return nil, nil
	}
	var kept []string
	w.Edit, kept = w.Edit.Without(since)
	return kept, nil
}

// strongest is the outcome that says most about a payload of several checkouts.
func strongest(a, b string) string {
	rank := map[string]int{order.OutcomeRejected: 0, order.OutcomeIgnored: 1, order.OutcomeUnchanged: 2, order.OutcomeUpdated: 3, order.OutcomeCreated: 4}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// ReplayActor names a replay of a log entry in an order's history.
func ReplayActor(id uint64) string { return "replay:" + strconv.FormatUint(id, 10) }

// RetryFailed replays the inputs that were rejected and not stored since, oldest first.
func (s *Service) RetryFailed(ctx context.Context) ([]Replayed, error) {
	page, err := s.store.FindLogs(ctx, order.LogFilter{Limit: maxRetry, StillFailed: true})
	if err != nil {
		return nil, err
	}
	var out []Replayed
	for i := len(page.Entries) - 1; i >= 0; i-- {
		id := page.Entries[i].ID
		r, err := s.Replay(ctx, id, ReplayActor(id))
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// FindLogs returns the newest webhook log entries a filter selects.
func (s *Service) FindLogs(ctx context.Context, f order.LogFilter) (order.LogPage, error) {
	return s.store.FindLogs(ctx, f)
}

// Log returns one webhook log entry.
func (s *Service) Log(ctx context.Context, id uint64) (order.LogEntry, error) {
	return s.store.Log(ctx, id)
}

// Flow counts the inputs since the service started, for ROMS V2's queue statistics.
// There is no queue: each input is stored by the request that carries it before the
// answer.
type Flow struct {
	received, processed, failed, inFlight atomic.Int64
	nanos                                 atomic.Int64
}

// FlowStats are the counts of a Flow.
type FlowStats struct {
	Received, Processed, Failed, InFlight int64
	AvgProcessing                         time.Duration
	Workers                               int
}

// Stats reads the counts.
func (f *Flow) Stats() FlowStats {
	st := FlowStats{Received: f.received.Load(), Processed: f.processed.Load(), Failed: f.failed.Load(),
		InFlight: f.inFlight.Load(), Workers: runtime.GOMAXPROCS(0)}
	if done := st.Processed + st.Failed; done > 0 {
		st.AvgProcessing = time.Duration(f.nanos.Load() / done)
	}
	return st
}

// Flow returns the service's input counts.
func (s *Service) Flow() FlowStats { return s.flow.Stats() }

// CreateTest adds a clearly marked test order, as ROMS V2's test-order did: listed, left
// out of totals, and removable like any order.
func (s *Service) CreateTest(ctx context.Context, actor string) (order.Result, error) {
	now := s.now()
	price, qty := order.Money(9999), 1
	f := order.Fields{OrderNumber: "TEST-" + strconv.FormatInt(now.UnixMilli(), 10), Product: "Test Product", Price: &price,
		Quantity: &qty, Email: "test@example.com", Status: order.StatusPending}
	return s.write(ctx, order.Write{Number: f.OrderNumber, Edit: order.Edit{Fields: f, Test: true},
		Origin: order.Origin{Source: sourceOf(actor)}, Actor: actor, At: now, OccurredAt: now, MustBeNew: true})
}
