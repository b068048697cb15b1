package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roms-dev/roms/internal/bbolt"
)

// syncBuffer is an io.Writer the test can read while run writes to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// envOf is an environment as os.Environ gives it, of these variables.
func envOf(m map[string]string) []string {
	var environ []string
	for name, value := range m {
		environ = append(environ, name+"="+value)
	}
	return environ
}

var webhookURL = regexp.MustCompile(`Webhook:\s+(http://\S+)/api/v2/webhooks/orders`)

type runningBot struct {
	base   string
	stdout *syncBuffer
	stop   func() error
}

// startBot runs the whole program in this process, as `go run ./cmd/bot` would, and
// waits until /health answers.
func startBot(t *testing.T, env map[string]string) *runningBot {
	t.Helper()
	if env == nil {
		env = map[string]string{}
	}
	env["ROMS_HTTP_ADDR"] = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, envOf(env), strings.NewReader(""), stdout, stderr) }()
	bot := &runningBot{stdout: stdout}
	var once sync.Once
	var result error
	bot.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case result = <-done:
			case <-time.After(15 * time.Second):
				t.Error("bot did not stop within 15s of cancel")
			}
		})
		return result
	}
	t.Cleanup(func() { _ = bot.stop() })

	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("bot exited: %v\nstdout: %s\nstderr: %s", err, stdout, stderr)
		default:
		}
		if m := webhookURL.FindStringSubmatch(stdout.String()); m != nil {
			bot.base = m[1]
			if resp, err := http.Get(bot.base + "/health"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					return bot
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("bot not healthy within 10s\nstdout: %s\nstderr: %s", stdout, stderr)
	return nil
}

func TestRunWithoutConfigServesTheWebhookOnALocalDatabase(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	bot := startBot(t, nil)
	out := bot.stdout.String()
	for _, want := range []string{"Database:", "roms.db", "Discord:   not connected", "discord.token", "Connect to Discord", "/docs"} {
		if !strings.Contains(out, want) {
			t.Errorf("banner lacks %q:\n%s", want, out)
		}
	}
	resp, err := http.Post(bot.base+"/api/v2/webhooks/orders", "text/plain", bytes.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"action":"created"`) {
		t.Fatalf("webhook: %d %s", resp.StatusCode, body)
	}
	if err := bot.stop(); err != nil {
		t.Fatalf("run returned %v after cancel", err)
	}
	st, err := bbolt.Open(filepath.Join(dir, "roms.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if o, err := st.Get(context.Background(), "BBY01-807102506907"); err != nil || o.Product == "" {
		t.Errorf("order not on disk after shutdown: %+v %v", o, err)
	}
}

func TestSecondInstanceOnTheSameDatabaseExplainsItself(t *testing.T) {
	t.Chdir(t.TempDir())
	startBot(t, nil)
	err := run(context.Background(), nil, envOf(map[string]string{"ROMS_HTTP_ADDR": "127.0.0.1:0"}), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "already running") {
		t.Errorf("err = %v, want one saying ROMS is already running", err)
	}
}

func TestSendTestAgainstARunningBot(t *testing.T) {
	t.Chdir(t.TempDir())
	token := "0123456789abcdef0123456789"
	bot := startBot(t, map[string]string{"ROMS_HTTP_TOKEN": token})
	var out bytes.Buffer
	err := run(context.Background(), []string{"send-test", bot.base + "/api/v2/webhooks/orders"},
		envOf(map[string]string{"ROMS_HTTP_TOKEN": token}), nil, &out, io.Discard)
	if err != nil {
		t.Fatalf("send-test: %v\n%s", err, out.String())
	}
	for _, want := range []string{"Response status: 200", "Order Number: BBY01-807102506907", "Status: verified", "SUCCESS"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("send-test output lacks %q:\n%s", want, out.String())
		}
	}
	err = run(context.Background(), []string{"send-test", bot.base + "/api/v2/webhooks/orders"}, envOf(nil), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "401") && !strings.Contains(err.Error(), "token") {
		t.Errorf("send-test without token: %v", err)
	}
}

func TestHealthcheck(t *testing.T) {
	t.Chdir(t.TempDir())
	bot := startBot(t, nil)
	addr := strings.TrimPrefix(bot.base, "http://")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"healthcheck"}, envOf(map[string]string{"ROMS_HTTP_ADDR": addr}), nil, &out, io.Discard); err != nil || out.String() != "healthy\n" {
		t.Errorf("healthcheck: %q %v", out.String(), err)
	}
	if err := bot.stop(); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"healthcheck"}, envOf(map[string]string{"ROMS_HTTP_ADDR": addr}), nil, io.Discard, io.Discard); err == nil {
		t.Error("healthcheck passed with the bot stopped")
	}
}

func TestSendTestWithNothingRunning(t *testing.T) {
	err := run(context.Background(), []string{"send-test", "http://127.0.0.1:1/api/v2/webhooks/orders"}, envOf(nil), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "is it running?") {
		t.Errorf("err = %v", err)
	}
}

func TestBackupWhileRunningAndWhileStopped(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	bot := startBot(t, nil)
	if resp, err := http.Post(bot.base+"/api/v2/webhooks/orders", "text/plain", bytes.NewReader(sample)); err == nil {
		resp.Body.Close()
	}
	// The running bot holds the lock: the copy comes through its API.
	addr := strings.TrimPrefix(bot.base, "http://")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"backup", "live.db"}, envOf(map[string]string{"ROMS_HTTP_ADDR": addr}), nil, &out, io.Discard); err != nil {
		t.Fatalf("backup while running: %v", err)
	}
	if !strings.Contains(out.String(), "running bot") {
		t.Errorf("output %q", out.String())
	}
	if err := bot.stop(); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"backup", "stopped.db"}, envOf(nil), nil, &out, io.Discard); err != nil {
		t.Fatalf("backup while stopped: %v", err)
	}
	for _, f := range []string{"live.db", "stopped.db"} {
		st, err := bbolt.Open(filepath.Join(dir, f), time.Second)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if _, err := st.Get(context.Background(), "BBY01-807102506907"); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		st.Close()
	}
	if err := run(context.Background(), []string{"backup", "stopped.db"}, envOf(nil), nil, io.Discard, io.Discard); err == nil {
		t.Error("backup overwrote an existing file")
	}
}

func TestParseCommand(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"parse"}, envOf(nil), bytes.NewReader(sample), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var msg struct {
		Kind   string `json:"kind"`
		Fields struct {
			OrderNumber string `json:"order_number"`
			Store       string `json:"store"`
		} `json:"fields"`
		Labels []struct{ Label, Field string } `json:"labels"`
	}
	if err := json.Unmarshal(out.Bytes(), &msg); err != nil || msg.Kind != "checkout" || msg.Fields.OrderNumber != "BBY01-807102506907" || msg.Fields.Store != "Best Buy US" {
		t.Errorf("parse stdin: %v %s", err, out.String())
	}
	if !slices.Contains(msg.Labels, struct{ Label, Field string }{"Proxy Details", "proxy_list"}) {
		t.Errorf("parse does not say where the labels went: %+v", msg.Labels)
	}
	out.Reset()
	if err := run(context.Background(), []string{"parse", "../../internal/embedtext/testdata/refract-success-message.json"}, envOf(nil), nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"share_link": "https://www.bestbuy.com/site/6579424.p?skuId=6579424"`) {
		t.Errorf("parse of a Discord message:\n%s", out.String())
	}
	if err := run(context.Background(), []string{"parse"}, envOf(nil), strings.NewReader(""), io.Discard, io.Discard); err == nil {
		t.Error("empty input parsed without error")
	}
}

func TestBadConfigAndCommands(t *testing.T) {
	t.Chdir(t.TempDir())
	tests := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{nil, map[string]string{"ROMS_HTTP_ADDR": "0.0.0.0:8001"}, "http.token"},
		{nil, map[string]string{"ROMS_LOG_LEVEL": "chatty"}, "log.level"},
		{[]string{"-config", "missing.yaml"}, nil, "missing.yaml"},
		{[]string{"frobnicate"}, nil, "unknown command"},
		{[]string{"backup"}, nil, "needs the file"},
	}
	for _, tt := range tests {
		err := run(context.Background(), tt.args, envOf(tt.env), nil, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("run %v %v: %v, want an error with %q", tt.args, tt.env, err, tt.want)
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, envOf(nil), nil, &out, io.Discard); err != nil || !strings.HasPrefix(out.String(), "roms ") {
		t.Errorf("version: %q %v", out.String(), err)
	}
}

func TestHelpIsNotAnError(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}, {"serve", "-h"}, {"backup", "-help"}} {
		var out bytes.Buffer
		if err := run(context.Background(), args, envOf(nil), nil, &out, io.Discard); err != nil || !strings.Contains(out.String(), "Usage:") {
			t.Errorf("run %v: %v, printed %q", args, err, out.String())
		}
	}
}

func TestDamagedOrMissingDatabaseIsRefusedWithWhatToDo(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.WriteFile("roms.db", nil, 0o600); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), nil, envOf(map[string]string{"ROMS_HTTP_ADDR": "127.0.0.1:0"}), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "is empty (0 bytes)") || !strings.Contains(err.Error(), "restore your latest backup") {
		t.Errorf("serve on an empty file: %v", err)
	}
	if info, _ := os.Stat("roms.db"); info.Size() != 0 {
		t.Error("the damaged file was written to")
	}
	typo := envOf(map[string]string{"ROMS_STORAGE_PATH": "romss.db"})
	for _, args := range [][]string{{"backup", "copy.db"}, {"stats"}, {"export", "-o", "x.csv"}} {
		err := run(context.Background(), args, typo, nil, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "no database at romss.db") {
			t.Errorf("%v with a mistyped storage.path: %v", args, err)
		}
	}
	if _, err := os.Stat("romss.db"); err == nil {
		t.Error("a database was created at the mistyped path")
	}
	if _, err := os.Stat("copy.db"); err == nil {
		t.Error("a backup of nothing was written")
	}
}

func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d %s", url, resp.StatusCode, raw)
	}
	return string(raw)
}

func TestMetricsCountWhatHappens(t *testing.T) {
	t.Chdir(t.TempDir())
	bot := startBot(t, nil)
	postText(t, bot.base, string(sample))
	postText(t, bot.base, string(sample))
	postText(t, bot.base, "just a ping")
	text := scrape(t, bot.base+"/metrics")
	for _, want := range []string{
		`roms_inputs_total{outcome="created",source="http"} 1`,
		`roms_inputs_total{outcome="unchanged",source="http"} 1`,
		`roms_inputs_total{outcome="ignored",source="http"} 1`,
		`roms_ingest_duration_seconds_count{source="http"} 3`,
		"roms_orders 1", "roms_webhook_log_entries 3", "roms_database_ok 1",
		`roms_discord_state{state="disabled"} 1`, "roms_discord_reconnects_total 0", "go_goroutines", "process_resident_memory_bytes",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q", want)
		}
	}

	// On a listener of their own.
	if err := bot.stop(); err != nil {
		t.Fatal(err)
	}
	metricsAddr := freeAddr(t)
	again := startBot(t, map[string]string{"ROMS_METRICS_ADDR": metricsAddr})
	if resp, _ := http.Get(again.base + "/metrics"); resp.StatusCode != 404 {
		t.Errorf("metrics also on the API's address: %d", resp.StatusCode)
	}
	if text := scrape(t, "http://"+metricsAddr+"/metrics"); !strings.Contains(text, "roms_orders 1") {
		t.Errorf("metrics on metrics.addr: %s", text[:min(200, len(text))])
	}
}

// TestAPortInUseSaysWhatToDo: a second ROMS on the same address is told another may be
// running, and which setting moves it; the banner names the ROMS_ variables it used.
func TestAPortInUseSaysWhatToDo(t *testing.T) {
	t.Chdir(t.TempDir())
	first := startBot(t, nil)
	if !strings.Contains(first.stdout.String(), "ROMS_HTTP_ADDR from the environment") {
		t.Errorf("banner does not name the variable it used:\n%s", first.stdout.String())
	}
	addr := strings.TrimPrefix(first.base, "http://")
	var out, errOut bytes.Buffer
	err := run(context.Background(), nil, envOf(map[string]string{"ROMS_HTTP_ADDR": addr, "ROMS_STORAGE_PATH": "other.db"}),
		strings.NewReader(""), &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "another ROMS") || !strings.Contains(err.Error(), "ROMS_HTTP_ADDR") {
		t.Errorf("second bot on %s: %v", addr, err)
	}
}

// TestEachCommandHasItsOwnHelp: `bot NAME -h` prints the command's use, flags and an
// example, not the whole usage; import's says what each kind reads.
func TestEachCommandHasItsOwnHelp(t *testing.T) {
	for name, want := range map[string][]string{
		"import": {"Usage: bot import", "tracking number column", "Example:"},
		"stats":  {"Usage: bot stats", "-by", "Example:"},
		"export": {"Usage: bot export", "-o", "Example:"},
		"undo":   {"Usage: bot undo"},
	} {
		var out bytes.Buffer
		if err := run(context.Background(), []string{name, "-h"}, envOf(nil), nil, &out, io.Discard); err != nil {
			t.Fatalf("%s -h: %v", name, err)
		}
		for _, w := range want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%s -h lacks %q:\n%s", name, w, out.String())
			}
		}
		if strings.Contains(out.String(), "bot migrate") {
			t.Errorf("%s -h prints the whole usage", name)
		}
	}
}
