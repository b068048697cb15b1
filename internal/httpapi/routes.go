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
	pathExport  = "/api/v2/orders/export.csv"
	pathImports = "/api/v2/imports/"
	pathWS      = "/ws"
	pathMetrics = "/metrics"
	pathSession = "/api/v2/session"
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

	test := op("webhook-test", http.MethodGet, "/api/v2/webhooks/test", "Check that the webhook URL is reachable (ROMS V2's test)", "Webhook")
	huma.Register(api, test, s.webhookTest)
	huma.Register(api, op("webhook-signature-help", http.MethodGet, "/api/v2/webhooks/signature-help", "How to sign webhook bodies", "Webhook"), s.signatureHelp)
	huma.Register(api, op("list-webhook-logs", http.MethodGet, "/api/v2/webhooks/logs", "Recent inputs from every source, newest first (ROMS V2's shape)", "Webhook"), s.listLogs)
	getLog := op("get-webhook-log", http.MethodGet, "/api/v2/webhooks/logs/{id}", "One input as received, whole", "Webhook")
	getLog.Errors = []int{404}
	huma.Register(api, getLog, s.getLog)
	replay := op("replay-webhook-log", http.MethodPost, "/api/v2/webhooks/logs/{id}/replay", "Run a logged input through today's parser again", "Webhook")
	replay.Errors = []int{404}
	huma.Register(api, replay, s.replayLog)
	huma.Register(api, op("webhook-queue-stats", http.MethodGet, "/api/v2/webhooks/queue/stats", "Input counts since start (ROMS V2's queue statistics; ROMS has no queue)", "Webhook"), s.queueStats)
	huma.Register(api, op("webhook-dead-letters", http.MethodGet, "/api/v2/webhooks/queue/dead-letters", "Inputs that were rejected and not stored since", "Webhook"), s.deadLetters)
	huma.Register(api, op("webhook-retry-failed", http.MethodPost, "/api/v2/webhooks/queue/retry-failed", "Run the failed inputs through the parser again now", "Webhook"), s.retryFailed)
	huma.Register(api, op("webhook-test-order", http.MethodPost, "/api/v2/webhooks/test-order", "Create a test order (left out of totals)", "Webhook"), s.testOrder)

	huma.Register(api, op("list-review", http.MethodGet, "/api/v2/review", "Posts that need a look: kept but not read as orders, or read with guesses", "Review"), s.listReview)
	teach := op("teach-label", http.MethodPost, "/api/v2/review/teach", "Teach a label (MAIL is the email) and read the logged posts it changes again", "Review")
	teach.Errors = []int{422}
	huma.Register(api, teach, s.teachLabel)
	dismiss := op("dismiss-review", http.MethodPost, "/api/v2/review/{id}/dismiss", "Mark a logged post as not an order", "Review")
	dismiss.DefaultStatus, dismiss.Errors = http.StatusNoContent, []int{404}
	huma.Register(api, dismiss, s.dismissReview)
	huma.Register(api, op("parse-health", http.MethodGet, "/api/v2/parse-health", "How well each source's posts are read since the bot started", "Review"), s.parseHealth)

	huma.Register(api, op("list-orders", http.MethodGet, "/api/v2/orders", "Find orders: filters, search, sort, paging and the count of matches", "Orders"), s.listOrders)
	create := op("create-order", http.MethodPost, "/api/v2/orders", "Add an order by hand (fields, or a message in the text format)", "Orders")
	create.DefaultStatus, create.Errors = http.StatusCreated, []int{409, 422}
	huma.Register(api, create, s.createOrder)
	export := op("export-orders", http.MethodGet, pathExport, "Download the orders a filter selects as CSV (spreadsheet columns first)", "Orders")
	export.Responses = map[string]*huma.Response{"200": {Description: "CSV, UTF-8 with a byte order mark", Content: map[string]*huma.MediaType{"text/csv": {Schema: &huma.Schema{Type: "string"}}}}}
	huma.Register(api, export, s.exportCSV)
	imp := op("import-file", http.MethodPost, pathImports+"{kind}", "Import a file: orders (pasted messages), tracking, received, charges or cancellations", "Imports")
	imp.Description = importDoc
	imp.Errors = []int{400, 413, 422}
	huma.Register(api, imp, s.importFile)
	api.OpenAPI().Paths[pathImports+"{kind}"].Post.RequestBody = importRequestBody()
	stream := op("import-file-with-progress", http.MethodPost, pathImports+"{kind}/stream", "Import a file, answering with its progress as it goes (NDJSON)", "Imports")
	stream.Errors = []int{400, 413}
	huma.Register(api, stream, s.importStream)
	api.OpenAPI().Paths[pathImports+"{kind}/stream"].Post.RequestBody = importRequestBody()
	undo := op("undo-import", http.MethodPost, pathImports+"{batch}/undo", "Undo an import batch", "Imports")
	undo.Errors = []int{404}
	huma.Register(api, undo, s.undoImport)
	huma.Register(api, op("order-stats", http.MethodGet, "/api/v2/stats", "Totals of the orders a filter selects, overall and per group", "Orders"), s.stats)
	huma.Register(api, op("get-order", http.MethodGet, "/api/v2/orders/{order_number}", "Get one order", "Orders"), s.getOrder)
	huma.Register(api, op("list-order-events", http.MethodGet, "/api/v2/orders/{order_number}/events", "History of one order, oldest first, with who made each change", "Orders"), s.listEvents)
	update := op("update-order", http.MethodPatch, "/api/v2/orders/{order_number}", "Correct an order: set fields, or clear them with null", "Orders")
	update.Errors = []int{404, 422}
	huma.Register(api, update, s.updateOrder)
	remove := op("delete-order", http.MethodDelete, "/api/v2/orders/{order_number}", "Delete an order from lists and totals; its history stays and it can be restored", "Orders")
	remove.Errors = []int{404}
	huma.Register(api, remove, s.deleteOrder)
	restore := op("restore-order", http.MethodPost, "/api/v2/orders/{order_number}/restore", "Undo the delete of an order", "Orders")
	restore.Errors = []int{404}
	huma.Register(api, restore, s.restoreOrder)

	sse.Register(api, op("live-updates", http.MethodGet, pathLive, "Stream of order changes (server-sent events)", "Live"),
		map[string]any{"order": live.OrderChange{}, "ping": ping{}, "resync": resync{}}, s.streamLive)

	backup := op("backup-database", http.MethodGet, pathBackup, "Download a consistent copy of the database", "Admin")
	huma.Register(api, backup, s.backup)

	backfill := op("discord-backfill", http.MethodPost, PathBackfill, "Import a Discord channel's history (NDJSON progress stream)", "Discord")
	backfill.Errors = []int{409}
	huma.Register(api, backfill, s.backfill)

	login := op("login", http.MethodPost, pathSession, "Trade the token for a browser session (an HttpOnly cookie)", "Session")
	login.Security, login.Errors = nil, []int{401}
	huma.Register(api, login, s.login)
	logout := op("logout", http.MethodDelete, pathSession, "End the browser session", "Session")
	logout.Security = nil
	huma.Register(api, logout, s.logout)
	state := op("session-state", http.MethodGet, pathSession, "Whether this browser may use the API, and whether a token is needed", "Session")
	state.Security = nil
	huma.Register(api, state, s.sessionState)

	health := op("health", http.MethodGet, "/health", "Database, Discord, version and uptime", "Health")
	health.Security = nil
	health.Errors = []int{503}
	huma.Register(api, health, s.health)
}
