package discord

import (
	"bytes"
	crand "crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// gatewayConn is the connection discordgo's gateway client talks through. discordgo
// v0.28.1 gets a few things wrong that its API does not reach, and only the wire can put
// right, so this looks at each frame the client writes:
//   - a close with 1000 or 1001 (discordgo's Close, on a missed heartbeat ack or a read
//     error) ends the session for good on Discord, so while the bot runs it becomes a
//     plain TCP close, which keeps the session resumable
//     (https://discord.com/developers/docs/events/gateway#initiating-a-disconnect);
//   - a second IDENTIFY or RESUME on one connection is discordgo answering op 9 on the same
//     socket: it is refused, and Run starts a new session on a new connection as the docs
//     say (https://discord.com/developers/docs/events/gateway#resuming);
//   - IDENTIFY gets the current property names and no legacy presence;
//   - the first heartbeat waits heartbeat_interval * jitter
//     (https://discord.com/developers/docs/events/gateway#sending-heartbeats).
//
// Reads give up after an idle time: 1.5 heartbeat intervals once HELLO has said the
// interval, since every heartbeat is acknowledged.
type gatewayConn struct {
	net.Conn
	l        *Listener
	gw       *gatewaySession
	idle     time.Duration
	interval atomic.Int64 // heartbeat_interval of HELLO, in ns; 0 until read
	head     []byte       // what was read before HELLO was found; read side only

	wmu        sync.Mutex // one frame at a time, held back heartbeat included
	handshakes int
	heartbeats int
}

func newGatewayConn(c net.Conn, l *Listener, gw *gatewaySession) *gatewayConn {
	return &gatewayConn{Conn: c, l: l, gw: gw, idle: l.cfg.IdleTimeout}
}

func (c *gatewayConn) Read(b []byte) (int, error) {
	idle := c.idle
	if iv := time.Duration(c.interval.Load()); iv > 0 {
		idle = iv + iv/2
	}
	if err := c.Conn.SetReadDeadline(time.Now().Add(idle)); err != nil {
		return 0, err
	}
	n, err := c.Conn.Read(b)
	if n > 0 && c.interval.Load() == 0 {
		c.findHello(b[:n])
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		c.Conn.Close() // a zombied connection: end it with no close frame, so it can be resumed
	}
	return n, err
}

// findHello reads heartbeat_interval from the HELLO at the start of the connection
// (plain JSON text: the bot asks for no compression).
func (c *gatewayConn) findHello(b []byte) {
	if len(c.head) > 16<<10 {
		return
	}
	c.head = append(c.head, b...)
	key := []byte(`"heartbeat_interval":`)
	i := bytes.Index(c.head, key)
	if i < 0 {
		return
	}
	rest := bytes.TrimLeft(c.head[i+len(key):], " ")
	end := 0
	for end < len(rest) && rest[end] >= '0' && rest[end] <= '9' {
		end++
	}
	if end == len(rest) {
		return // the number may go on in the next read
	}
	if ms, err := strconv.Atoi(string(rest[:end])); err == nil && ms > 0 {
		c.interval.Store(int64(time.Duration(ms) * time.Millisecond))
	}
	c.head = nil
}

// Websocket opcodes of the frames looked at, and gateway opcodes of their payloads.
const (
	wsText  = 1
	wsClose = 8

	opHeartbeat = 1
	opIdentify  = 2
	opResume    = 6
)

var errSecondHandshake = errors.New("discord invalidated the session: starting a new one on a new connection")

func (c *gatewayConn) Write(b []byte) (int, error) {
	op, payload, ok := clientFrame(b)
	if !ok {
		return c.write(b)
	}
	switch op {
	case wsClose:
		if code := closeCode(payload); (code == 1000 || code == 1001) && !c.l.isEnding() {
			c.Conn.Close()
			return len(b), nil
		}
	case wsText:
		return c.writeText(b, payload)
	}
	return c.write(b)
}

func (c *gatewayConn) writeText(b, payload []byte) (int, error) {
	var p struct {
		Op int `json:"op"`
	}
	if json.Unmarshal(payload, &p) != nil {
		return c.write(b)
	}
	switch p.Op {
	case opIdentify, opResume:
		c.wmu.Lock()
		c.handshakes++
		second := c.handshakes > 1
		c.wmu.Unlock()
		if second {
			c.l.invalidated(c.gw)
			c.Conn.Close()
			return 0, errSecondHandshake
		}
		if p.Op == opIdentify {
			c.l.identified(time.Now())
			if _, err := c.write(maskedFrame(wsText, identifyPayload(payload))); err != nil {
				return 0, err
			}
			return len(b), nil
		}
	case opHeartbeat:
		c.wmu.Lock()
		c.heartbeats++
		first := c.heartbeats == 1
		c.wmu.Unlock()
		if iv := time.Duration(c.interval.Load()); first && iv > 0 {
			held := bytes.Clone(b) // gorilla reuses its buffer
			time.AfterFunc(rand.N(iv), func() { _, _ = c.write(held) })
			return len(b), nil
		}
	}
	return c.write(b)
}

func (c *gatewayConn) write(b []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.Conn.Write(b)
}

// identifyPayload is discordgo's IDENTIFY as the docs have it now: properties named os,
// browser and device (discordgo sends the deprecated $os...), no presence (discordgo
// sends a legacy game object with an empty status; without one the bot is online), and
// no large_threshold outside the documented 50 to 250
// (https://discord.com/developers/docs/events/gateway-events#identify).
func identifyPayload(payload []byte) []byte {
	var p struct {
		Op int                        `json:"op"`
		D  map[string]json.RawMessage `json:"d"`
	}
	if json.Unmarshal(payload, &p) != nil || p.D == nil {
		return payload
	}
	props, _ := json.Marshal(map[string]string{"os": runtime.GOOS, "browser": "roms", "device": "roms"})
	p.D["properties"] = props
	delete(p.D, "presence")
	if n, err := strconv.Atoi(string(p.D["large_threshold"])); err != nil || n < 50 || n > 250 {
		delete(p.D, "large_threshold")
	}
	out, err := json.Marshal(p)
	if err != nil {
		return payload
	}
	return out
}

// clientFrame reads one whole, final, masked frame as a websocket client writes it: its
// opcode and unmasked payload. Anything else (a part of a frame, several, an extension's
// bits) is not ok and goes out untouched.
func clientFrame(b []byte) (op byte, payload []byte, ok bool) {
	if len(b) < 6 || b[0]&0xf0 != 0x80 || b[1]&0x80 == 0 {
		return 0, nil, false
	}
	n, at := uint64(b[1]&0x7f), 2
	switch n {
	case 126:
		n, at = uint64(binary.BigEndian.Uint16(b[2:4])), 4
	case 127:
		if len(b) < 10 {
			return 0, nil, false
		}
		n, at = binary.BigEndian.Uint64(b[2:10]), 10
	}
	if uint64(len(b)) != uint64(at)+4+n {
		return 0, nil, false
	}
	key := b[at : at+4]
	payload = make([]byte, n)
	for i := range payload {
		payload[i] = b[at+4+i] ^ key[i%4]
	}
	return b[0] & 0x0f, payload, true
}

// maskedFrame is one final client frame, masked with a fresh key as RFC 6455 asks.
func maskedFrame(op byte, payload []byte) []byte {
	f := []byte{0x80 | op}
	switch n := len(payload); {
	case n < 126:
		f = append(f, 0x80|byte(n))
	case n <= 0xffff:
		f = append(f, 0x80|126)
		f = binary.BigEndian.AppendUint16(f, uint16(n))
	default:
		f = append(f, 0x80|127)
		f = binary.BigEndian.AppendUint64(f, uint64(n))
	}
	var key [4]byte
	_, _ = crand.Read(key[:]) // crypto/rand does not fail
	f = append(f, key[:]...)
	for i, c := range payload {
		f = append(f, c^key[i%4])
	}
	return f
}

func closeCode(payload []byte) int {
	if len(payload) < 2 {
		return 1005 // no code given
	}
	return int(binary.BigEndian.Uint16(payload))
}
