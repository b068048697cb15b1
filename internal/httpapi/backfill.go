package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/roms-dev/roms/internal/orders"
)

// BackfillFunc imports a Discord channel's history since a time, reporting progress.
type BackfillFunc func(ctx context.Context, channelID string, since time.Time, progress func(orders.Progress)) (orders.Summary, error)

type backfillInput struct {
	Body struct {
		ChannelID string    `json:"channel_id" pattern:"^[0-9]{5,20}$" doc:"The channel to import"`
		Since     time.Time `json:"since" doc:"Import messages posted at or after this time; 0001-01-01T00:00:00Z for all"`
	}
}

// BackfillLine is one line of the NDJSON stream a backfill answers with: progress after
// each page, then done or error.
type BackfillLine struct {
	Type    string         `json:"type" enum:"progress,done,error"`
	Summary orders.Summary `json:"summary"`
	Through *time.Time     `json:"through,omitempty" doc:"Newest message time read so far"`
	Error   string         `json:"error,omitempty"`
}

type backfillOutput struct {
	ContentType string `header:"Content-Type"`
	Body        func(ctx huma.Context)
}

// backfill runs in the bot that holds the database, so `bot backfill` works while the bot
// runs. The answer streams, one JSON line per page, so a long import shows progress.
func (h *adminRoutes) backfill(ctx context.Context, in *backfillInput) (*backfillOutput, error) {
	if h.runBackfill == nil {
		return nil, huma.NewError(http.StatusConflict, "Discord is not configured: set discord.token first")
	}
	return &backfillOutput{
		ContentType: "application/x-ndjson",
		Body: func(hc huma.Context) {
			send := lineSender(hc)
			sum, err := h.runBackfill(ctx, in.Body.ChannelID, in.Body.Since, func(p orders.Progress) {
				through := p.Through
				send(BackfillLine{Type: "progress", Summary: p.Summary, Through: &through})
			})
			last := BackfillLine{Type: "done", Summary: sum}
			if err != nil {
				last.Type, last.Error = "error", err.Error()
			}
			send(last)
		},
	}, nil
}

// lineSender writes one JSON line of a streamed answer and sends it on at once, so the
// client sees progress as it is made.
func lineSender(hc huma.Context) func(v any) {
	enc := json.NewEncoder(hc.BodyWriter())
	return func(v any) {
		_ = enc.Encode(v)
		if f, ok := hc.BodyWriter().(http.Flusher); ok {
			f.Flush()
		}
	}
}
