package fakediscord

import (
	"encoding/json"
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
}

type event struct {
	seq  int64
	typ  string
	data json.RawMessage
}

// conn is one websocket; gorilla allows one writer at a time.
type conn struct {
	ws     *websocket.Conn
	wmu    sync.Mutex
	noAcks atomic.Bool // heartbeats go unanswered, as on a half-dead connection
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
// RESUME, then heartbeats until the connection ends.
func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &conn{ws: ws}
	s.mu.Lock()
	s.conns[c] = true
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
			if c.noAcks.Load() {
				continue
			}
			if c.send(opHeartbeatAck, nil, 0, "") != nil {
				return
			}
		case opIdentify:
			if !s.identify(c, p.D) {
				return
			}
		case opResume:
			s.resume(c, p.D)
		}
	}
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

func (s *Server) identify(c *conn, d json.RawMessage) bool {
	var id struct {
		Token   string `json:"token"`
		Intents int    `json:"intents"`
	}
	_ = json.Unmarshal(d, &id)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.identifies = append(s.identifies, id.Intents)
	switch {
	case id.Token != "Bot "+s.Token:
		c.close(4004, "Authentication failed.")
		return false
	case s.refuseIntents:
		c.close(4014, "Disallowed intent(s).")
		return false
	}
	s.session = &session{id: fmt.Sprintf("fake-session-%d", len(s.identifies)), conn: c}
	s.dispatch("READY", map[string]any{
		"v":                  9,
		"session_id":         s.session.id,
		"user":               botUser(),
		"application":        map[string]any{"id": AppID, "flags": 0},
		"guilds":             []map[string]any{{"id": GuildID, "unavailable": true}},
		"resume_gateway_url": "ws://" + s.http.Listener.Addr().String() + "/gateway",
	})
	return true
}

func (s *Server) resume(c *conn, d json.RawMessage) {
	var r struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
		Seq       int64  `json:"seq"`
	}
	_ = json.Unmarshal(d, &r)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.session == nil || s.session.invalid || s.session.id != r.SessionID || r.Token != "Bot "+s.Token {
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
