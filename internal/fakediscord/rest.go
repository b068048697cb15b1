package fakediscord

import (
	"encoding/json"
	"hash/fnv"
	"io"
	"math"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	gw := func(w http.ResponseWriter, r *http.Request) { s.serveGateway(w, r, false) }
	mux.HandleFunc("GET /gateway", gw)
	mux.HandleFunc("GET /gateway/", gw)
	mux.HandleFunc("GET /api/v9/gateway", s.gateway)
	mux.HandleFunc("GET /api/v9/gateway/bot", s.gatewayBot)
	mux.HandleFunc("GET /api/v9/channels/{channel}/messages", s.listMessages)
	mux.HandleFunc("GET /api/v9/channels/{channel}/messages/{message}", s.getMessage)
	mux.HandleFunc("POST /api/v9/channels/{channel}/messages", s.createMessage)
	mux.HandleFunc("PATCH /api/v9/channels/{channel}/messages/{message}", s.editMessage)
	mux.HandleFunc("DELETE /api/v9/channels/{channel}/messages/{message}", s.deleteMessage)
	mux.HandleFunc("POST /api/v9/users/@me/channels", s.createDM)
	mux.HandleFunc("PUT /api/v9/channels/{channel}/messages/{message}/reactions/{emoji}/@me", s.addReaction)
	mux.HandleFunc("GET /api/v9/applications/{app}/commands", s.listCommands)
	mux.HandleFunc("GET /api/v9/applications/{app}/guilds/{guild}/commands", s.listCommands)
	mux.HandleFunc("PUT /api/v9/applications/{app}/commands", s.overwriteCommands)
	mux.HandleFunc("PUT /api/v9/applications/{app}/guilds/{guild}/commands", s.overwriteCommands)
	mux.HandleFunc("POST /api/v9/interactions/{id}/{token}/callback", s.interactionCall("callback"))
	mux.HandleFunc("POST /api/v9/webhooks/{app}/{token}", s.interactionCall("followup"))
	mux.HandleFunc("PATCH /api/v9/webhooks/{app}/{token}/messages/@original", s.interactionCall("edit"))
	mux.HandleFunc("GET /attachments/{channel}/{id}/{name}", s.serveAttachment)
	return s.checkRequest(mux)
}

// checkRequest counts requests, applies injected faults, checks the bot token where
// Discord would (interaction answers are authorised by the token in their path), and
// keeps each route's rate limit with the headers Discord sends on every answer.
func (s *Server) checkRequest(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests[r.Method+" "+r.URL.Path]++
		f := s.takeFault(r)
		limited := s.rateLimit(w.Header(), r)
		s.mu.Unlock()
		if f != nil {
			writeFault(w, f)
			return
		}
		if limited > 0 {
			writeFault(w, &fault{status: http.StatusTooManyRequests, retryAfter: limited})
			return
		}
		open := strings.HasPrefix(r.URL.Path, "/gateway") || strings.HasPrefix(r.URL.Path, "/api/v9/interactions/") ||
			strings.HasPrefix(r.URL.Path, "/api/v9/webhooks/") || strings.HasPrefix(r.URL.Path, "/attachments/")
		if !open && r.Header.Get("Authorization") != "Bot "+s.Token {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "401: Unauthorized", "code": 0})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// bucket is one route's rate limit: limit requests a window.
type bucket struct {
	count int
	reset time.Time
}

// Every route is one bucket of bucketLimit requests a bucketWindow: the real limits are
// Discord's own and unpublished, what is documented is the headers
// (https://discord.com/developers/docs/topics/rate-limits#header-format).
const (
	bucketLimit  = 50
	bucketWindow = time.Second
)

// rateLimit counts a request against its route's bucket and sets the rate-limit headers;
// it returns how long to wait when the bucket is spent. Callers hold s.mu.
func (s *Server) rateLimit(h http.Header, r *http.Request) time.Duration {
	if strings.HasPrefix(r.URL.Path, "/gateway") || strings.HasPrefix(r.URL.Path, "/attachments/") {
		return 0
	}
	key := r.Method + " " + r.URL.Path
	limit, window := bucketLimit, bucketWindow
	for prefix, l := range s.routeLimits {
		if strings.HasPrefix(key, prefix) {
			limit, window = l.limit, l.window
		}
	}
	b := s.buckets[key]
	now := time.Now()
	if b == nil || now.After(b.reset) {
		b = &bucket{reset: now.Add(window)}
		s.buckets[key] = b
	}
	b.count++
	left := b.reset.Sub(now)
	h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(0, limit-b.count)))
	h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(b.reset.UnixMilli())/1000, 'f', 3, 64))
	h.Set("X-RateLimit-Reset-After", strconv.FormatFloat(left.Seconds(), 'f', 3, 64))
	bucketID := fnv.New64a()
	bucketID.Write([]byte(key))
	h.Set("X-RateLimit-Bucket", strconv.FormatUint(bucketID.Sum64(), 16))
	if b.count > limit {
		s.violation("%s: over the route's rate limit after X-RateLimit-Remaining said 0", key)
		return left
	}
	return 0
}

// takeFault returns the first fault that matches r and uses one of its times. Callers
// hold s.mu.
func (s *Server) takeFault(r *http.Request) *fault {
	for i, f := range s.faults {
		if (f.method == "" || f.method == r.Method) && strings.HasPrefix(r.URL.Path, f.prefix) {
			f.times--
			if f.times <= 0 {
				s.faults = slices.Delete(s.faults, i, i+1)
			}
			return f
		}
	}
	return nil
}

func writeFault(w http.ResponseWriter, f *fault) {
	if f.status != http.StatusTooManyRequests {
		writeJSON(w, f.status, map[string]any{"message": "fake failure", "code": 0})
		return
	}
	// https://discord.com/developers/docs/topics/rate-limits#exceeding-a-rate-limit
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(f.retryAfter.Seconds()))))
	scope := "user"
	if f.global {
		scope = "global"
		w.Header().Set("X-RateLimit-Global", "true")
	}
	w.Header().Set("X-RateLimit-Scope", scope)
	writeJSON(w, http.StatusTooManyRequests, map[string]any{
		"message": "You are being rate limited.", "retry_after": f.retryAfter.Seconds(), "global": f.global,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) gateway(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"url": s.gatewayURL()})
}

func (s *Server) gatewayURL() string { return "ws://" + s.http.Listener.Addr().String() + "/gateway" }

// gatewayBot is GET /gateway/bot, with the session start limit
// (https://discord.com/developers/docs/events/gateway#get-gateway-bot).
func (s *Server) gatewayBot(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	limit := s.startLimit
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"url": s.gatewayURL(), "shards": 1, "session_start_limit": limit})
}

// listMessages is channel history: with after, the oldest limit messages after that id;
// otherwise the newest (before an id, when given). Always newest first, as Discord sends.
func (s *Server) listMessages(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 50
	if v := q.Get("limit"); v != "" {
		// 1 to 100 (https://discord.com/developers/docs/resources/message#get-channel-messages).
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			s.refuseLocking(w, r, formErrors{"limit": "int value should be between 1 and 100."})
			return
		}
		limit = n
	}
	s.mu.Lock()
	all := s.history[r.PathValue("channel")]
	var out []*discordgo.Message
	if after := q.Get("after"); after != "" {
		for _, m := range all {
			if compareIDs(m.ID, after) > 0 && len(out) < limit {
				out = append(out, m)
			}
		}
	} else {
		for _, m := range all {
			if before := q.Get("before"); before == "" || compareIDs(m.ID, before) < 0 {
				out = append(out, m)
			}
		}
		out = out[max(0, len(out)-limit):]
	}
	out = slices.Clone(out)
	slices.Reverse(out)
	for i, m := range out {
		out[i] = s.visible(m)
	}
	raw, _ := json.Marshal(out)
	s.mu.Unlock()
	if out == nil {
		raw = []byte("[]")
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(raw)
}

func (s *Server) getMessage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.history[r.PathValue("channel")] {
		if m.ID == r.PathValue("message") {
			writeJSON(w, http.StatusOK, s.visible(m))
			return
		}
	}
	writeJSON(w, http.StatusNotFound, map[string]any{"message": "Unknown Message", "code": 10008})
}

// createMessage is the bot posting to a channel: the message is the bot's own and is
// dispatched back to it, as Discord does.
func (s *Server) createMessage(w http.ResponseWriter, r *http.Request) {
	var send struct {
		Content string                    `json:"content"`
		Embeds  []*discordgo.MessageEmbed `json:"embeds"`
	}
	// A nonce with enforce_nonce makes a repeat of the same send (the bot retried after
	// losing the answer) return the message the first one made, as Discord does for a few
	// minutes.
	var once struct {
		Nonce        json.RawMessage `json:"nonce"`
		EnforceNonce bool            `json:"enforce_nonce"`
	}
	var body messageBody
	if !decode(w, r, &send, &body, &once) {
		return
	}
	errs := formErrors{}
	checkMessage(body, "", errs)
	if len(once.Nonce) > 0 && len(strings.Trim(string(once.Nonce), `"`)) > 25 {
		errs["nonce"] = "Must be 25 or fewer in length."
	}
	if s.refuseLocking(w, r, errs) {
		return
	}
	channel := r.PathValue("channel")
	key := channel + "/" + strings.Trim(string(once.Nonce), `"`)
	if once.EnforceNonce && len(once.Nonce) > 0 {
		s.mu.Lock()
		made := s.nonces[key]
		s.mu.Unlock()
		if made != nil {
			writeJSON(w, http.StatusOK, made)
			return
		}
	}
	m := s.Post(channel, discordgo.Message{Content: send.Content, Embeds: send.Embeds, Author: botUser()})
	if once.EnforceNonce && len(once.Nonce) > 0 {
		s.mu.Lock()
		s.nonces[key] = m
		s.mu.Unlock()
	}
	writeJSON(w, http.StatusOK, m)
}

// editMessage is the bot editing its own message.
func (s *Server) editMessage(w http.ResponseWriter, r *http.Request) {
	var edit struct {
		Content *string                    `json:"content"`
		Embeds  *[]*discordgo.MessageEmbed `json:"embeds"`
	}
	if !decode(w, r, &edit) {
		return
	}
	s.mu.Lock()
	m := s.find(r.PathValue("channel"), r.PathValue("message"))
	if m != nil {
		if edit.Content != nil {
			m.Content = *edit.Content
		}
		if edit.Embeds != nil {
			m.Embeds = *edit.Embeds
		}
		edited := time.Now().UTC()
		m.EditedTimestamp = &edited
		s.dispatch("MESSAGE_UPDATE", s.forSession(m))
	}
	s.mu.Unlock()
	if m == nil {
		writeJSON(w, http.StatusNotFound, map[string]any{"message": "Unknown Message", "code": 10008})
		return
	}
	writeJSON(w, http.StatusOK, m)
}

// deleteMessage is the bot deleting a message.
func (s *Server) deleteMessage(w http.ResponseWriter, r *http.Request) {
	channel, id := r.PathValue("channel"), r.PathValue("message")
	s.mu.Lock()
	found := s.find(channel, id) != nil
	if found {
		s.history[channel] = slices.DeleteFunc(s.history[channel], func(m *discordgo.Message) bool { return m.ID == id })
		s.deleted[channel]++
		s.dispatch("MESSAGE_DELETE", map[string]any{"id": id, "channel_id": channel, "guild_id": GuildID})
	}
	s.mu.Unlock()
	if !found {
		writeJSON(w, http.StatusNotFound, map[string]any{"message": "Unknown Message", "code": 10008})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// find is a channel's message by id; the caller holds the lock.
func (s *Server) find(channel, id string) *discordgo.Message {
	for _, m := range s.history[channel] {
		if m.ID == id {
			return m
		}
	}
	return nil
}

// createDM opens (or finds) the bot's DM channel with a user.
func (s *Server) createDM(w http.ResponseWriter, r *http.Request) {
	var in struct {
		RecipientID string `json:"recipient_id"`
	}
	if !decode(w, r, &in) {
		return
	}
	s.mu.Lock()
	id := s.dmChannels[in.RecipientID]
	if id == "" {
		id = s.newID(time.Now())
		s.dmChannels[in.RecipientID] = id
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "type": 1, "recipients": []map[string]any{{"id": in.RecipientID, "username": "user"}}})
}

// decode reads a JSON body into each of vs (what the fake keeps, what it checks),
// answering 400 when it is not JSON of that shape.
func decode(w http.ResponseWriter, r *http.Request, vs ...any) bool {
	raw, err := io.ReadAll(r.Body)
	for _, v := range vs {
		if err == nil {
			err = json.Unmarshal(raw, v)
		}
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"message": "400: Bad Request", "code": 50109})
	}
	return err == nil
}

func (s *Server) addReaction(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.reactions = append(s.reactions, Reaction{ChannelID: r.PathValue("channel"), MessageID: r.PathValue("message"), Emoji: r.PathValue("emoji")})
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listCommands(w http.ResponseWriter, r *http.Request) {
	scope := r.PathValue("guild")
	if scope == "" {
		scope = "global"
	}
	s.mu.Lock()
	cmds := s.commands[scope]
	s.mu.Unlock()
	if cmds == nil {
		cmds = []storedCommand{}
	}
	writeJSON(w, http.StatusOK, cmds)
}

func (s *Server) overwriteCommands(w http.ResponseWriter, r *http.Request) {
	var stored []storedCommand
	var bodies []commandBody
	if !decode(w, r, &stored, &bodies) {
		return
	}
	errs := formErrors{}
	checkCommands(bodies, errs)
	if s.refuseLocking(w, r, errs) {
		return
	}
	scope := r.PathValue("guild")
	if scope == "" {
		scope = "global"
	}
	s.mu.Lock()
	for _, c := range stored {
		c.ID, c.ApplicationID = s.newID(time.Now()), AppID
		if scope != "global" {
			c.GuildID = scope
		}
	}
	s.commands[scope] = stored
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, stored)
}

// storedCommand is a registered command with the contexts discordgo v0.28.1 has no field for.
type storedCommand struct {
	*discordgo.ApplicationCommand
	Contexts []int `json:"contexts,omitempty"`
}

// Interaction answers follow the documented lifecycle
// (https://discord.com/developers/docs/interactions/receiving-and-responding#responding-to-an-interaction):
// one initial callback per token, within 3 seconds; follow-ups and edits of the original
// after it, for 15 minutes.
const (
	answerWithin = 3 * time.Second
	tokenLasts   = 15 * time.Minute
)

// callbackTypes are the answer types each kind of interaction takes
// (https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object-interaction-callback-type).
var callbackTypes = map[discordgo.InteractionType][]int{
	discordgo.InteractionApplicationCommand:             {4, 5, 9, 12},
	discordgo.InteractionMessageComponent:               {4, 5, 6, 7, 9},
	discordgo.InteractionApplicationCommandAutocomplete: {8},
	discordgo.InteractionModalSubmit:                    {4, 5, 6, 7},
}

// interactionCall records an interaction answer: the first response, a follow-up message,
// or an edit of the original response, once it passes the lifecycle and the limits. An
// answer with files comes as a multipart form: payload_json and files[n], as Discord
// takes it.
func (s *Server) interactionCall(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, files, err := readAnswer(r)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"message": err.Error(), "code": 50109})
			return
		}
		s.mu.Lock()
		if !s.answerAllowed(w, r, kind, body, files) {
			s.mu.Unlock()
			return
		}
		s.interactions = append(s.interactions, Call{Kind: kind, Token: r.PathValue("token"), Body: body, Files: files})
		id := s.newID(time.Now())
		s.mu.Unlock()
		if kind == "callback" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		var m discordgo.Message
		_ = json.Unmarshal(body, &m)
		m.ID, m.Author = id, botUser()
		writeJSON(w, http.StatusOK, m)
	}
}

// answerAllowed checks an answer against its interaction and Discord's limits, and
// answers the refusal itself. Callers hold s.mu.
func (s *Server) answerAllowed(w http.ResponseWriter, r *http.Request, kind string, body json.RawMessage, files map[string][]byte) bool {
	token := r.PathValue("token")
	in := s.tokens[token]
	refuse := func(status, code int, message string) bool {
		s.violation("%s %s: %s", kind, token, message)
		writeJSON(w, status, map[string]any{"message": message, "code": code})
		return false
	}
	var msg messageBody
	if err := json.Unmarshal(body, &msg); err != nil {
		return refuse(http.StatusBadRequest, 50109, "The request body contains invalid JSON.")
	}
	var age time.Duration
	if in != nil {
		age = s.now().Sub(in.at)
	}
	errs := formErrors{}
	switch {
	case kind == "callback" && (in == nil || in.id != r.PathValue("id")):
		return refuse(http.StatusNotFound, 10062, "Unknown interaction")
	case kind == "callback" && in.answered:
		return refuse(http.StatusBadRequest, 40060, "Interaction has already been acknowledged.")
	case kind == "callback" && age > answerWithin:
		return refuse(http.StatusNotFound, 10062, "Unknown interaction (no answer within 3 seconds)")
	case kind != "callback" && (in == nil || r.PathValue("app") != in.appID):
		return refuse(http.StatusNotFound, 10015, "Unknown Webhook")
	case kind != "callback" && age > tokenLasts:
		return refuse(http.StatusUnauthorized, 50027, "Invalid Webhook Token (interaction tokens last 15 minutes)")
	case kind != "callback" && !in.answered:
		return refuse(http.StatusNotFound, 10008, "Unknown Message (no initial answer yet)")
	case kind == "callback":
		s.checkCallback(in, body, errs)
	default:
		checkMessage(msg, "", errs)
		checkFilesListed(msg, files, errs)
	}
	if s.refuse(w, r, errs) {
		return false
	}
	if kind == "callback" {
		in.answered = true
	}
	return true
}

func (s *Server) checkCallback(in *interaction, body json.RawMessage, errs formErrors) {
	var cb struct {
		Type int         `json:"type"`
		Data messageBody `json:"data"`
	}
	_ = json.Unmarshal(body, &cb)
	if !slices.Contains(callbackTypes[in.typ], cb.Type) {
		errs.add("type", "Value must be one of %v for this interaction.", callbackTypes[in.typ])
		return
	}
	if cb.Type == 8 {
		checkChoices(cb.Data.Choices, errs)
		return
	}
	checkMessage(cb.Data, "data.", errs)
}

// checkFilesListed: on API v10 an edit or follow-up with files must list each in
// attachments, or the files are dropped
// (https://discord.com/developers/docs/reference#uploading-files); the bot speaks v9, and
// is held to v10's rule so that moving up loses nothing.
func checkFilesListed(m messageBody, files map[string][]byte, errs formErrors) {
	for name := range files {
		listed := false
		for _, a := range m.Attach {
			listed = listed || a.Filename == name
		}
		if !listed {
			errs.add("attachments", "file %q is not listed in attachments", name)
		}
	}
}

func readAnswer(r *http.Request) (json.RawMessage, map[string][]byte, error) {
	media, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if media != "multipart/form-data" {
		var body json.RawMessage
		err := json.NewDecoder(r.Body).Decode(&body)
		return body, nil, err
	}
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		return nil, nil, err
	}
	files := map[string][]byte{}
	for _, headers := range r.MultipartForm.File {
		for _, h := range headers {
			f, err := h.Open()
			if err != nil {
				return nil, nil, err
			}
			content, err := io.ReadAll(f)
			f.Close()
			if err != nil {
				return nil, nil, err
			}
			files[h.Filename] = content
		}
	}
	return json.RawMessage(r.FormValue("payload_json")), files, nil
}

func (s *Server) serveAttachment(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	content, ok := s.attachments[r.PathValue("id")]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(content)
}
