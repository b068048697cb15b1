package discord

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// pipe is a gatewayConn on one end of an in-memory connection, and the far end.
func pipe(t *testing.T) (*gatewayConn, net.Conn, *Listener, *gatewaySession) {
	t.Helper()
	near, far := net.Pipe()
	t.Cleanup(func() { near.Close(); far.Close() })
	l := &Listener{cfg: Config{IdleTimeout: time.Minute}, logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	gw := &gatewaySession{id: "s1"}
	return newGatewayConn(near, l, gw), far, l, gw
}

// readFrame reads what reached the far end within d: the frame's opcode and payload.
func readFrame(t *testing.T, far net.Conn, d time.Duration) (byte, []byte, error) {
	t.Helper()
	_ = far.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, 64<<10)
	n, err := far.Read(buf)
	if err != nil {
		return 0, nil, err
	}
	op, payload, ok := clientFrame(buf[:n])
	if !ok {
		t.Fatalf("not one client frame: %q", buf[:n])
	}
	return op, payload, nil
}

func closeFrame(code int) []byte {
	return maskedFrame(wsClose, websocket.FormatCloseMessage(code, ""))
}

// TestACloseWith1000IsADropWhileRunning: Discord ends a session closed with 1000 or 1001,
// so while the bot runs such a close leaves as a plain TCP close; at shutdown it goes out.
func TestACloseWith1000IsADropWhileRunning(t *testing.T) {
	for _, code := range []int{1000, 1001} {
		c, far, _, _ := pipe(t)
		go func() { _, _ = c.Write(closeFrame(code)) }()
		if _, _, err := readFrame(t, far, time.Second); !errors.Is(err, io.EOF) {
			t.Errorf("close %d while running: %v, want the connection dropped with no frame", code, err)
		}
	}
	c, far, l, _ := pipe(t)
	l.ending = true
	go func() { _, _ = c.Write(closeFrame(1000)) }()
	if op, payload, err := readFrame(t, far, time.Second); err != nil || op != wsClose || closeCode(payload) != 1000 {
		t.Errorf("close at shutdown: op %d code %d %v", op, closeCode(payload), err)
	}
	c, far, _, _ = pipe(t)
	go func() { _, _ = c.Write(closeFrame(4000)) }()
	if op, payload, err := readFrame(t, far, time.Second); err != nil || op != wsClose || closeCode(payload) != 4000 {
		t.Errorf("a resumable close: op %d code %d %v", op, closeCode(payload), err)
	}
}

func TestIdentifyIsSentAsDocumented(t *testing.T) {
	c, far, l, _ := pipe(t)
	legacy := `{"op":2,"d":{"token":"Bot x","properties":{"$os":"linux","$browser":"DiscordGo v0.28.1","$device":""},` +
		`"compress":false,"large_threshold":0,"presence":{"since":0,"game":{"name":""},"status":"","afk":false},"intents":33281}}`
	go func() { _, _ = c.Write(maskedFrame(wsText, []byte(legacy))) }()
	_, payload, err := readFrame(t, far, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		D map[string]json.RawMessage `json:"d"`
	}
	_ = json.Unmarshal(payload, &p)
	props := string(p.D["properties"])
	if !strings.Contains(props, `"os":`) || !strings.Contains(props, `"browser":"roms"`) || strings.Contains(props, "$") ||
		p.D["presence"] != nil || p.D["large_threshold"] != nil || string(p.D["intents"]) != "33281" || string(p.D["token"]) != `"Bot x"` {
		t.Errorf("identify sent as %s", payload)
	}
	if len(l.identifies) != 1 {
		t.Errorf("%d identifies counted", len(l.identifies))
	}
}

// TestASecondHandshakeOnOneConnectionIsRefused: discordgo answers op 9 with an IDENTIFY
// on the same socket; it is refused, the connection dropped and the session marked for a
// new one.
func TestASecondHandshakeOnOneConnectionIsRefused(t *testing.T) {
	c, far, l, gw := pipe(t)
	go func() { _, _ = io.Copy(io.Discard, far) }()
	if _, err := c.Write(maskedFrame(wsText, []byte(`{"op":6,"d":{"session_id":"s1","seq":3}}`))); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(maskedFrame(wsText, []byte(`{"op":2,"d":{"token":"Bot x"}}`))); !errors.Is(err, errSecondHandshake) {
		t.Errorf("second handshake: %v", err)
	}
	if gw.resumable() || l.invalidAt.IsZero() {
		t.Error("the session is still taken as resumable")
	}
}

// TestTheFirstHeartbeatIsJitteredAndSilenceTimesOut: once HELLO has said the interval,
// the first heartbeat waits a random part of it, and 1.5 intervals without a frame end
// the connection.
func TestTheFirstHeartbeatIsJitteredAndSilenceTimesOut(t *testing.T) {
	var delays []time.Duration
	var c *gatewayConn
	var far net.Conn
	for range 5 {
		c, far, _, _ = pipe(t)
		go func() { _, _ = far.Write([]byte(`{"op":10,"d":{"heartbeat_interval":400}}`)) }()
		if _, err := c.Read(make([]byte, 512)); err != nil {
			t.Fatal(err)
		}
		if got := time.Duration(c.interval.Load()); got != 400*time.Millisecond {
			t.Fatalf("interval %v", got)
		}
		start := time.Now()
		heartbeat := maskedFrame(wsText, []byte(`{"op":1,"d":7}`))
		if n, err := c.Write(heartbeat); err != nil || n != len(heartbeat) {
			t.Fatal(n, err)
		}
		op, payload, err := readFrame(t, far, time.Second)
		delays = append(delays, time.Since(start))
		if err != nil || op != wsText || string(payload) != `{"op":1,"d":7}` || time.Since(start) > 450*time.Millisecond {
			t.Errorf("first heartbeat %q after %v (%v), want it within the interval", payload, time.Since(start), err)
		}
	}
	if slices.Max(delays) < 20*time.Millisecond {
		t.Errorf("first heartbeats after %v: none held back (all five under 20 ms of 400 has odds of 3 in 10 million)", delays)
	}
	second := maskedFrame(wsText, []byte(`{"op":1,"d":8}`))
	go func() { _, _ = c.Write(second) }()
	if _, payload, err := readFrame(t, far, 100*time.Millisecond); err != nil || string(payload) != `{"op":1,"d":8}` {
		t.Errorf("second heartbeat %q %v, want it at once", payload, err)
	}

	start := time.Now()
	_, err := c.Read(make([]byte, 16))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || time.Since(start) < 550*time.Millisecond || time.Since(start) > 2*time.Second {
		t.Errorf("silent read: %v after %v, want a timeout after 1.5 intervals", err, time.Since(start))
	}
	if _, err := far.Write([]byte("x")); err == nil {
		t.Error("the zombied connection was not closed")
	}
}
