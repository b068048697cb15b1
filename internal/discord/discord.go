// Package discord is the gateway listener: it joins the user's Discord server, reads the
// checkout embeds in the watched channels, live and from history after an outage, and
// hands their text to the orders service. It does no parsing or storing of its own.
package discord

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/roms-dev/roms/internal/orders"
)

// Gateway states, as /health reports them.
const (
	StateConnecting   = orders.StateConnecting
	StateConnected    = orders.StateConnected
	StateReconnecting = orders.StateReconnecting
	StateRefused      = orders.StateRefused
)

const (
	// defaultIdleTimeout ends a gateway connection that has been silent this long. Discord
	// acknowledges a heartbeat every 41 seconds, so only a dead connection or a stalled
	// handshake is this quiet.
	defaultIdleTimeout = 2 * time.Minute
	retryMin           = 250 * time.Millisecond
	retryMax           = time.Minute
	// refusedRetry is how often a refused bot tries again, in case the user fixed the
	// setting in the developer portal meanwhile.
	refusedRetry = 5 * time.Minute
	// syncEvery is how often history is read after each channel's cursor even without a
	// reconnect: it moves the cursors on and fills any gap live events left.
	syncEvery = 30 * time.Second
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
	// IdleTimeout overrides defaultIdleTimeout (tests use a short one).
	IdleTimeout time.Duration
	// Interactions answers slash commands; nil registers none.
	Interactions Interactions
	// GuildIDs are the servers to register commands in (at once); empty registers them
	// globally (Discord can take up to an hour to show them).
	GuildIDs []string
	// DeferAfter overrides defaultDeferAfter (tests use a short one).
	DeferAfter time.Duration
}

// Orders is what the listener needs of the orders service: somewhere to send checkout
// messages, and to keep how far history has been read in each channel.
type Orders interface {
	Ingest(ctx context.Context, in orders.Input) (orders.Result, error)
	Position(ctx context.Context, name string) (string, error)
	Advance(ctx context.Context, name, pos string) error
}

// Listener is one bot connection to Discord.
type Listener struct {
	cfg      Config
	session  *discordgo.Session
	orders   Orders
	logger   *slog.Logger
	channels map[string]bool
	authors  map[string]bool

	ctx          context.Context // Run's; handlers run on discordgo's goroutines
	disconnected chan struct{}
	syncNow      chan struct{}
	reactions    chan reaction
	inflight     sync.WaitGroup

	mu         sync.Mutex
	state      string
	detail     string
	lastEvent  time.Time
	botID      string
	dialed     net.Conn
	registered bool
	reconnects int
}

// New prepares a listener; Run connects it.
func New(cfg Config, svc Orders, logger *slog.Logger) (*Listener, error) {
	base, err := url.Parse(cfg.APIURL)
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("discord api url %q: not a URL", cfg.APIURL)
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = defaultIdleTimeout
	}
	if cfg.DeferAfter == 0 {
		cfg.DeferAfter = defaultDeferAfter
	}
	s, err := discordgo.New("Bot " + cfg.Token)
	if err != nil {
		return nil, fmt.Errorf("discord session: %w", err)
	}
	l := &Listener{
		cfg: cfg, session: s, orders: svc, logger: logger,
		channels: set(cfg.Channels), authors: set(cfg.AllowedAuthors),
		disconnected: make(chan struct{}, 1), syncNow: make(chan struct{}, 1),
		reactions: make(chan reaction, 1000), state: StateConnecting, ctx: context.Background(),
	}
	s.Identify.Intents = Intents
	// Our Run loop reconnects: discordgo's own loop cannot be stopped, and would go on
	// dialling after shutdown.
	s.ShouldReconnectOnError = false
	s.Client = &http.Client{Timeout: 30 * time.Second, Transport: rebase{base: base, next: http.DefaultTransport}}
	s.Dialer = &websocket.Dialer{HandshakeTimeout: 15 * time.Second, Proxy: http.ProxyFromEnvironment, NetDialContext: l.dial}
	l.addHandlers()
	return l, nil
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
	background.Go(func() { l.syncLoop(ctx) })
	defer func() {
		l.session.Close()
		l.inflight.Wait()
		background.Wait()
	}()

	wait := retryMin
	for {
		err := l.open(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil && !errors.Is(err, discordgo.ErrWSAlreadyOpen) {
			retry := l.failed(err, wait)
			if !sleep(ctx, retry) {
				return nil
			}
			wait = min(2*wait, retryMax)
			continue
		}
		wait = retryMin
		select {
		case <-ctx.Done():
			return nil
		case <-l.disconnected:
			l.mu.Lock()
			l.reconnects++
			l.mu.Unlock()
			l.setState(StateReconnecting, "connection to Discord lost; reconnecting")
			l.logger.Warn("discord connection lost; reconnecting")
			if !sleep(ctx, retryMin) {
				return nil
			}
		}
	}
}

// open runs discordgo's Open, which holds the session lock with no deadline, so that
// ending ctx still ends it: closing the dialled connection fails its read.
func (l *Listener) open(ctx context.Context) error {
	done := make(chan error, 1)
	go func() { done <- l.session.Open() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	// Open may dial again after a close, so close until it gives up.
	for {
		l.mu.Lock()
		if l.dialed != nil {
			l.dialed.Close()
		}
		l.mu.Unlock()
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
		l.setState(StateRefused, intentHelp)
		l.logger.Error("discord refused the message content intent", "close_code", closeErr.Code, "help", intentHelp)
		return refusedRetry
	case errors.As(err, &closeErr) && closeErr.Code == 4004,
		errors.As(err, &restErr) && restErr.Response != nil && restErr.Response.StatusCode == http.StatusUnauthorized:
		l.setState(StateRefused, tokenHelp)
		l.logger.Error("discord rejected the bot token", "help", tokenHelp)
		return refusedRetry
	}
	l.setState(StateReconnecting, "cannot reach Discord: "+err.Error())
	l.logger.Warn("discord connect failed; retrying", "error", err, "retry_in", wait)
	return wait
}

const intentHelp = "Discord refused the bot's intents (close code 4014): the Message Content Intent is off. " +
	"Open https://discord.com/developers/applications, choose your application, go to Bot, turn on " +
	"MESSAGE CONTENT INTENT under Privileged Gateway Intents and save. ROMS tries again every 5 minutes."

const tokenHelp = "Discord rejected the bot token: in https://discord.com/developers/applications choose your " +
	"application, Bot > Reset Token, and put the new token in discord.token (or ROMS_DISCORD_TOKEN)."

// dial opens gateway connections whose every read gives up after the idle timeout, so a
// stalled handshake or a dead connection cannot hang the bot.
func (l *Listener) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := (&net.Dialer{Timeout: 15 * time.Second}).DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	ic := &idleConn{Conn: c, idle: l.cfg.IdleTimeout}
	l.mu.Lock()
	l.dialed = ic
	l.mu.Unlock()
	return ic, nil
}

type idleConn struct {
	net.Conn
	idle time.Duration
}

func (c *idleConn) Read(b []byte) (int, error) {
	if err := c.Conn.SetReadDeadline(time.Now().Add(c.idle)); err != nil {
		return 0, err
	}
	return c.Conn.Read(b)
}

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

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func (l *Listener) setState(state, detail string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.state, l.detail = state, detail
}
