// Package fakediscord is a small Discord for tests. It serves the REST API and the gateway
// on loopback and speaks their real protocols, so the real discordgo client connects to it
// through discord.api_url. Tests post messages, drop connections and inject faults through
// its methods, then check what the bot did.
package fakediscord

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// Ids of the fake's fixed objects.
const (
	GuildID = "1280000000000000001"
	AppID   = "1400000000000000001"
	BotID   = AppID
)

// discordEpoch is where Discord ids start counting milliseconds.
const discordEpoch = 1420070400000

// Server is one fake Discord.
type Server struct {
	// URL is the base to give the bot as discord.api_url.
	URL string
	// Token is the bot token it accepts; clients send "Bot " + Token.
	Token string

	http     *httptest.Server
	upgrader websocket.Upgrader
	logf     func(string, ...any)

	mu                sync.Mutex
	lastID            uint64
	history           map[string][]*discordgo.Message // channel id -> messages, oldest first
	reactions         []Reaction
	interactions      []Call
	commands          map[string][]*discordgo.ApplicationCommand
	session           *session
	conns             map[*conn]bool
	identifies        []int // intents of each IDENTIFY
	resumes           int
	heartbeatInterval time.Duration
	refuseIntents     bool
	stallHello        bool
	faults            []*fault
	requests          map[string]int // "METHOD path" -> count
	attachments       map[string][]byte
}

// Reaction is one reaction the bot added.
type Reaction struct {
	ChannelID, MessageID, Emoji string
}

// Call is one interaction callback, follow-up or original-response edit the bot sent.
type Call struct {
	Kind  string // "callback", "followup" or "edit"
	Token string
	Body  json.RawMessage
	Files map[string][]byte // attached files by name
}

// Start runs a fake Discord until the test ends.
func Start(t testing.TB) *Server {
	s := New(t.Logf)
	t.Cleanup(s.Close)
	return s
}

// New runs a fake Discord until Close, outside a test (the bench), logging with logf.
func New(logf func(string, ...any)) *Server {
	s := &Server{
		Token:             "fake-bot-token",
		logf:              logf,
		history:           map[string][]*discordgo.Message{},
		commands:          map[string][]*discordgo.ApplicationCommand{},
		conns:             map[*conn]bool{},
		requests:          map[string]int{},
		attachments:       map[string][]byte{},
		heartbeatInterval: time.Second,
	}
	// Set before it serves, so that handlers reading s.http do not race with Start.
	s.http = httptest.NewUnstartedServer(s.routes())
	s.http.Start()
	s.URL = s.http.URL
	return s
}

// Close drops every connection and stops the server.
func (s *Server) Close() {
	s.mu.Lock()
	for c := range s.conns {
		c.ws.Close()
	}
	s.mu.Unlock()
	s.http.CloseClientConnections()
	s.http.Close()
}

// NewID returns a fresh Discord id whose timestamp is at.
func (s *Server) NewID(at time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newID(at)
}

func (s *Server) newID(at time.Time) string {
	id := uint64(at.UnixMilli()-discordEpoch) << 22
	if id <= s.lastID {
		id = s.lastID + 1
	}
	s.lastID = id
	return strconv.FormatUint(id, 10)
}

// Post adds a message to a channel's history and dispatches MESSAGE_CREATE. Id, channel,
// guild and timestamp are filled in when empty. It returns the stored message.
func (s *Server) Post(channelID string, m discordgo.Message) *discordgo.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.Timestamp.IsZero() {
		m.Timestamp = time.Now().UTC()
	}
	if m.ID == "" {
		m.ID = s.newID(m.Timestamp)
	}
	m.ChannelID, m.GuildID = channelID, GuildID
	stored := m
	s.history[channelID] = append(s.history[channelID], &stored)
	slices.SortFunc(s.history[channelID], func(a, b *discordgo.Message) int { return compareIDs(a.ID, b.ID) })
	s.dispatch("MESSAGE_CREATE", &stored)
	return &stored
}

// Edit changes a stored message and dispatches MESSAGE_UPDATE, as Discord does when its
// author edits it.
func (s *Server) Edit(channelID, messageID string, change func(*discordgo.Message)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.history[channelID] {
		if m.ID == messageID {
			change(m)
			edited := time.Now().UTC()
			m.EditedTimestamp = &edited
			s.dispatch("MESSAGE_UPDATE", m)
			return
		}
	}
	panic("fakediscord: edit of unknown message " + messageID)
}

// DispatchInteraction sends INTERACTION_CREATE, as when a user runs a slash command.
func (s *Server) DispatchInteraction(i *discordgo.Interaction) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i.AppID == "" {
		i.AppID = AppID
	}
	s.dispatch("INTERACTION_CREATE", i)
}

// Attach keeps a file as Discord's CDN would for an upload, and returns the attachment a
// message or a command option refers to; its URL serves the content.
func (s *Server) Attach(channelID, name string, content []byte) *discordgo.MessageAttachment {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.newID(time.Now())
	s.attachments[id] = content
	return &discordgo.MessageAttachment{ID: id, Filename: name, Size: len(content),
		URL: s.URL + "/attachments/" + channelID + "/" + id + "/" + name}
}

// Reactions returns the reactions the bot added, in order.
func (s *Server) Reactions() []Reaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reactions)
}

// Interactions returns the interaction answers the bot sent, in order.
func (s *Server) Interactions() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.interactions)
}

// Commands returns the application commands registered for a scope: "global" or a guild
// id.
func (s *Server) Commands(scope string) []*discordgo.ApplicationCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.commands[scope])
}

// Identifies returns the intents sent with each IDENTIFY so far.
func (s *Server) Identifies() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.identifies)
}

// Resumes counts the RESUMEs the gateway accepted.
func (s *Server) Resumes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.resumes
}

// Requests counts REST requests whose "METHOD path" starts with prefix.
func (s *Server) Requests(prefix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, v := range s.requests {
		if strings.HasPrefix(k, prefix) {
			n += v
		}
	}
	return n
}

// Connected reports whether the bot has a live, identified gateway connection.
func (s *Server) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.session != nil && s.session.conn != nil
}

// SetHeartbeatInterval changes the interval HELLO announces to new connections.
func (s *Server) SetHeartbeatInterval(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.heartbeatInterval = d
}

// RefuseIntents makes IDENTIFY fail with close code 4014, as Discord does when the
// message content intent is not enabled in the developer portal.
func (s *Server) RefuseIntents(refuse bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuseIntents = refuse
}

// StallHandshake makes new gateway connections wait for ever instead of sending HELLO.
func (s *Server) StallHandshake(stall bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stallHello = stall
}

// StallHeartbeats stops answering the heartbeats of the bot's current connection, as a
// connection that died without closing behaves. A new connection is answered again.
func (s *Server) StallHeartbeats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.session != nil && s.session.conn != nil {
		s.session.conn.noAcks.Store(true)
	}
}

// DropConnection cuts the bot's gateway connection without a close frame, as a network
// failure does. The session stays resumable: events meanwhile are replayed on RESUME.
func (s *Server) DropConnection() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.session != nil && s.session.conn != nil {
		s.session.conn.ws.UnderlyingConn().Close()
		s.session.conn = nil
	}
}

// SendReconnect asks the bot to reconnect (op 7).
func (s *Server) SendReconnect() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.session != nil && s.session.conn != nil {
		s.session.conn.send(opReconnect, nil, 0, "")
	}
}

// InvalidateSession makes the next RESUME fail with op 9, so the bot must identify anew
// and events of the old session are lost, as on Discord.
func (s *Server) InvalidateSession() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.session != nil {
		s.session.invalid = true
	}
}

// fault answers matching REST requests with an error status a number of times.
type fault struct {
	method, prefix string
	status         int
	retryAfter     time.Duration
	times          int
}

// FailREST answers the next times requests of method to paths starting with prefix with
// status. Paths are as Discord's, for example /api/v9/channels/123/messages.
func (s *Server) FailREST(method, prefix string, status, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{method: method, prefix: prefix, status: status, times: times})
}

// RateLimit answers the next times matching requests with 429 and a Retry-After.
func (s *Server) RateLimit(method, prefix string, retryAfter time.Duration, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{method: method, prefix: prefix, status: http.StatusTooManyRequests, retryAfter: retryAfter, times: times})
}

func compareIDs(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

func (s *Server) debugf(format string, args ...any) {
	s.logf("fakediscord: "+format, args...)
}
