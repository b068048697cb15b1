package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/roms-dev/roms/internal/gateway"
	"github.com/roms-dev/roms/internal/mailbox"
	"github.com/roms-dev/roms/internal/relay"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humachi"
	"github.com/danielgtaylor/huma/v2/sse"
	"github.com/go-chi/chi/v5"

	"github.com/roms-dev/roms/internal/live"
	"github.com/roms-dev/roms/internal/parsehealth"
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

// Each group of routes holds only what its handlers use.
type (
	// messageRoutes: the webhook, its log, the review list and parse health.
	messageRoutes struct{ msgs Messages }
	orderRoutes   struct {
		orders Orders
		logger *slog.Logger
	}
	importRoutes struct{ imports Imports }
	liveRoutes   struct{ hub *live.Hub }
	// adminRoutes: the backup and Discord's backfill.
	adminRoutes struct {
		database    Database
		runBackfill BackfillFunc
		logger      *slog.Logger
	}
	healthRoutes struct {
		version        string
		started        time.Time
		database       Database
		hub            *live.Hub
		relayListening func() bool
		parseHealth    func() []parsehealth.Source
		gateway        func(context.Context) gateway.Status
		mail           func() []mailbox.AccountStatus
		relay          func() relay.Backlog
		zone           *time.Location
	}
)

// routes lists every route in one place: the API (documented at /docs), /ws, /docs,
// /metrics and the dashboard.
func routes(r chi.Router, s *server, d Deps) {
	msgs := &messageRoutes{msgs: d.Messages}
	ords := &orderRoutes{orders: d.Orders, logger: d.Logger}
	imps := &importRoutes{imports: d.Imports}
	lives := &liveRoutes{hub: d.Hub}
	admin := &adminRoutes{database: d.Database, runBackfill: d.Backfill, logger: d.Logger}
	health := &healthRoutes{version: d.Version, started: d.Started, database: d.Database, hub: d.Hub,
		relayListening: d.RelayListening, parseHealth: d.Messages.ParseHealth, gateway: d.Gateway, mail: d.Mail, relay: d.Relay, zone: d.Orders.Location()}

	r.Get(pathWS, s.serveWS)
	api := humachi.New(r, apiConfig(d.Version))
	secured := []map[string][]string{{"bearer": {}}}
	if d.Token == "" {
		secured = nil
	}
	op := func(id, method, path, summary, tag string) huma.Operation {
		return huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, Tags: []string{tag}, Security: secured}
	}

	webhook := op("receive-order-webhook", http.MethodPost, pathWebhook, "Receive a checkout message", "Webhook")
	webhook.Description = webhookDoc
	webhook.Errors = []int{400, 401, 413, 415}
	huma.Register(api, webhook, msgs.receiveWebhook)
	// Documented after registering: declared before, huma would read and validate the
	// body itself, and the handler could not log an oversize or unreadable one.
	api.OpenAPI().Paths[pathWebhook].Post.RequestBody = webhookRequestBody()

	test := op("webhook-test", http.MethodGet, "/api/v2/webhooks/test", "Check that the webhook URL is reachable (ROMS V2's test)", "Webhook")
	huma.Register(api, test, s.webhookTest)
	huma.Register(api, op("webhook-signature-help", http.MethodGet, "/api/v2/webhooks/signature-help", "How to sign webhook bodies", "Webhook"), s.signatureHelp)
	huma.Register(api, op("list-webhook-logs", http.MethodGet, "/api/v2/webhooks/logs", "Recent inputs from every source, newest first (ROMS V2's shape)", "Webhook"), msgs.listLogs)
	getLog := op("get-webhook-log", http.MethodGet, "/api/v2/webhooks/logs/{id}", "One input as received, whole", "Webhook")
	getLog.Errors = []int{404}
	huma.Register(api, getLog, msgs.getLog)
	replay := op("replay-webhook-log", http.MethodPost, "/api/v2/webhooks/logs/{id}/replay", "Run a logged input through today's parser again", "Webhook")
	replay.Errors = []int{404}
	huma.Register(api, replay, msgs.replayLog)
	huma.Register(api, op("webhook-queue-stats", http.MethodGet, "/api/v2/webhooks/queue/stats", "Input counts since start (ROMS V2's queue statistics; ROMS has no queue)", "Webhook"), msgs.queueStats)
	huma.Register(api, op("webhook-dead-letters", http.MethodGet, "/api/v2/webhooks/queue/dead-letters", "Inputs that were rejected and not stored since", "Webhook"), msgs.deadLetters)
	huma.Register(api, op("webhook-retry-failed", http.MethodPost, "/api/v2/webhooks/queue/retry-failed", "Run the failed inputs through the parser again now", "Webhook"), msgs.retryFailed)
	huma.Register(api, op("webhook-test-order", http.MethodPost, "/api/v2/webhooks/test-order", "Create a test order (left out of totals)", "Webhook"), msgs.testOrder)

	huma.Register(api, op("list-review", http.MethodGet, "/api/v2/review", "Posts that need a look: kept but not read as orders, or read with guesses", "Review"), msgs.listReview)
	teach := op("teach-label", http.MethodPost, "/api/v2/review/teach", "Teach a label (MAIL is the email) and read the logged posts it changes again", "Review")
	teach.Errors = []int{422}
	huma.Register(api, teach, msgs.teachLabel)
	dismiss := op("dismiss-review", http.MethodPost, "/api/v2/review/{id}/dismiss", "Mark a logged post as not an order", "Review")
	dismiss.DefaultStatus, dismiss.Errors = http.StatusNoContent, []int{404}
	huma.Register(api, dismiss, msgs.dismissReview)
	huma.Register(api, op("parse-health", http.MethodGet, "/api/v2/parse-health", "How well each source's posts are read since the bot started", "Review"), msgs.parseHealth)

	if d.ACO != nil {
		registerACO(api, op, &acoRoutes{aco: d.ACO, zone: d.Orders.Location()})
	}

	huma.Register(api, op("list-orders", http.MethodGet, "/api/v2/orders", "Find orders: filters, search, sort, paging and the count of matches", "Orders"), ords.listOrders)
	create := op("create-order", http.MethodPost, "/api/v2/orders", "Add an order by hand (fields, or a message in the text format)", "Orders")
	create.DefaultStatus, create.Errors = http.StatusCreated, []int{409, 422}
	huma.Register(api, create, ords.createOrder)
	export := op("export-orders", http.MethodGet, pathExport, "Download the orders a filter selects as CSV (spreadsheet columns first)", "Orders")
	export.Responses = map[string]*huma.Response{"200": {Description: "CSV, UTF-8 with a byte order mark", Content: map[string]*huma.MediaType{"text/csv": {Schema: &huma.Schema{Type: "string"}}}}}
	huma.Register(api, export, ords.exportCSV)
	imp := op("import-file", http.MethodPost, pathImports+"{kind}", "Import a file: orders (pasted messages), tracking, received, charges or cancellations", "Imports")
	imp.Description = importDoc
	imp.Errors = []int{400, 413, 422}
	huma.Register(api, imp, imps.importFile)
	api.OpenAPI().Paths[pathImports+"{kind}"].Post.RequestBody = importRequestBody()
	stream := op("import-file-with-progress", http.MethodPost, pathImports+"{kind}/stream", "Import a file, answering with its progress as it goes (NDJSON)", "Imports")
	stream.Errors = []int{400, 413}
	huma.Register(api, stream, imps.importStream)
	api.OpenAPI().Paths[pathImports+"{kind}/stream"].Post.RequestBody = importRequestBody()
	undo := op("undo-import", http.MethodPost, pathImports+"{batch}/undo", "Undo an import batch", "Imports")
	undo.Errors = []int{404}
	huma.Register(api, undo, imps.undoImport)
	huma.Register(api, op("list-imports", http.MethodGet, "/api/v2/imports", "Past imports, newest first: what each did, and its undo", "Imports"), imps.batches)
	huma.Register(api, op("import-kinds", http.MethodGet, pathImports+"kinds", "What each kind of import reads, with a sample file", "Imports"), imps.importKinds)
	huma.Register(api, op("order-stats", http.MethodGet, "/api/v2/stats", "Totals of the orders a filter selects, overall and per group", "Orders"), ords.stats)
	huma.Register(api, op("overview", http.MethodGet, "/api/v2/overview", "Today, this week, this month and all time, each with the period before", "Orders"), ords.overview)
	huma.Register(api, op("get-order", http.MethodGet, "/api/v2/orders/{order_number}", "Get one order", "Orders"), ords.getOrder)
	huma.Register(api, op("list-order-events", http.MethodGet, "/api/v2/orders/{order_number}/events", "History of one order, oldest first, with who made each change", "Orders"), ords.listEvents)
	update := op("update-order", http.MethodPatch, "/api/v2/orders/{order_number}", "Correct an order: set fields, or clear them with null", "Orders")
	update.Errors = []int{404, 422}
	huma.Register(api, update, ords.updateOrder)
	remove := op("delete-order", http.MethodDelete, "/api/v2/orders/{order_number}", "Delete an order from lists and totals; its history stays and it can be restored", "Orders")
	remove.Errors = []int{404}
	huma.Register(api, remove, ords.deleteOrder)
	restore := op("restore-order", http.MethodPost, "/api/v2/orders/{order_number}/restore", "Undo the delete of an order", "Orders")
	restore.Errors = []int{404}
	huma.Register(api, restore, ords.restoreOrder)

	sse.Register(api, op("live-updates", http.MethodGet, pathLive, "Stream of order changes (server-sent events)", "Live"),
		map[string]any{"order": live.OrderChange{}, "ping": ping{}, "resync": resync{}}, lives.streamLive)

	backup := op("backup-database", http.MethodGet, pathBackup, "Download a consistent copy of the database", "Admin")
	huma.Register(api, backup, admin.backup)

	backfill := op("discord-backfill", http.MethodPost, PathBackfill, "Import a Discord channel's history (NDJSON progress stream)", "Discord")
	backfill.Errors = []int{409}
	huma.Register(api, backfill, admin.backfill)

	login := op("login", http.MethodPost, pathSession, "Trade the token for a browser session (an HttpOnly cookie)", "Session")
	login.Security, login.Errors = nil, []int{401}
	huma.Register(api, login, s.login)
	logout := op("logout", http.MethodDelete, pathSession, "End the browser session", "Session")
	logout.Security = nil
	huma.Register(api, logout, s.logout)
	state := op("session-state", http.MethodGet, pathSession, "Whether this browser may use the API, and whether a token is needed", "Session")
	state.Security = nil
	huma.Register(api, state, s.sessionState)

	healthOp := op("health", http.MethodGet, "/health", "Database, Discord, version and uptime", "Health")
	healthOp.Security = nil
	healthOp.Errors = []int{503}
	huma.Register(api, healthOp, health.health)

	page, err := docsPage(api.OpenAPI())
	if err != nil {
		panic(fmt.Sprintf("httpapi: render the API docs: %v", err)) // the document is built from our own types
	}
	r.Get("/docs", serveDocs(page))
	if d.Metrics != nil {
		r.Get(pathMetrics, s.serveMetrics)
	}
	if d.Dashboard != nil {
		for _, p := range []string{"/", "/app.js", "/app.css"} {
			r.Get(p, d.Dashboard.ServeHTTP)
		}
	}
}
