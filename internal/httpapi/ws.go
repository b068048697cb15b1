package httpapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/roms-dev/roms/internal/live"
	"github.com/roms-dev/roms/internal/order"
)

// wsWriteWait bounds one write to a WebSocket client; a client that cannot take a message
// in that time is dropped.
const wsWriteWait = 10 * time.Second

// wsMessage is what /ws sends, in ROMS V2's shape.
type wsMessage struct {
	Type    string         `json:"type"`
	Message string         `json:"message,omitempty"`
	Action  string         `json:"action,omitempty"`
	Order   *order.Order   `json:"order,omitempty"`
	Changes []order.Change `json:"changes,omitempty"`
}

// serveWS is ROMS V2's live feed: connection_confirmed on connect, pong to a ping,
// new_order and order_updated as orders change. A browser cannot send a header with a
// WebSocket, so the token may come as ?token=.
func (s *server) serveWS(w http.ResponseWriter, r *http.Request) {
	if s.token != "" {
		if ok, answered := s.tokenChecked(w, r); answered {
			return
		} else if !ok {
			writeProblem(w, http.StatusUnauthorized, "missing or wrong token: connect to /ws?token=<http.token>")
			return
		}
	}
	upgrader := websocket.Upgrader{CheckOrigin: s.originAllowed}
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	defer conn.Close()
	changes, stop := s.hub.Subscribe(liveBuffer)
	defer stop()
	pings := make(chan struct{}, 8)
	gone := make(chan struct{})
	go func() { // the reader: pings, and noticing the client leave
		defer close(gone)
		for {
			_, data, err := conn.ReadMessage()
			if err != nil {
				return
			}
			if isPing(data) {
				select {
				case pings <- struct{}{}:
				default:
				}
			}
		}
	}()
	send := func(m wsMessage) bool {
		_ = conn.SetWriteDeadline(time.Now().Add(wsWriteWait))
		return conn.WriteJSON(m) == nil
	}
	if !send(wsMessage{Type: "connection_confirmed", Message: "Connected to ROMS live updates"}) {
		return
	}
	tick := time.NewTicker(pingEvery)
	defer tick.Stop()
	for {
		select {
		case <-gone:
			return
		case <-r.Context().Done():
			return
		case <-pings:
			if !send(wsMessage{Type: "pong"}) {
				return
			}
		case <-tick.C:
			_ = conn.SetWriteDeadline(time.Now().Add(wsWriteWait))
			if conn.WriteMessage(websocket.PingMessage, nil) != nil {
				return
			}
		case c, ok := <-changes:
			if !ok { // fell behind, or shutting down: the client reloads and reconnects
				_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "reload and reconnect"), time.Now().Add(time.Second))
				return
			}
			if !send(wsChange(c)) {
				return
			}
		}
	}
}

func wsChange(c live.OrderChange) wsMessage {
	o := c.Order
	if c.Type == order.OutcomeCreated {
		return wsMessage{Type: "new_order", Order: &o}
	}
	return wsMessage{Type: "order_updated", Action: c.Type, Order: &o, Changes: c.Changes}
}

// isPing reads a client's ping: the text "ping" or {"type": "ping"}.
func isPing(data []byte) bool {
	if strings.EqualFold(strings.TrimSpace(string(data)), "ping") {
		return true
	}
	var m struct {
		Type string `json:"type"`
	}
	return json.Unmarshal(data, &m) == nil && m.Type == "ping"
}

// originAllowed lets a browser page connect from the API's own origin or a configured one;
// clients that send no Origin (scripts) are not browsers and may connect.
func (s *server) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || slices.Contains(s.corsOrigins, origin) {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}

// cors lets the configured browser origins call the API, answering their preflights.
func (s *server) cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
		if origin == "" || !slices.Contains(s.corsOrigins, origin) {
			if preflight {
				writeProblem(w, http.StatusForbidden, "origin "+origin+" may not call this API: add it to http.cors_origins")
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Add("Vary", "Origin")
		h.Set("Access-Control-Allow-Credentials", "true")
		h.Set("Access-Control-Expose-Headers", "Content-Disposition")
		if preflight {
			h.Set("Access-Control-Allow-Methods", "GET, POST, PATCH, DELETE, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, "+signatureHeader+", "+altSignatureHeader)
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}
