package fakediscord

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// Gateway opcodes.
const (
	opDispatch       = 0
	opHeartbeat      = 1
	opIdentify       = 2
	opResume         = 6
	opReconnect      = 7
	opInvalidSession = 9
	opHello          = 10
	opHeartbeatAck   = 11
)

// session is the bot's gateway session. It outlives connections: a RESUME on a new
// connection replays the events the old one missed.
type session struct {
	id      string
	seq     int64
	events  []event
	conn    *conn // nil while the bot is disconnected
	invalid bool
	content bool // the IDENTIFY asked for the message content intent, and the app has it
}

type event struct {
	seq  int64
	typ  string
	data json.RawMessage
}

// conn is one websocket; gorilla allows one writer at a time.
type conn struct {
	ws         *websocket.Conn
	wmu        sync.Mutex
	noAcks     atomic.Bool // heartbeats go unanswered, as on a half-dead connection
	handshakes int         // IDENTIFYs and RESUMEs on this connection; read loop only
	hello      time.Time
	heartbeats int
}

func (c *conn) send(op int, d any, seq int64, typ string) error {
	payload := map[string]any{"op": op, "d": d}
	if op == opDispatch {
		payload["s"], payload["t"] = seq, typ
	}
	raw, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, raw)
}

func (c *conn) close(code int, reason string) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
	c.ws.Close()
}

// serveGateway speaks the gateway protocol on one websocket: HELLO, then IDENTIFY or
// RESUME, then heartbeats until the connection ends. resume is the resume_gateway_url's
// listener, where only RESUMEs are taken.
func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request, resume bool) {
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &conn{ws: ws, hello: time.Now()}
	// The session ends before the close is answered, so a bot that saw the answer and
	// resumes at once finds it ended, as on Discord (not a race with the read below).
	ws.SetCloseHandler(func(code int, text string) error {
		s.closedBy(c, &websocket.CloseError{Code: code, Text: text})
		c.wmu.Lock()
		defer c.wmu.Unlock()
		_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, ""), time.Now().Add(time.Second))
		return nil
	})
	s.mu.Lock()
	s.conns[c] = true
	s.connections = append(s.connections, c.hello)
	stall, interval := s.stallHello, s.heartbeatInterval
	s.mu.Unlock()
	defer s.forget(c)

	if !stall {
		if err := c.send(opHello, map[string]any{"heartbeat_interval": interval.Milliseconds()}, 0, ""); err != nil {
			return
		}
	}
	for {
		_, raw, err := ws.ReadMessage()
		if err != nil {
			s.closedBy(c, err)
			return
		}
		var p struct {
			Op int             `json:"op"`
			D  json.RawMessage `json:"d"`
		}
		if json.Unmarshal(raw, &p) != nil || stall {
			continue
		}
		switch p.Op {
		case opHeartbeat:
			if !s.heartbeat(c, interval) {
				return
			}
		case opIdentify, opResume:
			if !s.handshake(c, p.Op, p.D, resume) {
				return
			}
		}
	}
}

// closedBy ends the session when the bot closed with 1000 or 1001: Discord invalidates
// it then (https://discord.com/developers/docs/events/gateway#initiating-a-disconnect).
func (s *Server) closedBy(c *conn, err error) {
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || (ce.Code != websocket.CloseNormalClosure && ce.Code != websocket.CloseGoingAway) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.session != nil && s.session.conn == c {
		s.debugf("bot closed with %d: session %s invalidated", ce.Code, s.session.id)
		s.session.invalid = true
	}
}

func (s *Server) heartbeat(c *conn, interval time.Duration) bool {
	c.heartbeats++
	if c.heartbeats == 1 && time.Since(c.hello) > interval+time.Second {
		s.mu.Lock()
		s.violation("first heartbeat %v after HELLO, past heartbeat_interval (%v)", time.Since(c.hello).Round(time.Millisecond), interval)
		s.mu.Unlock()
	}
	if c.noAcks.Load() {
		return true
	}
	return c.send(opHeartbeatAck, nil, 0, "") == nil
}

// handshake takes one IDENTIFY or RESUME: one per connection, as after op 9 the docs ask
// for a new connection (https://discord.com/developers/docs/events/gateway#resuming).
func (s *Server) handshake(c *conn, op int, d json.RawMessage, resume bool) bool {
	c.handshakes++
	if c.handshakes > 1 {
		s.mu.Lock()
		s.violation("a second IDENTIFY or RESUME on one connection: after op 9 the bot must reconnect")
		s.mu.Unlock()
		c.close(4005, "Already authenticated.")
		return false
	}
	ok := true
	if op == opResume {
		s.resumeSession(c, d, resume)
	} else {
		ok = s.identify(c, d, resume)
	}
	s.mu.Lock()
	flap := s.flap
	s.mu.Unlock()
	if ok && flap {
		c.ws.UnderlyingConn().Close()
		return false
	}
	return ok
}

func (s *Server) forget(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
	if s.session != nil && s.session.conn == c {
		s.session.conn = nil
	}
	c.ws.Close()
}

// identifyData is what the fake checks of an IDENTIFY
// (https://discord.com/developers/docs/events/gateway-events#identify).
type identifyData struct {
	Token          string                     `json:"token"`
	Intents        int                        `json:"intents"`
	Properties     map[string]json.RawMessage `json:"properties"`
	Presence       map[string]json.RawMessage `json:"presence"`
	LargeThreshold *int                       `json:"large_threshold"`
}

func (s *Server) identify(c *conn, d json.RawMessage, onResumeURL bool) bool {
	var id identifyData
	_ = json.Unmarshal(d, &id)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.identifies = append(s.identifies, id.Intents)
	s.checkIdentify(id, onResumeURL)
	switch {
	case id.Token != "Bot "+s.Token:
		c.close(4004, "Authentication failed.")
		return false
	case id.Intents&int(discordgo.IntentsMessageContent) != 0 && !s.contentIntent:
		c.close(4014, "Disallowed intent(s).")
		return false
	case s.startLimit.Remaining <= 0:
		s.violation("IDENTIFY with no new sessions left today: Discord resets the token")
		c.close(4004, "Authentication failed.")
		return false
	case !s.lastIdentify.IsZero() && time.Since(s.lastIdentify) < s.identifyWindow:
		// Over max_concurrency: op 9 (https://discord.com/developers/docs/events/gateway#rate-limiting).
		s.lastIdentify = time.Now()
		_ = c.send(opInvalidSession, false, 0, "")
		return true
	}
	s.lastIdentify = time.Now()
	s.startLimit.Remaining--
	s.session = &session{id: fmt.Sprintf("fake-session-%d", len(s.identifies)), conn: c,
		content: id.Intents&int(discordgo.IntentsMessageContent) != 0}
	s.dispatch("READY", map[string]any{
		"v":                  9,
		"session_id":         s.session.id,
		"user":               botUser(),
		"application":        map[string]any{"id": AppID, "flags": 0},
		"guilds":             []map[string]any{{"id": GuildID, "unavailable": true}},
		"resume_gateway_url": "ws://" + s.resume.Listener.Addr().String(),
	})
	return true
}

// checkIdentify records what an IDENTIFY does against the docs. Callers hold s.mu.
func (s *Server) checkIdentify(id identifyData, onResumeURL bool) {
	if onResumeURL {
		s.violation("IDENTIFY on resume_gateway_url: a new session connects to the URL of GET /gateway")
	}
	for _, key := range []string{"os", "browser", "device"} {
		if _, ok := id.Properties[key]; !ok {
			s.violation("IDENTIFY properties lack %q (got %v)", key, keys(id.Properties))
		}
	}
	if id.Presence != nil {
		if _, legacy := id.Presence["game"]; legacy {
			s.violation("IDENTIFY presence has the legacy game object")
		}
		var status string
		_ = json.Unmarshal(id.Presence["status"], &status)
		if status != "online" && status != "dnd" && status != "idle" && status != "invisible" && status != "offline" {
			s.violation("IDENTIFY presence status %q", status)
		}
	}
	if t := id.LargeThreshold; t != nil && (*t < 50 || *t > 250) {
		s.violation("IDENTIFY large_threshold %d outside 50-250", *t)
	}
}

func keys(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func (s *Server) resumeSession(c *conn, d json.RawMessage, onResumeURL bool) {
	var r struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
		Seq       int64  `json:"seq"`
	}
	_ = json.Unmarshal(d, &r)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !onResumeURL {
		// Discord: disconnects "at a higher rate than normal"; the strict fake refuses.
		s.violation("RESUME not on resume_gateway_url (https://discord.com/developers/docs/events/gateway#preparing-to-resume)")
	}
	if !onResumeURL || s.session == nil || s.session.invalid || s.session.id != r.SessionID || r.Token != "Bot "+s.Token {
		// Events of a lost session are gone for good, as on Discord.
		s.session = nil
		_ = c.send(opInvalidSession, false, 0, "")
		return
	}
	s.resumes++
	s.session.conn = c
	for _, e := range s.session.events {
		if e.seq > r.Seq {
			_ = c.send(opDispatch, e.data, e.seq, e.typ)
		}
	}
	s.session.seq++
	_ = c.send(opDispatch, map[string]any{}, s.session.seq, "RESUMED")
}

// forSession is a message as the session may see it. Callers hold s.mu.
func (s *Server) forSession(m *discordgo.Message) *discordgo.Message {
	if s.session != nil && s.session.content && s.contentIntent {
		return m
	}
	return blanked(m)
}

// dispatch sends an event to the bot's session, or keeps it for a RESUME while the bot is
// disconnected. Callers hold s.mu.
func (s *Server) dispatch(typ string, v any) {
	if s.session == nil || s.session.invalid {
		return
	}
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	s.session.seq++
	e := event{seq: s.session.seq, typ: typ, data: data}
	s.session.events = append(s.session.events, e)
	if c := s.session.conn; c != nil {
		if err := c.send(opDispatch, e.data, e.seq, e.typ); err != nil {
			s.debugf("dispatch %s: %v", typ, err)
			s.session.conn = nil
		}
	}
}

func botUser() *discordgo.User {
	return &discordgo.User{ID: BotID, Username: "ROMS", Discriminator: "0000", Bot: true}
}
