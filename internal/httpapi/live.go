package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/sse"
)

// pingEvery keeps idle streams open through proxies that drop silent connections.
const pingEvery = 25 * time.Second

// liveBuffer is how far a stream may fall behind before it is told to resync.
const liveBuffer = 256

type ping struct {
	At time.Time `json:"at"`
}

// resync tells a client it missed events: reload the orders, then reconnect.
type resync struct {
	Reason string `json:"reason"`
}

func (h *liveRoutes) streamLive(ctx context.Context, _ *struct{}, send sse.Sender) {
	events, stop := h.hub.Subscribe(liveBuffer)
	defer stop()
	tick := time.NewTicker(pingEvery)
	defer tick.Stop()
	if send.Data(ping{At: time.Now().UTC()}) != nil {
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if send.Data(ping{At: time.Now().UTC()}) != nil {
				return
			}
		case e, ok := <-events:
			if !ok {
				_ = send.Data(resync{Reason: "stream fell behind or the server is stopping; reload and reconnect"})
				return
			}
			if send.Data(e) != nil {
				return
			}
		}
	}
}

type backupOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               func(ctx huma.Context)
}

// backup streams a consistent copy of the database, so `bot backup` works while the bot
// runs and holds the database lock.
func (h *adminRoutes) backup(ctx context.Context, _ *struct{}) (*backupOutput, error) {
	if h.database.Backup == nil {
		return nil, huma.NewError(http.StatusNotImplemented, "this database is backed up with its own tools")
	}
	name := "roms-" + time.Now().UTC().Format("20060102-150405") + ".db"
	return &backupOutput{
		ContentType:        "application/octet-stream",
		ContentDisposition: `attachment; filename="` + name + `"`,
		Body: func(hc huma.Context) {
			if _, err := h.database.Backup(ctx, hc.BodyWriter()); err != nil {
				h.logger.Error("backup failed", "error", err)
			}
		},
	}, nil
}
