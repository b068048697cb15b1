// Package httpapi is the HTTP face of ROMS: the order webhook, the orders API, the webhook
// log, health, live updates and the interactive API docs, all described by an OpenAPI
// document generated from the code.
package httpapi

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"reflect"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/roms-dev/roms/internal/aco"
	"github.com/roms-dev/roms/internal/relay"

	"github.com/roms-dev/roms/internal/gateway"
	"github.com/roms-dev/roms/internal/mailbox"

	"github.com/danielgtaylor/huma/v2"
	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/roms-dev/roms/internal/live"
	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/orders"
	"github.com/roms-dev/roms/internal/parsehealth"
)

// requestTimeout bounds every request but the long-lived ones (live stream, backup).
const requestTimeout = 30 * time.Second

// Messages is what the webhook needs of the orders service.
type Messages interface {
	Ingest(ctx context.Context, in orders.Input) (orders.Ingested, error)
	Reject(ctx context.Context, in orders.Input, cause error) error
	FindLogs(ctx context.Context, f order.LogFilter) (order.LogPage, error)
	Log(ctx context.Context, id uint64) (order.LogEntry, error)
	Replay(ctx context.Context, id uint64, actor string) (orders.Replayed, error)
	RetryFailed(ctx context.Context) ([]orders.Replayed, error)
	Flow() orders.FlowStats
	CreateTest(ctx context.Context, actor string) (order.Result, error)
	Review(ctx context.Context, limit int, source string) ([]orders.ReviewEntry, error)
	Dismiss(ctx context.Context, id uint64) error
	Teach(ctx context.Context, t orders.Teaching) (orders.Taught, error)
	ParseHealth() []parsehealth.Source
}

// Orders is what the orders routes need of the orders service.
type Orders interface {
	Get(ctx context.Context, number string) (order.Order, error)
	Events(ctx context.Context, number string) ([]order.Event, error)
	List(ctx context.Context, f order.Filter) (order.Page, error)
	Stats(ctx context.Context, f order.Filter, by string) (orders.Stats, error)
	Overview(ctx context.Context) ([]orders.Period, error)
	Export(ctx context.Context, f order.Filter, w io.Writer) (int, error)
	ExportNumbers(ctx context.Context, numbers []string, f order.Filter, w io.Writer) (int, error)
	Correct(ctx context.Context, number string, e order.Edit, actor string) (order.Result, error)
	Create(ctx context.Context, f order.Fields, actor string) (order.Result, error)
	CreateFromText(ctx context.Context, text, actor string) (order.Result, []string, error)
	Delete(ctx context.Context, number, actor string) (order.Result, error)
	Restore(ctx context.Context, number, actor string) (order.Result, error)
	Filter(t orders.FilterText) (order.Filter, error)
	Location() *time.Location
}

// Imports is what the import routes need of the orders service.
type Imports interface {
	Import(ctx context.Context, kind string, data []byte) (orders.ImportSummary, error)
	ImportWithProgress(ctx context.Context, kind string, data []byte, progress func(orders.ImportProgress)) (orders.ImportSummary, error)
	Undo(ctx context.Context, batch, actor string) (orders.UndoSummary, error)
	Batches(ctx context.Context, limit int) ([]orders.Batch, error)
}

// Database is what health and backup need of the storage.
type Database struct {
	Path   string
	Counts func(context.Context) (order.Counts, error)
	// Backup writes a consistent copy of the database; nil when the store has none.
	Backup func(context.Context, io.Writer) (int64, error)
	// Problem is what is wrong with the database now (damage, failing writes); nil when
	// all is well or the store cannot tell.
	Problem func() error
}

// Deps are what the server needs. Gateway may be nil: Discord is then reported disabled.
type Deps struct {
	Messages Messages
	Orders   Orders
	Imports  Imports
	Database Database
	Hub      *live.Hub
	Logger   *slog.Logger
	Token    string // when set, every /api route needs it
	// WebhookSecret, when set, lets a sender sign the webhook's body instead of sending the
	// token (X-Webhook-Signature, as ROMS V2 does), and makes that signature required.
	WebhookSecret string
	// CORSOrigins are the browser origins allowed to call the API.
	CORSOrigins []string
	// ListenHost and AllowedHosts are the names this server answers to, besides
	// loopback: a request for any other Host is refused, so a web page cannot reach the
	// API by pointing a name of its own at this machine (DNS rebinding).
	ListenHost   string
	AllowedHosts []string
	// RateLimit bounds how fast one client may call; zero is no limit.
	RateLimit RateLimit
	// Metrics, when set, is served at /metrics (behind the token when one is set).
	Metrics http.Handler
	// Dashboard, when set, is the web page at "/" and its assets.
	Dashboard http.Handler
	Version   string
	Started   time.Time
	Gateway   func(context.Context) gateway.Status
	Backfill  BackfillFunc // nil without Discord
	// Positions keep the session epoch (see session.go); nil: logging out ends only the
	// browser's own cookie.
	Positions Positions
	// RelayListening says whether the other instances' live changes reach this one; nil
	// without PostgreSQL.
	RelayListening func() bool
	// Mail is each mailbox's state; nil without mail.accounts.
	Mail func() []mailbox.AccountStatus
	// ACO is the ACO service: clients, fees, invoices.
	ACO *aco.Service
	// Relay is the success relay's state, for /health; nil without one.
	Relay func() relay.Backlog
}

// server is what every request passes through before its route: the checks of host,
// origin, token and rate, and the sessions and live connections they admit.
type server struct {
	token, webhookSecret      string
	corsOrigins, allowedHosts []string
	listenHost                string
	rateLimits                RateLimit
	logger                    *slog.Logger
	hub                       *live.Hub // /ws
	metrics                   http.Handler
	// reject keeps a webhook body refused by the rate limit as a dead letter.
	reject  func(ctx context.Context, in orders.Input, cause error) error
	guesses *authFailures
	signed  *signatures
	live    *liveSlots
	epoch   *sessionEpoch
}

// NewServer returns the handler of the whole HTTP API.
func NewServer(deps Deps) http.Handler {
	s := &server{token: deps.Token, webhookSecret: deps.WebhookSecret, corsOrigins: deps.CORSOrigins,
		allowedHosts: deps.AllowedHosts, listenHost: deps.ListenHost, rateLimits: deps.RateLimit, logger: deps.Logger,
		hub: deps.Hub, metrics: deps.Metrics, reject: deps.Messages.Reject,
		guesses: newAuthFailures(), signed: newSignatures(), live: newLiveSlots(), epoch: &sessionEpoch{positions: deps.Positions}}
	r := chi.NewRouter()
	r.Use(middleware.RequestID, middleware.ClientIPFromRemoteAddr, s.logRequests, s.recoverPanics,
		timeoutExcept(requestTimeout, pathLive, pathBackup, PathBackfill, pathExport, pathImports, pathWS), s.checkHost, s.cors,
		s.refuseCrossSiteWrites, s.authenticate, s.rateLimit, s.boundLive, keepRequest)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, http.StatusNotFound, "no such route: "+r.Method+" "+r.URL.Path+" (see /docs)")
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, http.StatusMethodNotAllowed, r.Method+" is not allowed on "+r.URL.Path+" (see /docs)")
	})
	routes(r, s, deps)
	return r
}

func apiConfig(version string) huma.Config {
	cfg := huma.DefaultConfig("ROMS API", version)
	cfg.DocsPath = "" // served by serveDocs, which needs no internet
	// Money is exact cents inside and a decimal number such as 299.99 on the wire.
	cfg.Components.Schemas.RegisterTypeAlias(reflect.TypeFor[order.Money](), reflect.TypeFor[float64]())
	// The default hooks add "$schema" links to every reply: noise for our users.
	cfg.CreateHooks = nil
	cfg.Info.Description = "Reseller order management: Refract checkouts in, orders out."
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", Description: "The http.token setting. Needed on every /api route when it is set."},
	}
	return cfg
}

// authenticate checks the token on /api routes when one is configured. The webhook also
// takes it as ?token=, since some bots can only be given a URL, or a signature of its
// body made with the webhook secret.
func (s *server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/api/") || r.Method == http.MethodOptions || strings.HasPrefix(r.URL.Path, pathSession) {
			next.ServeHTTP(w, r)
			return
		}
		if (s.token != "" || s.webhookSecret != "") && s.refuseGuesser(w, r) {
			return // checked before the token, so a locked-out guesser learns nothing
		}
		tokenOK := s.tokenGiven(r)
		if r.URL.Path == pathWebhook && (s.webhookSecret != "" || signature(r) != "") && !tokenOK {
			err := s.checkSignature(r)
			s.authResult(r, err == nil)
			if err != nil {
				writeProblem(w, http.StatusUnauthorized, err.Error())
				return
			}
			s.takeSigned(w, r, next)
			return
		}
		if s.token != "" {
			s.authResult(r, tokenOK)
		}
		if s.token != "" && !tokenOK {
			w.Header().Set("WWW-Authenticate", `Bearer realm="roms"`)
			writeProblem(w, http.StatusUnauthorized, "missing or wrong token: send Authorization: Bearer <http.token>"+
				" (the webhook also accepts ?token=<http.token>)")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// tokenGiven reports whether the request carries the configured token.
func (s *server) tokenGiven(r *http.Request) bool {
	if s.token == "" {
		return false
	}
	scheme, given, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if ok = ok && strings.EqualFold(scheme, "Bearer"); !ok { // the scheme is case-insensitive (RFC 9110)
		given = ""
	}
	if !ok && (r.URL.Path == pathWebhook || r.URL.Path == pathWS) {
		given = r.URL.Query().Get("token")
	}
	if !ok && given == "" && sessionValid(r, s.token, s.epoch.current(), time.Now()) {
		return true // a browser's session, bought with the token
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(given)), []byte(s.token)) == 1
}

// logRequests logs each request at debug level, and failures louder. Only the path is
// logged: the query may hold the token.
func (s *server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		start := time.Now()
		next.ServeHTTP(ww, r)
		level := slog.LevelDebug
		if ww.Status() >= 500 {
			level = slog.LevelError
		}
		s.logger.Log(r.Context(), level, "http request", "method", r.Method, "path", s.logPath(r.URL.Path),
			"status", ww.Status(), "duration", time.Since(start), "client", middleware.GetClientIP(r.Context()),
			"request_id", middleware.GetReqID(r.Context()))
	})
}

func (s *server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			rec := recover()
			if rec == nil {
				return
			}
			if rec == http.ErrAbortHandler {
				panic(rec)
			}
			s.logger.Error("panic in HTTP handler", "path", s.logPath(r.URL.Path), "panic", fmt.Sprint(rec), "stack", string(debug.Stack()))
			writeProblem(w, http.StatusInternalServerError, "internal error; the server log has the details")
		}()
		next.ServeHTTP(w, r)
	})
}

// serveMetrics serves /metrics: Prometheus sends the token as a bearer token
// (authorization in its scrape config) when one is set.
func (s *server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	if s.token == "" {
		s.metrics.ServeHTTP(w, r)
		return
	}
	if ok, answered := s.tokenChecked(w, r); answered {
		return
	} else if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="roms"`)
		writeProblem(w, http.StatusUnauthorized, "missing or wrong token: give Prometheus the token (authorization: credentials: <http.token>), or serve metrics on metrics.addr")
		return
	}
	s.metrics.ServeHTTP(w, r)
}

// logPath is a path as a log may show it: without the token or the webhook secret, which
// a sender may put in the path (/ws/TOKEN, /api/v2/webhooks/orders/TOKEN), and cut where
// a token could be.
func (s *server) logPath(path string) string {
	for _, secret := range []string{s.token, s.webhookSecret} {
		if secret != "" {
			path = strings.ReplaceAll(path, secret, "[redacted]")
		}
	}
	return withoutToken(path)
}

// withoutToken cuts a path where a token could be: a query sent percent-encoded
// ("/x%3Ftoken=...") arrives in the path, and a token must never reach a log.
func withoutToken(path string) string {
	if i := strings.Index(strings.ToLower(path), "token"); i >= 0 {
		return path[:i] + "…"
	}
	return path
}

// checkHost refuses requests for a Host this server does not answer to.
func (s *server) checkHost(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		if !s.hostAllowed(strings.ToLower(strings.Trim(host, "[]"))) {
			writeProblem(w, http.StatusMisdirectedRequest, "this ROMS does not answer to the name "+r.Host+
				": add it to http.allowed_hosts if it is yours")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// hostAllowed is the rule of checkHost. With a token, a page that rebinds a name learns
// nothing without the token, so any name is fine. Without one: loopback, the listen host,
// the allowed names, and addresses when listening on every address.
func (s *server) hostAllowed(host string) bool {
	ip := net.ParseIP(host)
	switch {
	case s.token != "":
		return true
	case host == "localhost", ip != nil && ip.IsLoopback():
		return true
	case host == strings.ToLower(s.listenHost), slices.Contains(s.allowedHosts, host):
		return true
	case ip != nil && isPublicListen(s.listenHost):
		return true
	}
	return false
}

// isPublicListen reports whether the server listens on every address (0.0.0.0, ::).
func isPublicListen(host string) bool {
	ip := net.ParseIP(host)
	return host == "" || (ip != nil && ip.IsUnspecified())
}

// refuseCrossSiteWrites stops a web page of another site from changing orders through
// the visitor's browser: a request that can change state and carries an Origin that is
// neither this server's nor an allowed one is refused. Bots send no Origin.
func (s *server) refuseCrossSiteWrites(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		origin := r.Header.Get("Origin")
		crossSite := r.Header.Get("Sec-Fetch-Site") == "cross-site"
		if (origin != "" && !s.originAllowed(r)) || (origin == "" && crossSite) {
			writeProblem(w, http.StatusForbidden, "a web page of another site may not change orders here"+
				" (origin "+origin+"); to allow a frontend of yours, add it to http.cors_origins")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// timeoutExcept bounds the request context, except on long-lived paths (a path ending in
// '/' stands for every path below it).
func timeoutExcept(d time.Duration, paths ...string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for _, p := range paths {
				if r.URL.Path == p || (strings.HasSuffix(p, "/") && strings.HasPrefix(r.URL.Path, p)) {
					next.ServeHTTP(w, r)
					return
				}
			}
			ctx, cancel := context.WithTimeout(r.Context(), d)
			defer cancel()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// writeProblem answers in the same RFC 9457 shape huma uses for its own errors, so every
// error of the API looks alike.
func writeProblem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // a detail such as "<http.token>" must read as written
	_ = enc.Encode(huma.ErrorModel{Title: http.StatusText(status), Status: status, Detail: detail})
}
