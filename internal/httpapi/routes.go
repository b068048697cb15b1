package httpapi

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/sse"

	"github.com/roms-dev/roms/internal/live"
)

// Paths that other code refers to.
const (
	pathWebhook = "/api/v2/webhooks/orders"
	pathLive    = "/api/v2/live"
	pathBackup  = "/api/v2/backup"
	// PathBackfill is where `bot backfill` asks a running bot to import history.
	PathBackfill = "/api/v2/discord/backfill"
)

// routes lists the whole API in one place.
func (s *server) routes(api huma.API) {
	secured := []map[string][]string{{"bearer": {}}}
	if s.Token == "" {
		secured = nil
	}
	op := func(id, method, path, summary, tag string) huma.Operation {
		return huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, Tags: []string{tag}, Security: secured}
	}

	webhook := op("receive-order-webhook", http.MethodPost, pathWebhook, "Receive a checkout message", "Webhook")
	webhook.Description = webhookDoc
	webhook.Errors = []int{400, 401, 413, 415}
	huma.Register(api, webhook, s.receiveWebhook)
	// Documented after registering: declared before, huma would read and validate the
	// body itself, and the handler could not log an oversize or unreadable one.
	api.OpenAPI().Paths[pathWebhook].Post.RequestBody = webhookRequestBody()

	huma.Register(api, op("list-webhook-logs", http.MethodGet, "/api/v2/webhooks/logs", "Recent webhook inputs, newest first", "Webhook"), s.listLogs)

	huma.Register(api, op("list-orders", http.MethodGet, "/api/v2/orders", "List orders, newest first", "Orders"), s.listOrders)
	huma.Register(api, op("get-order", http.MethodGet, "/api/v2/orders/{order_number}", "Get one order", "Orders"), s.getOrder)
	huma.Register(api, op("list-order-events", http.MethodGet, "/api/v2/orders/{order_number}/events", "History of one order, oldest first", "Orders"), s.listEvents)
	huma.Register(api, op("update-order", http.MethodPatch, "/api/v2/orders/{order_number}", "Set status, tracking number, quantity received or notes", "Orders"), s.updateOrder)

	sse.Register(api, op("live-updates", http.MethodGet, pathLive, "Stream of order changes (server-sent events)", "Live"),
		map[string]any{"order": live.OrderChange{}, "ping": ping{}, "resync": resync{}}, s.streamLive)

	backup := op("backup-database", http.MethodGet, pathBackup, "Download a consistent copy of the database", "Admin")
	huma.Register(api, backup, s.backup)

	backfill := op("discord-backfill", http.MethodPost, PathBackfill, "Import a Discord channel's history (NDJSON progress stream)", "Discord")
	backfill.Errors = []int{409}
	huma.Register(api, backfill, s.backfill)

	health := op("health", http.MethodGet, "/health", "Database, Discord, version and uptime", "Health")
	health.Security = nil
	health.Errors = []int{503}
	huma.Register(api, health, s.health)
}
