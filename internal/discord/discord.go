// Package discord is the gateway listener: it joins the user's Discord server, reads the
// checkout embeds in the watched channels, live and from history after an outage, and
// hands their text to the orders service. It does no parsing or storing of its own.
package discord

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/roms-dev/roms/internal/gateway"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/roms-dev/roms/internal/orders"
	"github.com/roms-dev/roms/internal/parsehealth"
)

const (
	// defaultIdleTimeout ends a connection whose handshake has been silent this long. Once
	// Discord's HELLO has said how often to heartbeat, 1.5 heartbeat intervals is the limit
	// instead: every heartbeat is acknowledged, so only a dead ("zombied") connection is
	// quieter.
	defaultIdleTimeout = 2 * time.Minute
	retryMin           = 250 * time.Millisecond
	retryMax           = time.Minute
	// stableAfter is how long a connection must last for the next drop to be retried
	// quickly again; drops that follow opens sooner back off, so a flapping link cannot
	// spend Discord's daily allowance of new sessions.
	stableAfter = time.Minute
	// refusedRetry is how often a refused bot tries again, in case the user fixed the
	// setting in the developer portal meanwhile. Every try spends one of Discord's 1,000
	// daily IDENTIFYs, and history that reads again (a free REST call, every sync) wakes
	// it at once, so it is long.
	refusedRetry = 30 * time.Minute
	// defaultSyncEvery is how often history is read after each channel's cursor even without
	// a reconnect: it moves the cursors on and fills any gap live events left.
	defaultSyncEvery = 30 * time.Second
	// defaultIdentifyGap is the least time between two IDENTIFYs: Discord allows
	// max_concurrency of them every 5 seconds, and a single-shard bot is one bucket
	// (https://discord.com/developers/docs/events/gateway#session-start-limit-object).
	defaultIdentifyGap = 5 * time.Second
)

// Intents the bot needs: message content is privileged, and without it the embeds of
// other apps' messages arrive empty.
const Intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentsMessageContent

// Config is what the listener needs to know.
type Config struct {
	Token          string
	Channels       []string
	AllowedAuthors []string // webhook or user ids; empty allows everyone
	APIURL         string   // every REST call and the gateway lookup go here
	Reactions      bool
	// InitialSince is how far back the first start reads a channel that has no cursor
	// yet: the zero time for all history, now for none.
	InitialSince time.Time
	// IdleTimeout overrides defaultIdleTimeout before HELLO (tests use a short one).
	IdleTimeout time.Duration
	// Interactions answers slash commands; nil registers none.
	Interactions Interactions
	// GuildIDs are the servers to register commands in (at once); empty registers them
	// globally (Discord can take up to an hour to show them).
	GuildIDs []string
	// DeferAfter overrides defaultDeferAfter (tests use a short one).
	DeferAfter time.Duration
	// SyncEvery overrides defaultSyncEvery, IdentifyGap defaultIdentifyGap (tests).
	SyncEvery   time.Duration
	IdentifyGap time.Duration
	// AlertsChannel is where the parse-health alerts that Alerts receives are posted;
	// empty posts none.
	AlertsChannel string
	Alerts        <-chan parsehealth.Alert
}

// Orders is what the listener needs of the orders service: somewhere to send checkout
// messages, and to keep how far history has been read in each channel.
type Orders interface {
	Ingest(ctx context.Context, in orders.Input) (orders.Ingested, error)
	Position(ctx context.Context, name string) (string, error)
	Advance(ctx context.Context, name, pos string) error
}

// Listener is one bot connection to Discord.
type Listener struct {
	cfg      Config
	rest     *discordgo.Session // every REST call; never opened
	orders   Orders
	logger   *slog.Logger
	channels map[string]bool
	authors  map[string]bool

	ctx          context.Context // Run's; handlers run on discordgo's goroutines
	disconnected chan struct{}
	syncNow      chan struct{}
	wake         chan struct{} // try the gateway now: history reads again
	reactions    chan reaction
	inflight     sync.WaitGroup

	mu         sync.Mutex
	gw         *gatewaySession // the current gateway session; a new one for each IDENTIFY
	gatewayURL string          // where new sessions connect, from GET /gateway/bot
	ending     bool            // Run is returning: the session may end for good
	invalidAt  time.Time
	identifies []time.Time                  // IDENTIFYs sent in the last 24 hours
	limit      discordgo.SessionInformation // as GET /gateway/bot last said
	content    string                       // contentOK, contentMissing or contentUnknown
	state      string
	detail     string
	lastEvent  time.Time
	botID      string
	registered bool
	reconnects int
}

// New prepares a listener; Run connects it.
func New(cfg Config, svc Orders, logger *slog.Logger) (*Listener, error) {
	rest, err := restSession(cfg.Token, cfg.APIURL)
	if err != nil {
		return nil, err
	}
	cfg.IdleTimeout = cmp.Or(cfg.IdleTimeout, defaultIdleTimeout)
	cfg.DeferAfter = cmp.Or(cfg.DeferAfter, defaultDeferAfter)
	cfg.SyncEvery = cmp.Or(cfg.SyncEvery, defaultSyncEvery)
	cfg.IdentifyGap = cmp.Or(cfg.IdentifyGap, defaultIdentifyGap)
	return &Listener{
		cfg: cfg, rest: rest, orders: svc, logger: logger,
		channels: set(cfg.Channels), authors: set(cfg.AllowedAuthors),
		disconnected: make(chan struct{}, 1), syncNow: make(chan struct{}, 1), wake: make(chan struct{}, 1),
		reactions: make(chan reaction, 1000), state: gateway.StateConnecting, content: contentUnknown, ctx: context.Background(),
	}, nil
}

func set(ids []string) map[string]bool {
	m := map[string]bool{}
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// Run keeps the bot connected until ctx ends, then disconnects and waits for the messages
// in hand to be stored.
func (l *Listener) Run(ctx context.Context) error {
	l.ctx = ctx
	var background sync.WaitGroup
	background.Go(func() { l.reactLoop(ctx) })
	background.Go(func() { l.alertLoop(ctx) })
	background.Go(func() { l.syncLoop(ctx) })
	l.requestSync() // history needs no gateway: read it even while Discord refuses one
	defer func() {
		l.mu.Lock()
		l.ending = true
		gw := l.gw
		l.mu.Unlock()
		if gw != nil {
			gw.session.Close()
		}
		l.inflight.Wait()
		background.Wait()
	}()

	wait := retryMin
	for {
		gw, err := l.prepare(ctx)
		if err == nil {
			opened := time.Now()
			err = l.open(ctx, gw)
			if errors.Is(err, errReroute) {
				continue // the next Open asks for the resume URL and dials it
			}
			if err == nil || errors.Is(err, discordgo.ErrWSAlreadyOpen) {
				if !l.connectedUntilDrop(ctx) {
					return nil
				}
				if time.Since(opened) >= stableAfter {
					wait = retryMin
				} else {
					wait = min(2*wait, retryMax)
				}
				if !l.pause(ctx, jitter(wait)) {
					return nil
				}
				continue
			}
		}
		if ctx.Err() != nil {
			return nil
		}
		if !l.pause(ctx, jitter(l.failed(err, wait))) {
			return nil
		}
		wait = min(2*wait, retryMax)
	}
}

// connectedUntilDrop waits for the connection to drop; false means ctx ended.
func (l *Listener) connectedUntilDrop(ctx context.Context) bool {
	select {
	case <-ctx.Done():
		return false
	case <-l.disconnected:
	}
	l.mu.Lock()
	l.reconnects++
	l.mu.Unlock()
	l.setState(gateway.StateReconnecting, "connection to Discord lost; reconnecting")
	l.logger.Warn("discord connection lost; reconnecting")
	return true
}

// pause waits d, or less when history reads again after a refusal; false means ctx ended.
func (l *Listener) pause(ctx context.Context, d time.Duration) bool { return sleepOr(ctx, d, l.wake) }

// jitter spreads a wait over its second half, so that many bots dropped at once do not
// come back at once.
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2)
}

// open runs discordgo's Open, which holds the session lock with no deadline, so that
// ending ctx still ends it: closing the dialled connection fails its read.
func (l *Listener) open(ctx context.Context, gw *gatewaySession) error {
	done := make(chan error, 1)
	go func() { done <- gw.session.Open() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	// Open may dial again after a close, so close until it gives up.
	for {
		gw.closeConn()
		select {
		case err := <-done:
			return err
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// failed records why connecting failed and returns how long to wait before the next try.
func (l *Listener) failed(err error, wait time.Duration) time.Duration {
	var closeErr *websocket.CloseError
	var restErr *discordgo.RESTError
	switch {
	case errors.As(err, &closeErr) && (closeErr.Code == 4014 || closeErr.Code == 4013):
		l.setState(gateway.StateRefused, intentHelp)
		l.setContent(contentMissing)
		l.logger.Error("discord refused the message content intent", "close_code", closeErr.Code, "help", intentHelp)
		return refusedRetry
	case errors.As(err, &closeErr) && closeErr.Code == 4004,
		errors.As(err, &restErr) && restErr.Response != nil && restErr.Response.StatusCode == http.StatusUnauthorized:
		l.setState(gateway.StateRefused, tokenHelp)
		l.logger.Error("discord rejected the bot token", "help", tokenHelp)
		return refusedRetry
	}
	l.setState(gateway.StateReconnecting, "cannot reach Discord: "+err.Error())
	l.logger.Warn("discord connect failed; retrying", "error", err, "retry_in", wait)
	return wait
}

const intentHelp = "Discord refused the bot's intents (close code 4014): the Message Content Intent is off. " +
	"Open https://discord.com/developers/applications, choose your application, go to Bot, turn on " +
	"MESSAGE CONTENT INTENT under Privileged Gateway Intents and save. Nothing is skipped meanwhile: ROMS reads " +
	"every message since its place in each channel as soon as the intent is on."

const tokenHelp = "Discord rejected the bot token: in https://discord.com/developers/applications choose your " +
	"application, Bot > Reset Token, and put the new token in discord.token (or ROMS_DISCORD_TOKEN)."

// rebase sends every REST request to the configured API base: a REST proxy, or the fake
// Discord of the tests.
type rebase struct {
	base *url.URL
	next http.RoundTripper
}

func (r rebase) RoundTrip(req *http.Request) (*http.Response, error) {
	out := req.Clone(req.Context())
	out.URL.Scheme, out.URL.Host = r.base.Scheme, r.base.Host
	if p := r.base.Path; p != "" && p != "/" {
		out.URL.Path = path(p, req.URL.Path)
		out.URL.RawPath = ""
	}
	out.Host = r.base.Host
	return r.next.RoundTrip(out)
}

func path(prefix, p string) string {
	if prefix[len(prefix)-1] == '/' {
		prefix = prefix[:len(prefix)-1]
	}
	return prefix + p
}

func sleep(ctx context.Context, d time.Duration) bool { return sleepOr(ctx, d, nil) }

// sleepOr waits d, or less when wake fires; false means ctx ended.
func sleepOr(ctx context.Context, d time.Duration, wake <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
	case <-wake:
	}
	return true
}

func (l *Listener) setState(state, detail string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.state, l.detail = state, detail
}
