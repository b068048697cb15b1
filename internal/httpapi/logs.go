package httpapi

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"

	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/orders"
)

// previewChars is how much of an input a log listing shows, as ROMS V2 did; the whole
// body is at /api/v2/webhooks/logs/{id}.
const previewChars = 200

// LogSummary is one webhook log entry in a listing: ROMS V2's fields, then ROMS's.
type LogSummary struct {
	ID             uint64       `json:"id"`
	Endpoint       string       `json:"endpoint" doc:"The route that received it, or discord"`
	Method         string       `json:"method"`
	StatusCode     int          `json:"status_code" doc:"What the request was answered; 0 for Discord"`
	Processed      bool         `json:"processed" doc:"The input was read and stored (or ignored as a ping)"`
	ErrorMessage   string       `json:"error_message"`
	CreatedAt      time.Time    `json:"created_at"`
	PayloadPreview string       `json:"payload_preview" doc:"The first 200 characters; the whole body is at /api/v2/webhooks/logs/{id}"`
	Outcome        string       `json:"outcome" enum:"created,updated,unchanged,ignored,rejected"`
	ReplayedAs     string       `json:"replayed_as,omitempty" doc:"The outcome of the latest replay"`
	Origin         order.Origin `json:"origin"`
	ContentType    string       `json:"content_type,omitempty"`
	BodyBytes      int          `json:"body_bytes"`
	Warnings       []string     `json:"warnings,omitempty"`
	OrderNumber    string       `json:"order_number,omitempty"`
	OrderID        uint64       `json:"order_id,omitempty"`
}

func summarise(e order.LogEntry) LogSummary {
	endpoint, method := e.Endpoint, e.Method
	if endpoint == "" {
		endpoint = e.Origin.Source
	}
	preview := e.Body
	if utf8.RuneCountInString(preview) > previewChars {
		preview = string([]rune(preview)[:previewChars]) + "..."
	}
	processed, problem := e.Outcome != order.OutcomeRejected, e.Error
	switch e.ReplayedAs {
	case order.OutcomeCreated, order.OutcomeUpdated, order.OutcomeUnchanged:
		// Read again since and stored: the first error is history, not a problem now.
		processed = true
		if problem != "" {
			problem = "stored when replayed (" + e.ReplayedAs + "); at first: " + problem
		}
	}
	return LogSummary{ID: e.ID, Endpoint: endpoint, Method: method, StatusCode: e.StatusCode,
		Processed: processed, ErrorMessage: problem, CreatedAt: e.ReceivedAt, PayloadPreview: preview,
		Outcome: e.Outcome, ReplayedAs: e.ReplayedAs, Origin: e.Origin, ContentType: e.ContentType, BodyBytes: e.BodyBytes,
		Warnings: e.Warnings, OrderNumber: e.OrderNumber, OrderID: e.OrderID}
}

// summariseAll lists entries for a listing: never null, as ROMS V2's frontend expects.
func summariseAll(entries []order.LogEntry) []LogSummary {
	out := make([]LogSummary, 0, len(entries))
	for _, e := range entries {
		out = append(out, summarise(e))
	}
	return out
}

// LogList is a listing of webhook log entries, newest first.
type LogList struct {
	Total int          `json:"total" doc:"Entries in the log that match"`
	Logs  []LogSummary `json:"logs"`
}

type listLogsInput struct {
	Limit   int       `query:"limit" minimum:"1" maximum:"1000" default:"50"`
	Outcome string    `query:"outcome" enum:"created,updated,unchanged,ignored,rejected" doc:"Only entries with this outcome"`
	Since   time.Time `query:"since" doc:"Only entries received at or after this time (RFC 3339)"`
}

func (h *messageRoutes) listLogs(ctx context.Context, in *listLogsInput) (*struct{ Body LogList }, error) {
	f := order.LogFilter{Limit: in.Limit, Since: in.Since}
	if in.Outcome != "" {
		f.Outcomes = []string{in.Outcome}
	}
	page, err := h.msgs.FindLogs(ctx, f)
	if err != nil {
		return nil, err
	}
	return &struct{ Body LogList }{LogList{Total: page.Total, Logs: summariseAll(page.Entries)}}, nil
}

type logIDInput struct {
	ID uint64 `path:"id"`
}

func (h *messageRoutes) getLog(ctx context.Context, in *logIDInput) (*struct{ Body order.LogEntry }, error) {
	e, err := h.msgs.Log(ctx, in.ID)
	if errors.Is(err, order.ErrNotFound) {
		return nil, huma.Error404NotFound(fmt.Sprintf("no webhook log entry %d (the log keeps what its retention allows)", in.ID))
	}
	if err != nil {
		return nil, err
	}
	return &struct{ Body order.LogEntry }{e}, nil
}

func (h *messageRoutes) replayLog(ctx context.Context, in *logIDInput) (*struct{ Body orders.Replayed }, error) {
	r, err := h.msgs.Replay(ctx, in.ID, orders.ReplayActor(in.ID))
	if errors.Is(err, order.ErrNotFound) {
		return nil, huma.Error404NotFound(fmt.Sprintf("no webhook log entry %d", in.ID))
	}
	if err != nil {
		return nil, err
	}
	return &struct{ Body orders.Replayed }{r}, nil
}

// QueueStats are ROMS V2's queue statistics with honest values: ROMS has no queue, each
// input is stored by the request that carries it before the answer, so nothing waits.
type QueueStats struct {
	Status          string  `json:"status" enum:"healthy,degraded" doc:"degraded when fewer than 95% of inputs since start were stored"`
	QueueSize       int     `json:"queue_size" doc:"Always 0: there is no queue"`
	TotalReceived   int64   `json:"total_received" doc:"Inputs since the bot started, from every source"`
	TotalProcessed  int64   `json:"total_processed" doc:"Stored, or ignored as a message without an order number"`
	TotalFailed     int64   `json:"total_failed" doc:"Rejected or not stored; see dead-letters"`
	SuccessRate     float64 `json:"success_rate" doc:"processed / (processed + failed), in percent"`
	WorkersRunning  int64   `json:"workers_running" doc:"Inputs being stored right now"`
	WorkersTotal    int     `json:"workers_total" doc:"CPUs ROMS uses; inputs are handled by their own request"`
	AvgProcessingMS float64 `json:"avg_processing_time_ms"`
}

func (h *messageRoutes) queueStats(_ context.Context, _ *struct{}) (*struct{ Body QueueStats }, error) {
	f := h.msgs.Flow()
	q := QueueStats{Status: "healthy", TotalReceived: f.Received, TotalProcessed: f.Processed, TotalFailed: f.Failed,
		SuccessRate: 100, WorkersRunning: f.InFlight, WorkersTotal: f.Workers, AvgProcessingMS: float64(f.AvgProcessing.Microseconds()) / 1000}
	if done := f.Processed + f.Failed; done > 0 {
		q.SuccessRate = 100 * float64(f.Processed) / float64(done)
	}
	if q.SuccessRate <= 95 {
		q.Status = "degraded"
	}
	return &struct{ Body QueueStats }{q}, nil
}

// DeadLetters are the inputs that were rejected or could not be stored, and were not
// stored by a replay since.
type DeadLetters struct {
	Total    int          `json:"total"`
	Messages []LogSummary `json:"messages"`
}

type deadLettersInput struct {
	Limit int `query:"limit" minimum:"1" maximum:"1000" default:"100"`
}

func (h *messageRoutes) deadLetters(ctx context.Context, in *deadLettersInput) (*struct{ Body DeadLetters }, error) {
	page, err := h.msgs.FindLogs(ctx, order.LogFilter{Limit: in.Limit, StillFailed: true})
	if err != nil {
		return nil, err
	}
	return &struct{ Body DeadLetters }{DeadLetters{Total: page.Total, Messages: summariseAll(page.Entries)}}, nil
}

// RetryReply answers a retry of the failed inputs.
type RetryReply struct {
	Success bool              `json:"success"`
	Retried int               `json:"retried"`
	Message string            `json:"message"`
	Results []orders.Replayed `json:"results"`
}

func (h *messageRoutes) retryFailed(ctx context.Context, _ *struct{}) (*struct{ Body RetryReply }, error) {
	results, err := h.msgs.RetryFailed(ctx)
	if err != nil {
		return nil, err
	}
	stored := 0
	for _, r := range results {
		if r.Outcome != order.OutcomeRejected && r.Outcome != order.OutcomeIgnored {
			stored++
		}
	}
	if results == nil {
		results = []orders.Replayed{}
	}
	return &struct{ Body RetryReply }{RetryReply{Success: true, Retried: len(results), Results: results,
		Message: fmt.Sprintf("Retried %d failed inputs: %d stored now, %d still not (see dead-letters)", len(results), stored, len(results)-stored)}}, nil
}

// TestOrderReply answers ROMS V2's test-order route.
type TestOrderReply struct {
	Success bool   `json:"success"`
	Message string `json:"message"`
	Order   struct {
		ID          uint64       `json:"id"`
		OrderNumber string       `json:"order_number"`
		Product     string       `json:"product"`
		Price       *order.Money `json:"price"`
	} `json:"order"`
}

func (h *messageRoutes) testOrder(ctx context.Context, _ *struct{}) (*struct{ Body TestOrderReply }, error) {
	res, err := h.msgs.CreateTest(ctx, order.ActorAPI)
	if err != nil {
		return nil, err
	}
	var reply TestOrderReply
	reply.Success = true
	reply.Message = "Test order created (marked test: listed, left out of totals; DELETE it when done)"
	reply.Order.ID, reply.Order.OrderNumber, reply.Order.Product, reply.Order.Price = res.Order.ID, res.Order.OrderNumber, res.Order.Product, res.Order.Price
	return &struct{ Body TestOrderReply }{reply}, nil
}
