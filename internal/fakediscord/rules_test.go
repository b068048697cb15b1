package fakediscord

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// call sends one REST request as the bot would and returns the status and JSON answer.
func call(t *testing.T, s *Server, method, path string, body any) (int, map[string]any) {
	t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, s.URL+path, bytes.NewReader(raw))
	req.Header.Set("Authorization", "Bot "+s.Token)
	req.Header.Set("Content-Type", "application/json")
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

func embedWith(change func(map[string]any)) map[string]any {
	e := map[string]any{"title": "Order 1", "fields": []map[string]any{{"name": "Price", "value": "$1"}}}
	change(e)
	return map[string]any{"embeds": []any{e}}
}

// TestRESTRefusesWhatDiscordRefuses sends one payload over each documented limit; each is
// answered 400 with Discord's error body and recorded as a violation.
func TestRESTRefusesWhatDiscordRefuses(t *testing.T) {
	long := strings.Repeat("x", 1025)
	cases := []struct {
		name, path string
		body       any
	}{
		{"content over 2,000", "/api/v9/channels/42/messages", map[string]any{"content": strings.Repeat("a", 2001)}},
		{"embed text over 6,000", "/api/v9/channels/42/messages", map[string]any{"embeds": []any{
			map[string]any{"description": strings.Repeat("d", 4000)}, map[string]any{"description": strings.Repeat("d", 2001)}}}},
		{"empty field value", "/api/v9/channels/42/messages", embedWith(func(e map[string]any) {
			e["fields"] = []map[string]any{{"name": "Price", "value": ""}}
		})},
		{"field value of white space only (trimmed, then empty)", "/api/v9/channels/42/messages", embedWith(func(e map[string]any) {
			e["fields"] = []map[string]any{{"name": "Price", "value": " \n "}}
		})},
		{"field value over 1,024", "/api/v9/channels/42/messages", embedWith(func(e map[string]any) {
			e["fields"] = []map[string]any{{"name": "Price", "value": long}}
		})},
		{"embed url not a URL", "/api/v9/channels/42/messages", embedWith(func(e map[string]any) { e["url"] = "not a url" })},
		{"embed url over 2,048", "/api/v9/channels/42/messages", embedWith(func(e map[string]any) {
			e["url"] = "https://example.com/" + strings.Repeat("p", 2048)
		})},
		{"11 embeds", "/api/v9/channels/42/messages", map[string]any{"embeds": make([]map[string]any, 11)}},
		{"custom_id over 100", "/api/v9/channels/42/messages", map[string]any{"content": "x", "components": []any{
			map[string]any{"type": 1, "components": []any{map[string]any{"type": 2, "label": "Next", "custom_id": strings.Repeat("c", 101)}}}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := Start(t)
			status, body := call(t, s, http.MethodPost, c.path, c.body)
			if status != http.StatusBadRequest || body["code"] != float64(50035) || body["message"] != "Invalid Form Body" || body["errors"] == nil {
				t.Errorf("HTTP %d %v: want 400 with code 50035", status, body)
			}
			if v := s.TakeViolations(); len(v) == 0 {
				t.Error("no violation recorded")
			}
		})
	}
}

func TestCommandsFollowTheNamingRules(t *testing.T) {
	s := Start(t)
	bad := []map[string]any{{"name": "Bad Name", "description": strings.Repeat("d", 101)}}
	status, body := call(t, s, http.MethodPut, "/api/v9/applications/"+AppID+"/commands", bad)
	errs, _ := body["errors"].(map[string]any)
	first, _ := errs["0"].(map[string]any)
	if status != http.StatusBadRequest || first["name"] == nil || first["description"] == nil {
		t.Errorf("HTTP %d %v: want the name and the description refused", status, body)
	}
	s.TakeViolations()
	good := []map[string]any{{"name": "order", "description": "Show one order", "contexts": []int{0}}}
	if status, body := call(t, s, http.MethodPut, "/api/v9/applications/"+AppID+"/commands", good); status != http.StatusOK {
		t.Errorf("HTTP %d %v", status, body)
	}
	if got := s.CommandContexts("global")["order"]; len(got) != 1 || got[0] != 0 {
		t.Errorf("contexts %v", got)
	}
}

func TestHistoryLimitIsOneToAHundred(t *testing.T) {
	s := Start(t)
	if status, _ := call(t, s, http.MethodGet, "/api/v9/channels/42/messages?limit=500", nil); status != http.StatusBadRequest {
		t.Errorf("limit=500: HTTP %d", status)
	}
	s.TakeViolations()
	if status, _ := call(t, s, http.MethodGet, "/api/v9/channels/42/messages?limit=100", nil); status != http.StatusOK {
		t.Errorf("limit=100: HTTP %d", status)
	}
}

// TestInteractionLifecycle: one initial answer per token within 3 seconds, none twice;
// edits and follow-ups only after it and for 15 minutes; an answer type the interaction
// does not take, too many choices, and files an edit does not list are refused.
func TestInteractionLifecycle(t *testing.T) {
	s := Start(t)
	cmd := &discordgo.Interaction{Type: discordgo.InteractionApplicationCommand}
	s.Interaction(cmd)
	callback := fmt.Sprintf("/api/v9/interactions/%s/%s/callback", cmd.ID, cmd.Token)
	original := fmt.Sprintf("/api/v9/webhooks/%s/%s/messages/@original", AppID, cmd.Token)
	followup := fmt.Sprintf("/api/v9/webhooks/%s/%s", AppID, cmd.Token)
	steps := []struct {
		what         string
		method, path string
		body         any
		status, code int
	}{
		{"edit before any answer", http.MethodPatch, original, map[string]any{"content": "x"}, 404, 10008},
		{"callback type 99", http.MethodPost, callback, map[string]any{"type": 99}, 400, 50035},
		{"autocomplete answer to a command", http.MethodPost, callback, map[string]any{"type": 8, "data": map[string]any{}}, 400, 50035},
		{"the first answer", http.MethodPost, callback, map[string]any{"type": 5}, 204, 0},
		{"a second answer", http.MethodPost, callback, map[string]any{"type": 4, "data": map[string]any{"content": "x"}}, 400, 40060},
		{"an edit", http.MethodPatch, original, map[string]any{"content": "done"}, 200, 0},
		{"a follow-up", http.MethodPost, followup, map[string]any{"content": "more"}, 200, 0},
	}
	for _, st := range steps {
		status, body := call(t, s, st.method, st.path, st.body)
		if status != st.status || (st.code != 0 && body["code"] != float64(st.code)) {
			t.Errorf("%s: HTTP %d %v, want %d code %d", st.what, status, body, st.status, st.code)
		}
	}
	if v := s.TakeViolations(); len(v) != 4 {
		t.Errorf("violations %q, want the 4 refusals", v)
	}

	s.AdvanceClock(15*time.Minute + time.Second)
	if status, body := call(t, s, http.MethodPatch, original, map[string]any{"content": "late"}); status != 401 || body["code"] != float64(50027) {
		t.Errorf("edit after 15 minutes: HTTP %d %v", status, body)
	}
	late := &discordgo.Interaction{Type: discordgo.InteractionApplicationCommand}
	s.Interaction(late)
	s.AdvanceClock(3*time.Second + time.Millisecond)
	if status, body := call(t, s, http.MethodPost, fmt.Sprintf("/api/v9/interactions/%s/%s/callback", late.ID, late.Token),
		map[string]any{"type": 5}); status != 404 || body["code"] != float64(10062) {
		t.Errorf("first answer after 3 s: HTTP %d %v", status, body)
	}
	s.TakeViolations()

	auto := &discordgo.Interaction{Type: discordgo.InteractionApplicationCommandAutocomplete}
	s.Interaction(auto)
	choices := make([]map[string]any, 26)
	for i := range choices {
		choices[i] = map[string]any{"name": fmt.Sprint(i), "value": fmt.Sprint(i)}
	}
	if status, _ := call(t, s, http.MethodPost, fmt.Sprintf("/api/v9/interactions/%s/%s/callback", auto.ID, auto.Token),
		map[string]any{"type": 8, "data": map[string]any{"choices": choices}}); status != 400 {
		t.Errorf("26 choices: HTTP %d", status)
	}
	s.TakeViolations()

	withFile := &discordgo.Interaction{Type: discordgo.InteractionApplicationCommand}
	s.Interaction(withFile)
	call(t, s, http.MethodPost, fmt.Sprintf("/api/v9/interactions/%s/%s/callback", withFile.ID, withFile.Token), map[string]any{"type": 5})
	for _, listed := range []bool{false, true} {
		payload := map[string]any{"content": "here"}
		if listed {
			payload["attachments"] = []map[string]any{{"id": "0", "filename": "orders.csv"}}
		}
		var form bytes.Buffer
		mw := multipart.NewWriter(&form)
		raw, _ := json.Marshal(payload)
		_ = mw.WriteField("payload_json", string(raw))
		fw, _ := mw.CreateFormFile("files[0]", "orders.csv")
		_, _ = fw.Write([]byte("a,b\n"))
		mw.Close()
		req, _ := http.NewRequest(http.MethodPatch, s.URL+fmt.Sprintf("/api/v9/webhooks/%s/%s/messages/@original", AppID, withFile.Token), &form)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		if status, body := do(t, req); (status == 200) != listed {
			t.Errorf("edit with a file, listed %v: HTTP %d %v", listed, status, body)
		}
	}
	s.TakeViolations()
}

func TestRateLimitHeadersAndTheGlobalLimit(t *testing.T) {
	s := Start(t)
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/api/v9/channels/42/messages", nil)
	req.Header.Set("Authorization", "Bot "+s.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-RateLimit-Reset-After", "X-RateLimit-Bucket"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("no %s on a success", h)
		}
	}
	s.RateLimitGlobal(1500*time.Millisecond, 1)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		RetryAfter float64 `json:"retry_after"`
		Global     bool
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("X-RateLimit-Global") != "true" || resp.Header.Get("X-RateLimit-Scope") != "global" ||
		resp.Header.Get("Retry-After") != "2" || !body.Global || body.RetryAfter != 1.5 {
		t.Errorf("global 429: HTTP %d %v %+v", resp.StatusCode, resp.Header, body)
	}
}

func TestMessagesAreBlankWithoutTheIntent(t *testing.T) {
	s := Start(t)
	s.Post("42", discordgo.Message{Content: "secret", Author: &discordgo.User{ID: "5"}, Embeds: []*discordgo.MessageEmbed{{Title: "t"}}})
	s.Post("42", discordgo.Message{Content: "hi <@bot>", Author: &discordgo.User{ID: "5"}, Mentions: []*discordgo.User{botUser()}})
	s.SetMessageContent(false)
	dg := client(t, s, s.Token)
	page, err := dg.ChannelMessages("42", 10, "", "", "")
	if err != nil || len(page) != 2 {
		t.Fatal(page, err)
	}
	if m := page[1]; m.Content != "" || len(m.Embeds) != 0 {
		t.Errorf("without the intent: %+v", m)
	}
	if m := page[0]; m.Content == "" {
		t.Error("a message mentioning the app is blanked too")
	}
	s.SetMessageContent(true)
	if page, _ := dg.ChannelMessages("42", 10, "", "", ""); page[1].Content != "secret" {
		t.Errorf("with the intent: %+v", page[1])
	}
}

// gatewayClient speaks the gateway by hand, to break its rules on purpose.
type gatewayClient struct {
	t  *testing.T
	ws *websocket.Conn
}

func dialGateway(t *testing.T, url string) *gatewayClient {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	g := &gatewayClient{t: t, ws: ws}
	if hello := g.read(); hello.Op != opHello {
		t.Fatalf("first frame op %d", hello.Op)
	}
	return g
}

type frame struct {
	Op int             `json:"op"`
	T  string          `json:"t"`
	S  int64           `json:"s"`
	D  json.RawMessage `json:"d"`
}

func (g *gatewayClient) read() frame {
	g.t.Helper()
	_ = g.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	var f frame
	if err := g.ws.ReadJSON(&f); err != nil {
		g.t.Fatalf("read: %v", err)
	}
	return f
}

func (g *gatewayClient) send(op int, d any) {
	if err := g.ws.WriteJSON(map[string]any{"op": op, "d": d}); err != nil {
		g.t.Fatal(err)
	}
}

func (g *gatewayClient) identify(token string) frame {
	g.send(opIdentify, map[string]any{"token": "Bot " + token, "intents": int(discordgo.IntentsGuildMessages | discordgo.IntentsMessageContent),
		"properties": map[string]string{"os": "linux", "browser": "test", "device": "test"}})
	return g.read()
}

// TestGatewaySessionRules: READY names a resume URL of its own host; a RESUME there
// works, one on the connect URL does not; a close with 1000 ends the session; a second
// handshake on one connection and an IDENTIFY within 5 seconds of another are refused;
// HELLO announces Discord's interval; without the intent, IDENTIFY is closed with 4014.
func TestGatewaySessionRules(t *testing.T) {
	s := Start(t)
	s.SetIdentifyWindow(0)
	g := dialGateway(t, s.gatewayURL())
	ready := g.identify(s.Token)
	var r struct {
		SessionID string `json:"session_id"`
		ResumeURL string `json:"resume_gateway_url"`
	}
	_ = json.Unmarshal(ready.D, &r)
	if ready.T != "READY" || r.ResumeURL == "" || strings.Contains(s.gatewayURL(), strings.TrimPrefix(r.ResumeURL, "ws://")) {
		t.Fatalf("READY %s: want a resume URL on another host than %s", ready.D, s.gatewayURL())
	}
	resume := map[string]any{"token": "Bot " + s.Token, "session_id": r.SessionID, "seq": ready.S}

	g.ws.UnderlyingConn().Close() // a drop: resumable
	onConnectURL := dialGateway(t, s.gatewayURL())
	onConnectURL.send(opResume, resume)
	if f := onConnectURL.read(); f.Op != opInvalidSession {
		t.Errorf("RESUME on the connect URL: op %d %s, want 9", f.Op, f.T)
	}
	if v := s.TakeViolations(); len(v) != 1 {
		t.Errorf("violations %q", v)
	}

	g = dialGateway(t, s.gatewayURL())
	ready = g.identify(s.Token)
	_ = json.Unmarshal(ready.D, &r)
	resume = map[string]any{"token": "Bot " + s.Token, "session_id": r.SessionID, "seq": ready.S}
	g.ws.UnderlyingConn().Close()
	again := dialGateway(t, r.ResumeURL)
	again.send(opResume, resume)
	if f := again.read(); f.T != "RESUMED" {
		t.Errorf("RESUME on resume_gateway_url: %d %s", f.Op, f.T)
	}
	again.send(opIdentify, map[string]any{"token": "Bot " + s.Token})
	if _, _, err := again.ws.ReadMessage(); !websocket.IsCloseError(err, 4005) {
		t.Errorf("a second handshake on one connection: %v, want close 4005", err)
	}
	s.TakeViolations()

	g = dialGateway(t, s.gatewayURL())
	ready = g.identify(s.Token)
	_ = json.Unmarshal(ready.D, &r)
	_ = g.ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(1000, ""))
	_, _, _ = g.ws.ReadMessage()
	after := dialGateway(t, r.ResumeURL)
	after.send(opResume, map[string]any{"token": "Bot " + s.Token, "session_id": r.SessionID, "seq": ready.S})
	if f := after.read(); f.Op != opInvalidSession {
		t.Errorf("RESUME after a 1000 close: op %d %s, want 9", f.Op, f.T)
	}

	s.SetIdentifyWindow(300 * time.Millisecond) // Discord's is 5 s: the rule, not its length, is tested
	time.Sleep(300 * time.Millisecond)
	if f := dialGateway(t, s.gatewayURL()).identify(s.Token); f.T != "READY" {
		t.Fatalf("identify: %d %s", f.Op, f.T)
	}
	if f := dialGateway(t, s.gatewayURL()).identify(s.Token); f.Op != opInvalidSession {
		t.Errorf("IDENTIFY within the window of another: op %d, want 9", f.Op)
	}

	s.SetMessageContent(false)
	s.SetIdentifyWindow(0)
	refused := dialGateway(t, s.gatewayURL())
	refused.send(opIdentify, map[string]any{"token": "Bot " + s.Token, "intents": int(discordgo.IntentsMessageContent),
		"properties": map[string]string{"os": "linux", "browser": "test", "device": "test"}})
	if _, _, err := refused.ws.ReadMessage(); !websocket.IsCloseError(err, 4014) {
		t.Errorf("IDENTIFY with an intent the app lacks: %v, want close 4014", err)
	}
	s.TakeViolations()
}

func TestHelloAndSessionStartLimit(t *testing.T) {
	s := Start(t)
	ws, _, err := websocket.DefaultDialer.Dial(s.gatewayURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	var hello struct {
		D struct {
			Interval int `json:"heartbeat_interval"`
		} `json:"d"`
	}
	if err := ws.ReadJSON(&hello); err != nil || hello.D.Interval != 41250 {
		t.Errorf("HELLO interval %d (%v), want Discord's 41250", hello.D.Interval, err)
	}
	s.SetSessionStartLimit(3, time.Hour)
	_, body := call(t, s, http.MethodGet, "/api/v9/gateway/bot", nil)
	limit, _ := body["session_start_limit"].(map[string]any)
	if limit["total"] != float64(1000) || limit["remaining"] != float64(3) || limit["reset_after"] != float64(3600000) || limit["max_concurrency"] != float64(1) {
		t.Errorf("session_start_limit %v", body)
	}
}
