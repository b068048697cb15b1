package main

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/roms-dev/roms/internal/bbolt"
	"github.com/roms-dev/roms/internal/config"
	"github.com/roms-dev/roms/internal/embedtext"
	"github.com/roms-dev/roms/internal/httpapi"
	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/parser"
)

// sample is the Refract message of the webhook guide, as send-test posts it.
//
//go:embed sample.txt
var sample []byte

// parsed is what `bot parse` shows of one message: the message, and where each of its
// labels went.
type parsed struct {
	parser.Message
	Labels []parser.Placement `json:"labels"`
}

// parseCommand prints what the parser makes of a message: text, or a Discord message or
// webhook payload as JSON, read with the configured labels (parser.aliases). Nothing is
// stored.
func parseCommand(args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	cfg, _, args, err := loadConfig(flags("parse"), args, getenv)
	if err != nil {
		return err
	}
	reader, err := parser.NewReader(cfg.Parser.Aliases)
	if err != nil {
		return err
	}
	loc, err := cfg.Location()
	if err != nil {
		return err
	}
	if len(args) > 1 {
		return fmt.Errorf("parse takes at most one file\n\n%s", usage)
	}
	in := stdin
	if len(args) == 1 {
		f, err := os.Open(args[0])
		if err != nil {
			return fmt.Errorf("parse: %w", err)
		}
		defer f.Close()
		in = f
	}
	body, err := io.ReadAll(io.LimitReader(in, httpapi.MaxBody+1))
	if err != nil {
		return fmt.Errorf("parse: read input: %w", err)
	}
	checkouts, err := embedtext.Body("", body)
	if err != nil {
		return fmt.Errorf("parse: %w", err)
	}
	var messages []parsed
	for _, c := range checkouts {
		msg, _, err := c.Read(reader, loc)
		if err != nil {
			return fmt.Errorf("parse: %w", err)
		}
		messages = append(messages, parsed{msg, msg.Placements()})
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if len(messages) == 1 {
		return enc.Encode(messages[0])
	}
	return enc.Encode(messages)
}

// sendTest posts the guide's sample message to a running bot and shows what it stored,
// like the original service's test script.
func sendTest(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cfg, _, rest, err := loadConfig(flags("send-test"), args, getenv)
	if err != nil {
		return err
	}
	url := localURL(cfg.HTTP.Addr) + "/api/v2/webhooks/orders"
	if len(rest) > 0 {
		url = rest[0]
	}
	fmt.Fprintf(stdout, "Testing the Refract webhook format\n%s\nSending the sample message to %s\n", strings.Repeat("=", 60), url)
	resp, err := call(ctx, http.MethodPost, url, cfg.HTTP.Token, "text/plain", bytes.NewReader(sample))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Fprintf(stdout, "Response status: %d\n\n", resp.StatusCode)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the webhook refused the sample: %s", strings.TrimSpace(string(body)))
	}
	var reply httpapi.WebhookReply
	if err := json.Unmarshal(body, &reply); err != nil || reply.Order == nil {
		return fmt.Errorf("unexpected answer (is %s a ROMS webhook?): %s", url, body)
	}
	o := reply.Order
	fmt.Fprintf(stdout, "Webhook processed successfully!\n\nOrder details:\n   Order ID: %d\n   Order Number: %s\n   Message: %s\n\n",
		reply.OrderID, reply.OrderNumber, reply.Message)
	fmt.Fprintf(stdout, "What got parsed:\n   - Product: %s\n   - Price: %s\n   - Order Number: %s\n   - Email: %s\n"+
		"   - Profile: %s\n   - Proxy List: %s\n   - Store: %s\n   - Status: %s (auto-detected)\n\nSUCCESS! Your webhook is working.\n",
		o.Product, money(o.Price, o.Currency), o.OrderNumber, o.Email, o.Profile, o.ProxyList, o.Store, o.Status)
	return nil
}

func money(v *order.Money, currency string) string {
	if v == nil {
		return "-"
	}
	return strings.TrimSpace(v.String() + " " + currency)
}

// backup copies the database to file. A running bot holds the database lock, so then the
// copy comes from its backup endpoint instead.
func backup(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cfg, _, rest, err := loadConfig(flags("backup"), args, getenv)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return fmt.Errorf("backup needs the file to write, for example: bot backup roms-backup.db")
	}
	target := rest[0]
	if _, err := os.Stat(target); err == nil {
		return fmt.Errorf("backup: %s exists already; choose a new file name", target)
	}
	n, source, err := copyDatabase(ctx, cfg, target)
	if err != nil {
		os.Remove(target + ".partial")
		return err
	}
	fmt.Fprintf(stdout, "Backed up %d bytes from %s to %s\n", n, source, target)
	return nil
}

func copyDatabase(ctx context.Context, cfg config.Config, target string) (int64, string, error) {
	tmp := target + ".partial"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, "", fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	n, source, err := writeBackup(ctx, cfg, f)
	if err != nil {
		return 0, "", err
	}
	if err := f.Sync(); err != nil {
		return 0, "", fmt.Errorf("backup: %w", err)
	}
	if err := f.Close(); err != nil {
		return 0, "", fmt.Errorf("backup: %w", err)
	}
	return n, source, os.Rename(tmp, target)
}

func writeBackup(ctx context.Context, cfg config.Config, w io.Writer) (int64, string, error) {
	if cfg.Storage.Driver == config.DriverPostgres {
		return 0, "", errors.New("backup copies a bbolt file; back up PostgreSQL with pg_dump or the backups and replicas you already run")
	}
	st, err := bbolt.OpenExisting(cfg.Storage.Path, 500*time.Millisecond)
	if err == nil {
		defer st.Close()
		n, err := st.Backup(ctx, w)
		return n, cfg.Storage.Path, err
	}
	if !errors.Is(err, bbolt.ErrLocked) {
		return 0, "", err
	}
	url := localURL(cfg.HTTP.Addr) + "/api/v2/backup"
	resp, err := call(ctx, http.MethodGet, url, cfg.HTTP.Token, "", nil)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		return 0, "", fmt.Errorf("backup from the running bot at %s: %s %s", url, resp.Status, body)
	}
	n, err := io.Copy(w, resp.Body)
	return n, "the running bot at " + url, err
}

// localURL is the address to reach the bot on this machine.
func localURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// client talks to a running bot. It bounds connecting and waiting for the answer to
// start, but not the answer itself: a backfill or an export streams for as long as it
// takes, and Ctrl+C (ctx) still ends it.
var client = &http.Client{Transport: &http.Transport{
	DialContext:           (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
	ResponseHeaderTimeout: time.Minute,
}}

// patient talks to a running bot about work whose answer comes at its end (an import of
// 100,000 rows, an undo, a replay): it waits for as long as that takes, and Ctrl+C (ctx)
// still ends the wait.
var patient = &http.Client{Transport: &http.Transport{
	DialContext: (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
}}

// call sends one request to a running bot, with the token when one is set.
func call(ctx context.Context, method, url, token, contentType string, body io.Reader) (*http.Response, error) {
	return callWith(ctx, client, method, url, token, contentType, body)
}

// callWith is call with a client of the caller's choosing.
func callWith(ctx context.Context, c *http.Client, method, url, token, contentType string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	var dial *net.OpError
	switch {
	case err == nil:
		return resp, nil
	case errors.As(err, &dial) && dial.Op == "dial":
		return nil, fmt.Errorf("could not reach ROMS at %s: %w (is it running? start it with: go run ./cmd/bot; "+
			"this address is http.addr, from config.yaml or ROMS_HTTP_ADDR: give -config FILE or set ROMS_HTTP_ADDR to the running bot's address)", url, err)
	case ctx.Err() != nil:
		return nil, fmt.Errorf("stopped waiting for ROMS at %s: %w (what it was doing goes on; its log says when it ends)", url, ctx.Err())
	}
	return nil, fmt.Errorf("ROMS at %s did not answer: %w (it is running, but busy or stuck: see its log)", url, err)
}

// healthcheck asks the running bot for /health; Docker's HEALTHCHECK runs it, since the
// image has no curl.
func healthcheck(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cfg, _, _, err := loadConfig(flags("healthcheck"), args, getenv)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	resp, err := call(ctx, http.MethodGet, localURL(cfg.HTTP.Addr)+"/health", "", "", nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("unhealthy: %s %s", resp.Status, body)
	}
	fmt.Fprintln(stdout, "healthy")
	return nil
}
