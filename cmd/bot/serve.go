package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/roms-dev/roms/internal/aco"
	"github.com/roms-dev/roms/internal/bbolt"
	"github.com/roms-dev/roms/internal/commands"
	"github.com/roms-dev/roms/internal/config"
	"github.com/roms-dev/roms/internal/dashboard"
	"github.com/roms-dev/roms/internal/discord"
	"github.com/roms-dev/roms/internal/httpapi"
	"github.com/roms-dev/roms/internal/live"
	"github.com/roms-dev/roms/internal/mailbox"
	"github.com/roms-dev/roms/internal/metrics"
	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/orders"
	"github.com/roms-dev/roms/internal/relay"
)

const (
	// lockWait is how long start-up waits for a database another process holds.
	lockWait = 3 * time.Second
	// shutdownGrace lets requests in flight finish after SIGINT/SIGTERM.
	shutdownGrace = 10 * time.Second
	// pruneEvery is how often the webhook log is trimmed to its retention.
	pruneEvery = 10 * time.Minute
)

func serve(ctx context.Context, args []string, environ []string, stdout, stderr io.Writer) error {
	getenv := lookup(environ)
	cfg, cfgFile, rest, err := loadConfig(flags("serve"), args, getenv)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("serve: unexpected arguments %q\n\n%s", rest, usage)
	}
	logger := newLogger(cfg.Log, stderr)
	for _, w := range config.MistypedEnv(environ) {
		logger.Warn(w)
	}
	st, err := openStorage(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer st.close()
	hub := live.NewHub()
	self := st.join(hub, logger)
	m := metrics.New()
	svc, err := newService(cfg, st, self, logger, m)
	if err != nil {
		return err
	}
	fees := newACO(cfg, st, logger)
	poster, err := newPoster(cfg.Discord)
	if err != nil {
		return err
	}
	posts := relay.New(st, fees, poster, relay.Settings{PublicChannel: cfg.Relay.PublicChannel, Notify: cfg.Relay.Notify,
		OnCancel: cfg.Relay.OnCancel, Show: cfg.Relay.Show}, logger)
	listener, err := newListener(cfg, svc, fees, poster, logger)
	if err != nil {
		return err
	}
	mail := newMailReader(cfg.Mail, svc, logger)
	handler, sources := httpHandler(cfg, st, svc, hub, self, listener, mail, fees, posts, m, logger)
	if err := svc.RefreshAliases(ctx); err != nil { // the labels taught from the review list
		logger.Warn("read taught parser labels", "error", err)
	}
	ln, err := listen(cfg.HTTP.Addr, "http.addr")
	if err != nil {
		return err
	}
	printBanner(stdout, cfg, cfgFile, config.FromEnvironment(getenv), ln.Addr().String())

	// Background work stores through the database, so it ends before the deferred Close.
	ctx, stop := context.WithCancel(ctx)
	var background sync.WaitGroup
	defer func() { stop(); background.Wait() }()
	background.Go(func() { keepLogsTrimmed(ctx, svc, cfg.Storage.LogRetention, logger) })
	background.Go(func() { self.relay(ctx) })
	background.Go(func() { svc.WatchAliases(ctx, aliasRefresh) }) // another instance may teach a label
	background.Go(func() { runLeading(ctx, self, listener, fees, posts, hub) })
	background.Go(func() { mail.Run(ctx) })
	if cfg.Metrics.Addr != "" {
		mln, err := listen(cfg.Metrics.Addr, "metrics.addr")
		if err != nil {
			return err
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", m.Handler(sources))
		background.Go(func() { _ = serveHTTP(ctx, mln, mux, live.NewHub(), logger) })
	}
	return serveHTTP(ctx, ln, handler, hub, logger)
}

// runLeading runs what one instance does for all while this one holds the gateway: the
// Discord listener, if there is one, the fees that follow the orders, and the relay.
func runLeading(ctx context.Context, self gatewayLeader, listener *discord.Listener, fees *aco.Service, posts *relay.Relay, hub *live.Hub) {
	self.lead(ctx, func(held context.Context) {
		var work sync.WaitGroup
		if listener != nil {
			work.Go(func() { _ = listener.Run(held) })
		}
		work.Go(func() { fees.Follow(held, hub, feeSweep) })
		work.Go(func() { posts.Run(held, hub) })
		work.Wait()
	})
}

// feeSweep is how often every recent order's fee is checked: holds of days end by time.
const feeSweep = 5 * time.Minute

// newACO is the ACO service of the settings.
func newACO(cfg config.Config, st order.Store, logger *slog.Logger) *aco.Service {
	hold, _ := aco.ParseHold(cfg.ACO.Hold) // checked when the settings loaded
	return aco.New(st, aco.Options{Hold: hold, LookBack: cfg.ACO.LookBackDays, Logger: logger})
}

// newPoster is what posts to Discord's REST API: the relay's messages and /invoice's DMs;
// nil without a token.
func newPoster(cfg config.Discord) (relay.Poster, error) {
	if cfg.Token == "" {
		return nil, nil
	}
	return discord.NewPoster(cfg.Token, cfg.APIURL)
}

// newMailReader reads the mailboxes of the settings into the service; nil without any.
func newMailReader(cfg config.Mail, svc *orders.Service, logger *slog.Logger) *mailbox.Reader {
	if len(cfg.Accounts) == 0 {
		return nil
	}
	return mailbox.New(mailAccounts(cfg), cfg.Poll, cfg.Since, svc, logger)
}

// mailAccounts are the settings' mailboxes as the mailbox reader takes them.
func mailAccounts(cfg config.Mail) []mailbox.Account {
	var out []mailbox.Account
	for _, a := range cfg.Accounts {
		out = append(out, mailbox.Account{Name: a.Name, Server: a.Server, Security: a.Security, Username: a.Username,
			Password: a.Password, Folders: a.Folders})
	}
	return out
}

// newListener is the Discord listener the settings ask for, with its slash commands;
// nil without a token.
func newListener(cfg config.Config, svc *orders.Service, fees *aco.Service, poster relay.Poster, logger *slog.Logger) (*discord.Listener, error) {
	if cfg.Discord.Token == "" {
		return nil, nil
	}
	dm := func(ctx context.Context, user string, m relay.Message) error {
		channel, err := poster.DM(ctx, user)
		if err == nil {
			_, err = poster.Send(ctx, channel, m, "")
		}
		return err
	}
	dc := discordConfig(cfg.Discord, time.Now())
	dc.Alerts = svc.Alerts()
	dc.Interactions = commands.New(svc, commands.Config{
		ReadRoles: cfg.Discord.Roles.Read, WriteRoles: cfg.Discord.Roles.Write, PublicReplies: cfg.Discord.PublicReplies,
		Download: discord.Downloader(cfg.Discord.APIURL), Logger: logger, ACO: fees, DM: dm,
	})
	return discord.New(dc, svc, logger)
}

// httpHandler is the HTTP API, the dashboard and (unless they have an address of their
// own) the metrics, with the sources the metrics read.
func httpHandler(cfg config.Config, st *storage, svc *orders.Service, hub *live.Hub, self instance, listener *discord.Listener,
	mail *mailbox.Reader, fees *aco.Service, posts *relay.Relay, m *metrics.Metrics, logger *slog.Logger) (http.Handler, metrics.Sources) {
	deps := httpapi.Deps{
		Messages: svc, Orders: svc, Imports: svc, Positions: svc,
		Database: st.database,
		Hub:      hub, Logger: logger, Token: cfg.HTTP.Token, WebhookSecret: cfg.HTTP.WebhookSecret, CORSOrigins: cfg.HTTP.CORSOrigins,
		ListenHost: listenHost(cfg.HTTP.Addr), AllowedHosts: cfg.HTTP.AllowedHosts,
		RateLimit: httpapi.RateLimit{PerMinute: cfg.HTTP.RateLimit.PerMinute, Burst: cfg.HTTP.RateLimit.Burst},
		Version:   buildVersion(), Started: time.Now(), Dashboard: dashboard.Handler(),
		RelayListening: self.relayListening(),
		ACO:            fees,
		Relay:          posts.Health,
	}
	sources := metrics.Sources{Counts: st.database.Counts, Problem: st.database.Problem, Subscribers: hub.Subscribers,
		ParseHealth: svc.ParseHealth, RelayBacklog: func() int { return posts.Health().Backlog }}
	if listener != nil {
		deps.Gateway, deps.Backfill = self.gatewayStatus(listener.Status), listener.Backfill
		sources.Gateway = deps.Gateway
	}
	if mail != nil {
		deps.Mail = mail.Statuses
	}
	if cfg.Metrics.Addr == "" {
		deps.Metrics = m.Handler(sources)
	}
	return httpapi.NewServer(deps), sources
}

// aliasRefresh is how often instances sharing PostgreSQL read the taught labels again.
const aliasRefresh = 30 * time.Second

// verifyLimit is the largest database checked page by page at start (about a second);
// a larger one starts at once.
const verifyLimit = 512 << 20

// verifyAtStart checks every page of the database before anything writes to it: a damaged
// file stops the bot with what to do, rather than failing reads weeks later. (The check
// needs no writer running: bbolt's freelist looks wrong to it while writes go on.)
func verifyAtStart(st *bbolt.Store, logger *slog.Logger) error {
	info, err := os.Stat(st.Path())
	if err != nil {
		return err
	}
	if info.Size() > verifyLimit {
		logger.Info("database too large to check page by page at start; skipped", "bytes", info.Size())
		return nil
	}
	return st.Verify()
}

// serveHTTP answers on ln until ctx ends, then lets requests in flight finish.
func serveHTTP(ctx context.Context, ln net.Listener, handler http.Handler, hub *live.Hub, logger *slog.Logger) error {
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	hub.Close() // ends live streams, which would otherwise hold Shutdown open
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		// A client that will not finish does not make the stop a failure: every stored
		// order is already on disk.
		logger.Warn("stopped without waiting longer for slow requests", "waited", shutdownGrace, "error", err)
		srv.Close()
		return nil
	}
	logger.Info("stopped")
	return nil
}

// logRetention is the webhook log's retention setting as the store takes it.
func logRetention(r config.Retention) order.Retention {
	return order.Retention{MaxEntries: r.MaxEntries, MaxAge: r.MaxAge, MaxBytes: int64(r.MaxMB) << 20}
}

// keepLogsTrimmed applies the webhook log retention now and every pruneEvery.
func keepLogsTrimmed(ctx context.Context, svc *orders.Service, r config.Retention, logger *slog.Logger) {
	if r.MaxEntries == 0 && r.MaxAge == 0 && r.MaxMB == 0 {
		return
	}
	retention := logRetention(r)
	tick := time.NewTicker(pruneEvery)
	defer tick.Stop()
	for {
		n, err := svc.PruneLogs(ctx, retention)
		switch {
		case err != nil && ctx.Err() == nil:
			logger.Error("trim webhook log", "error", err)
		case n > 0:
			logger.Info("webhook log trimmed", "deleted", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-svc.LogTrims(): // entries added: keep the bound as they come
		}
	}
}

// listen opens the address a setting names, saying what to do when it is taken.
func listen(addr, setting string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("%s %s is in use: another ROMS (or another program) is listening there; stop it, or set %s (%s) to a free address such as 127.0.0.1:8002",
			setting, addr, setting, config.EnvName(setting))
	}
	if err != nil {
		return nil, fmt.Errorf("listen on %s (%s): %w", addr, setting, err)
	}
	return ln, nil
}

func printBanner(w io.Writer, cfg config.Config, cfgFile string, fromEnv []string, addr string) {
	base := localURL(addr)
	switch {
	case cfgFile == "" && len(fromEnv) > 0:
		cfgFile = "no file; defaults and " + strings.Join(fromEnv, ", ") + " from the environment"
	case cfgFile == "":
		cfgFile = "none, using defaults (copy config.example.yaml to config.yaml to change them)"
	case len(fromEnv) > 0:
		cfgFile += ", and " + strings.Join(fromEnv, ", ") + " from the environment"
	}
	security := "token required on /api (http.token)"
	if cfg.HTTP.Token == "" {
		security = "no token; other machines cannot reach this port (set http.token to accept them)"
		if h, _, _ := net.SplitHostPort(cfg.HTTP.Addr); !config.IsLoopback(h) {
			security = "NO TOKEN and reachable from other machines (http.allow_public_without_token is on)"
		}
	}
	fmt.Fprintf(w, `ROMS %s: Refract checkouts into your own order database
  Webhook:   %s/api/v2/webhooks/orders   (POST, text/plain)
  Dashboard: %s/
  API docs:  %s/docs
  Health:    %s/health
  Metrics:   %s
  Database:  %s
  Time zone: %s
  Config:    %s
  Security:  %s
  Discord:   %s
  Mail:      %s
Ready. Press Ctrl+C to stop.
`, buildVersion(), base, base, base, base, metricsLine(cfg, base), databaseName(cfg), zoneLine(cfg), cfgFile, security, discordLine(cfg.Discord),
		mailLine(cfg.Mail))
}

func metricsLine(cfg config.Config, base string) string {
	if cfg.Metrics.Addr != "" {
		return localURL(cfg.Metrics.Addr) + "/metrics (Prometheus)"
	}
	return base + "/metrics (Prometheus)"
}

func zoneLine(cfg config.Config) string {
	loc, _ := cfg.Location()
	name := orders.ZoneName(loc, time.Now())
	if cfg.TimeZone == "" {
		return name + " (this machine's; set timezone to change what \"today\" means)"
	}
	return name
}

func discordLine(d config.Discord) string {
	switch {
	case d.Token == "":
		return "not connected. To read checkouts straight from your Discord server, set discord.token " +
			"(or ROMS_DISCORD_TOKEN) and discord.channels; README.md \"Connect to Discord\" shows how"
	case len(d.Channels) == 0:
		return "connecting, but discord.channels is empty: no channel is watched. Add the ids of the channels Refract posts in"
	}
	return fmt.Sprintf("connecting; watching %d channel(s). /health shows the connection and each channel's cursor", len(d.Channels))
}

func mailLine(m config.Mail) string {
	if len(m.Accounts) == 0 {
		return "no mailbox read. To keep tracking and cancellations true from the retailers' emails, add mail.accounts " +
			"(README \"Read the retailers' emails\"; bot mail test checks them)"
	}
	var names []string
	for _, a := range m.Accounts {
		names = append(names, a.Name+" ("+a.Username+")")
	}
	return fmt.Sprintf("reading %s every %s; /health shows each mailbox's state", strings.Join(names, ", "), m.Poll)
}

func listenHost(addr string) string {
	host, _, _ := net.SplitHostPort(addr)
	return host
}

// discordConfig turns the settings into the listener's.
func discordConfig(d config.Discord, now time.Time) discord.Config {
	since, _ := d.Backfill.Since(now) // checked when the settings loaded
	return discord.Config{
		Token: d.Token, Channels: d.Channels, AllowedAuthors: d.AllowedAuthors, APIURL: d.APIURL,
		Reactions: d.Reactions, InitialSince: since, GuildIDs: d.GuildIDs, AlertsChannel: d.AlertsChannel,
	}
}
