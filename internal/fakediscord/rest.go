package fakediscord

import (
	"encoding/json"
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
	mux.HandleFunc("GET /gateway/", s.serveGateway)
	mux.HandleFunc("GET /api/v9/gateway", s.gateway)
	mux.HandleFunc("GET /api/v9/gateway/bot", s.gateway)
	mux.HandleFunc("GET /api/v9/channels/{channel}/messages", s.listMessages)
	mux.HandleFunc("GET /api/v9/channels/{channel}/messages/{message}", s.getMessage)
	mux.HandleFunc("POST /api/v9/channels/{channel}/messages", s.createMessage)
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

// checkRequest counts requests, applies injected faults and checks the bot token where
// Discord would. Interaction answers are authorised by their token in the path instead.
func (s *Server) checkRequest(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests[r.Method+" "+r.URL.Path]++
		f := s.takeFault(r)
		s.mu.Unlock()
		if f != nil {
			writeFault(w, f)
			return
		}
		open := strings.HasPrefix(r.URL.Path, "/gateway/") || strings.HasPrefix(r.URL.Path, "/api/v9/interactions/") ||
			strings.HasPrefix(r.URL.Path, "/api/v9/webhooks/") || strings.HasPrefix(r.URL.Path, "/attachments/")
		if !open && r.Header.Get("Authorization") != "Bot "+s.Token {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "401: Unauthorized", "code": 0})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// takeFault returns the first fault that matches r and uses one of its times. Callers
// hold s.mu.
func (s *Server) takeFault(r *http.Request) *fault {
	for i, f := range s.faults {
		if f.method == r.Method && strings.HasPrefix(r.URL.Path, f.prefix) {
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
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(f.retryAfter.Seconds()))))
	w.Header().Set("X-RateLimit-Scope", "user")
	writeJSON(w, http.StatusTooManyRequests, map[string]any{
		"message": "You are being rate limited.", "retry_after": f.retryAfter.Seconds(), "global": false,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) gateway(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"url": "ws://" + s.http.Listener.Addr().String() + "/gateway", "shards": 1,
	})
}

// listMessages is channel history: with after, the oldest limit messages after that id;
// otherwise the newest (before an id, when given). Always newest first, as Discord sends.
func (s *Server) listMessages(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit < 1 || limit > 100 {
		limit = 50
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
			writeJSON(w, http.StatusOK, m)
			return
		}
	}
	writeJSON(w, http.StatusNotFound, map[string]any{"message": "Unknown Message", "code": 10008})
}

// createMessage is the bot posting to a channel: the message is the bot's own and is
// dispatched back to it, as Discord does.
func (s *Server) createMessage(w http.ResponseWriter, r *http.Request) {
	var send discordgo.MessageSend
	if err := json.NewDecoder(r.Body).Decode(&send); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"message": err.Error()})
		return
	}
	m := s.Post(r.PathValue("channel"), discordgo.Message{Content: send.Content, Embeds: send.Embeds, Author: botUser()})
	writeJSON(w, http.StatusOK, m)
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
		cmds = []*discordgo.ApplicationCommand{}
	}
	writeJSON(w, http.StatusOK, cmds)
}

func (s *Server) overwriteCommands(w http.ResponseWriter, r *http.Request) {
	var cmds []*discordgo.ApplicationCommand
	if err := json.NewDecoder(r.Body).Decode(&cmds); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"message": err.Error()})
		return
	}
	scope := r.PathValue("guild")
	if scope == "" {
		scope = "global"
	}
	s.mu.Lock()
	for _, c := range cmds {
		c.ID, c.ApplicationID = s.newID(time.Now()), AppID
		if scope != "global" {
			c.GuildID = scope
		}
	}
	s.commands[scope] = cmds
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, cmds)
}

// interactionCall records an interaction answer: the first response, a follow-up message,
// or an edit of the original response. An answer with files comes as a multipart form:
// payload_json and files[n], as Discord takes it.
func (s *Server) interactionCall(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, files, err := readAnswer(r)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"message": err.Error()})
			return
		}
		s.mu.Lock()
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
