// Package fakediscord is a small Discord for tests. It serves the REST API and the gateway
// on loopback and speaks their real protocols, so the real discordgo client connects to it
// through discord.api_url. Tests post messages, drop connections and inject faults through
// its methods, then check what the bot did.
package fakediscord

import (
	"encoding/json"
	"fmt"
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
	resume   *httptest.Server // resume_gateway_url: a host of its own, as on Discord
	upgrader websocket.Upgrader
	logf     func(string, ...any)

	mu                sync.Mutex
	lastID            uint64
	history           map[string][]*discordgo.Message // channel id -> messages, oldest first
	reactions         []Reaction
	interactions      []Call
	commands          map[string][]storedCommand
	session           *session
	conns             map[*conn]bool
	identifies        []int // intents of each IDENTIFY
	resumes           int
	heartbeatInterval time.Duration
	contentIntent     bool // the app's Message Content Intent, as set in the developer portal
	stallHello        bool
	faults            []*fault
	requests          map[string]int // "METHOD path" -> count
	attachments       map[string][]byte
	tokens            map[string]*interaction // interaction token -> its state
	clock             time.Duration           // added to the time, to expire tokens in a test
	identifyWindow    time.Duration           // one IDENTIFY per window (max_concurrency 1)
	lastIdentify      time.Time
	startLimit        sessionStartLimit
	buckets           map[string]*bucket
	violations        []string
	flap              bool                          // drop each connection once its handshake is done
	connections       []time.Time                   // when each gateway connection was accepted
	nonces            map[string]*discordgo.Message // channel + nonce -> the message it made, for enforce_nonce
	dmChannels        map[string]string             // user id -> their DM channel with the bot
	deleted           map[string]int                // channel id -> messages the bot deleted there
	routeLimits       map[string]routeLimit         // "METHOD path" prefix -> its own rate limit
}

type routeLimit struct {
	limit  int
	window time.Duration
}

// interaction is one dispatched interaction and what the bot answered so far.
type interaction struct {
	id, appID string
	typ       discordgo.InteractionType
	at        time.Time
	answered  bool
}

// sessionStartLimit is what GET /gateway/bot says of new sessions
// (https://discord.com/developers/docs/events/gateway#session-start-limit-object).
type sessionStartLimit struct {
	Total          int `json:"total"`
	Remaining      int `json:"remaining"`
	ResetAfter     int `json:"reset_after"`
	MaxConcurrency int `json:"max_concurrency"`
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

// Start runs a fake Discord until the test ends. The test fails if the bot did anything
// Discord refuses or documents against (Violations), unless the test took them.
func Start(t testing.TB) *Server {
	s := New(t.Logf)
	t.Cleanup(func() {
		s.Close()
		for _, v := range s.TakeViolations() {
			t.Errorf("fakediscord: the bot broke a documented rule: %s", v)
		}
	})
	return s
}

// New runs a fake Discord until Close, outside a test (the bench), logging with logf.
func New(logf func(string, ...any)) *Server {
	s := &Server{
		Token:         "fake-bot-token",
		logf:          logf,
		history:       map[string][]*discordgo.Message{},
		nonces:        map[string]*discordgo.Message{},
		dmChannels:    map[string]string{},
		deleted:       map[string]int{},
		routeLimits:   map[string]routeLimit{},
		commands:      map[string][]storedCommand{},
		conns:         map[*conn]bool{},
		requests:      map[string]int{},
		attachments:   map[string][]byte{},
		tokens:        map[string]*interaction{},
		buckets:       map[string]*bucket{},
		contentIntent: true,
		// Discord's interval (https://discord.com/developers/docs/events/gateway#hello-event);
		// tests that need heartbeats to matter set a shorter one.
		heartbeatInterval: 41250 * time.Millisecond,
		identifyWindow:    5 * time.Second,
		startLimit:        sessionStartLimit{Total: 1000, Remaining: 1000, ResetAfter: 24 * 3600 * 1000, MaxConcurrency: 1},
	}
	// Set before they serve, so that handlers reading s.http do not race with Start.
	s.http = httptest.NewUnstartedServer(s.routes())
	s.resume = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.serveGateway(w, r, true)
	}))
	s.http.Start()
	s.resume.Start()
	s.URL = s.http.URL
	return s
}

// violation records something the bot did that Discord refuses or documents against.
// Callers hold s.mu.
func (s *Server) violation(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.debugf("violation: %s", msg)
	s.violations = append(s.violations, msg)
}

// TakeViolations returns the documented rules the bot broke so far, and forgets them.
func (s *Server) TakeViolations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.violations
	s.violations = nil
	return v
}

// now is the fake's time: the real one, moved on by AdvanceClock.
func (s *Server) now() time.Time { return time.Now().Add(s.clock) }

// AdvanceClock moves the fake's time on, so that interaction tokens expire in a test.
func (s *Server) AdvanceClock(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock += d
}

// FlapConnections makes the gateway drop each connection (no close frame, the session
// stays resumable) just after READY or RESUMED, as a flapping link does.
func (s *Server) FlapConnections(flap bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flap = flap
}

// Connections returns when each gateway connection was accepted, in order.
func (s *Server) Connections() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.connections)
}

// SetIdentifyWindow changes how close together two IDENTIFYs may come before the second
// is answered with op 9 (Discord: 5 seconds for max_concurrency 1).
func (s *Server) SetIdentifyWindow(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.identifyWindow = d
}

// SetSessionStartLimit changes what GET /gateway/bot says is left of the day's new
// sessions. An IDENTIFY with none left is a violation: Discord would reset the token.
func (s *Server) SetSessionStartLimit(remaining int, resetAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.startLimit.Remaining, s.startLimit.ResetAfter = remaining, int(resetAfter.Milliseconds())
}

// Close drops every connection and stops the server.
func (s *Server) Close() {
	s.mu.Lock()
	for c := range s.conns {
		c.ws.Close()
	}
	s.mu.Unlock()
	for _, h := range []*httptest.Server{s.http, s.resume} {
		h.CloseClientConnections()
		h.Close()
	}
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
	s.dispatch("MESSAGE_CREATE", s.forSession(&stored))
	return &stored
}

// History returns copies of a channel's messages, oldest first: what users and the bot
// posted there.
func (s *Server) History(channelID string) []discordgo.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]discordgo.Message, 0, len(s.history[channelID]))
	for _, m := range s.history[channelID] {
		out = append(out, *m)
	}
	return out
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
			s.dispatch("MESSAGE_UPDATE", s.forSession(m))
			return
		}
	}
	panic("fakediscord: edit of unknown message " + messageID)
}

// LimitRoute gives the routes that start with prefix ("POST /api/v9/channels/ID/messages")
// a rate limit of their own: limit requests a window, as Discord limits the messages a
// channel takes. Going over it after the headers said 0 is a violation.
func (s *Server) LimitRoute(prefix string, limit int, window time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.routeLimits[prefix] = routeLimit{limit, window}
}

// DMChannel is the bot's DM channel with a user, once it opened one ("" before).
func (s *Server) DMChannel(user string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dmChannels[user]
}

// Deleted counts the messages the bot deleted in a channel.
func (s *Server) Deleted(channel string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deleted[channel]
}

// DispatchInteraction sends INTERACTION_CREATE, as when a user runs a slash command. Its
// token then takes one initial answer within 3 seconds, and follow-ups and edits for 15
// minutes.
func (s *Server) DispatchInteraction(i *discordgo.Interaction) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addInteraction(i)
	s.dispatch("INTERACTION_CREATE", i)
}

// Interaction registers an interaction as dispatched without sending it, for a test that
// answers it with a client of its own.
func (s *Server) Interaction(i *discordgo.Interaction) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addInteraction(i)
}

func (s *Server) addInteraction(i *discordgo.Interaction) {
	if i.AppID == "" {
		i.AppID = AppID
	}
	if i.ID == "" {
		i.ID = s.newID(time.Now())
	}
	if i.Token == "" {
		i.Token = "itoken-" + i.ID
	}
	s.tokens[i.Token] = &interaction{id: i.ID, appID: i.AppID, typ: i.Type, at: s.now()}
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
	var out []*discordgo.ApplicationCommand
	for _, c := range s.commands[scope] {
		out = append(out, c.ApplicationCommand)
	}
	return out
}

// CommandContexts returns the contexts each command of a scope was registered with, by name.
func (s *Server) CommandContexts(scope string) map[string][]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string][]int{}
	for _, c := range s.commands[scope] {
		out[c.Name] = c.Contexts
	}
	return out
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

// SetMessageContent turns the app's Message Content Intent on or off, as its owner does in
// the developer portal. Off, an IDENTIFY that asks for it is closed with 4014, and other
// authors' messages come blank over REST and the gateway, as Discord documents
// (https://discord.com/developers/docs/events/gateway#message-content-intent).
func (s *Server) SetMessageContent(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.contentIntent = on
}

// blanked is a message as an app without the intent sees it: content, embeds,
// attachments and components empty, unless the app wrote it or is mentioned in it.
func blanked(m *discordgo.Message) *discordgo.Message {
	if m.Author != nil && m.Author.ID == BotID {
		return m
	}
	for _, u := range m.Mentions {
		if u.ID == BotID {
			return m
		}
	}
	b := *m
	b.Content, b.Embeds, b.Attachments, b.Components = "", []*discordgo.MessageEmbed{}, []*discordgo.MessageAttachment{}, nil
	return &b
}

// visible is a message as the app may read it now.
func (s *Server) visible(m *discordgo.Message) *discordgo.Message {
	if s.contentIntent {
		return m
	}
	return blanked(m)
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
	global         bool
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

// RateLimitGlobal answers the next times requests with Discord's global 429.
func (s *Server) RateLimitGlobal(retryAfter time.Duration, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{prefix: "/api/", status: http.StatusTooManyRequests, retryAfter: retryAfter, global: true, times: times})
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
