package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/roms-dev/roms/internal/gateway"
)

// gatewaySession is one gateway session, from its IDENTIFY to the resume Discord refuses. Each
// IDENTIFY gets a discordgo session of its own: discordgo keeps an old session's id and
// would only ever try to resume it.
type gatewaySession struct {
	session *discordgo.Session

	mu        sync.Mutex
	id        string // session_id of READY; empty before it
	resumeURL string // resume_gateway_url of READY
	invalid   bool   // Discord would not resume it, or it was never made
	conn      *gatewayConn
}

// errReroute ends a dial to the wrong address for a resume. discordgo then forgets the
// URL it dialled and asks for it again, and gatewayLookup answers with the resume URL:
// the only way into the URL discordgo v0.28.1 dials.
var errReroute = errors.New("resume on the session's resume_gateway_url")

// prepare returns the session to open: the current one while it can be resumed, or else
// a new one, once Discord's limits on new sessions allow an IDENTIFY.
func (l *Listener) prepare(ctx context.Context) (*gatewaySession, error) {
	l.mu.Lock()
	gw := l.gw
	l.mu.Unlock()
	if gw != nil && gw.resumable() {
		return gw, nil
	}
	var info *discordgo.GatewayBotResponse
	for {
		var err error
		if info, err = l.rest.GatewayBot(discordgo.WithContext(ctx)); err != nil {
			return nil, fmt.Errorf("ask Discord where to connect: %w", err)
		}
		delay, why := l.identifyDelay(time.Now(), info.SessionStartLimit)
		if why != "" {
			l.setState(gateway.StateReconnecting, why)
			l.logger.Warn("discord new sessions are running out", "detail", why, "wait", delay.Round(time.Second))
		}
		if delay > 0 && !sleep(ctx, delay) {
			return nil, ctx.Err()
		}
		if lim := info.SessionStartLimit; lim.Total == 0 || lim.Remaining > 0 {
			break
		}
		// The allowance was spent: ask again after its reset rather than trust the clock.
	}
	gw = l.newGateway()
	l.mu.Lock()
	l.gw, l.gatewayURL = gw, info.URL
	l.mu.Unlock()
	return gw, nil
}

func (l *Listener) newGateway() *gatewaySession {
	s, _ := discordgo.New("Bot " + l.cfg.Token) // New fails on nothing it is given here
	gw := &gatewaySession{session: s}
	s.Identify.Intents = Intents
	// Run reconnects: discordgo's own loop cannot be stopped, and would go on dialling
	// after shutdown.
	s.ShouldReconnectOnError = false
	// discordgo logs its errors with the standard logger, a reroute to the resume URL
	// among them; the listener logs what matters with slog.
	s.LogLevel = discordgo.LogError - 1
	s.Client = &http.Client{Timeout: 30 * time.Second, Transport: gatewayLookup{l: l, gw: gw, next: l.rest.Client.Transport}}
	s.Dialer = &websocket.Dialer{HandshakeTimeout: 15 * time.Second, Proxy: http.ProxyFromEnvironment,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return l.dial(ctx, gw, network, addr)
		}}
	l.addHandlers(gw)
	return gw
}

func (gw *gatewaySession) ready(id, resumeURL string) {
	gw.mu.Lock()
	defer gw.mu.Unlock()
	gw.id, gw.resumeURL, gw.invalid = id, resumeURL, false
}

func (gw *gatewaySession) resumable() bool {
	gw.mu.Lock()
	defer gw.mu.Unlock()
	return gw.id != "" && !gw.invalid
}

func (gw *gatewaySession) invalidate() {
	gw.mu.Lock()
	defer gw.mu.Unlock()
	gw.invalid = true
}

// resumeTarget is the URL a resume must dial, or "" when there is none to resume.
func (gw *gatewaySession) resumeTarget() string {
	if !gw.resumable() {
		return ""
	}
	gw.mu.Lock()
	defer gw.mu.Unlock()
	return gw.resumeURL
}

// hostPort is where gorilla's dialer connects for a websocket URL ("" for none).
func hostPort(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	if u.Port() != "" {
		return u.Host
	}
	if u.Scheme == "ws" || u.Scheme == "http" {
		return u.Host + ":80"
	}
	return u.Host + ":443"
}

func (gw *gatewaySession) closeConn() {
	gw.mu.Lock()
	c := gw.conn
	gw.mu.Unlock()
	if c != nil {
		c.Conn.Close()
	}
}

// connectURL is what a gateway lookup of gw answers: its resume URL while it can be
// resumed, the URL of GET /gateway/bot for a new session.
func (l *Listener) connectURL(gw *gatewaySession) string {
	if resume := gw.resumeTarget(); resume != "" {
		return resume
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.gatewayURL
}

// gatewayLookup answers discordgo's GET /gateway itself, so that it dials where the docs
// say: resume_gateway_url to resume, the cached URL to identify
// (https://discord.com/developers/docs/events/gateway#preparing-to-resume).
type gatewayLookup struct {
	l    *Listener
	gw   *gatewaySession
	next http.RoundTripper
}

func (g gatewayLookup) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet || !strings.HasSuffix(req.URL.Path, "/gateway") {
		return g.next.RoundTrip(req)
	}
	u := g.l.connectURL(g.gw)
	if u == "" {
		return g.next.RoundTrip(req)
	}
	body, _ := json.Marshal(map[string]string{"url": u}) // a string always encodes
	return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(string(body))),
		ContentLength: int64(len(body)), Request: req}, nil
}

// dial opens a gateway connection, or refuses one to the wrong address for a resume.
func (l *Listener) dial(ctx context.Context, gw *gatewaySession, network, addr string) (net.Conn, error) {
	if want := hostPort(gw.resumeTarget()); want != "" && addr != want {
		return nil, errReroute
	}
	c, err := (&net.Dialer{Timeout: 15 * time.Second}).DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	gc := newGatewayConn(c, l, gw)
	gw.mu.Lock()
	gw.conn = gc
	gw.mu.Unlock()
	return gc, nil
}

func (l *Listener) isEnding() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ending
}

// invalidated follows a handshake Discord refused with op 9: the next connection is a new
// session, after the 1 to 5 seconds the docs ask for
// (https://discord.com/developers/docs/events/gateway-events#invalid-session).
func (l *Listener) invalidated(gw *gatewaySession) {
	gw.invalidate()
	l.mu.Lock()
	l.invalidAt = time.Now()
	l.mu.Unlock()
	l.logger.Warn("discord invalidated the session; starting a new one")
}
