package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/roms-dev/roms/internal/bbolt"
	"github.com/roms-dev/roms/internal/order"
)

func postText(t *testing.T, base, text string) {
	t.Helper()
	resp, err := http.Post(base+"/api/v2/webhooks/orders", "text/plain", strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("webhook: %d", resp.StatusCode)
	}
}

// TestStatsAndExportWhileRunningAndWhileStopped runs both commands against the running bot
// (which holds the database) and then against the database itself; both ways must agree.
func TestStatsAndExportWhileRunningAndWhileStopped(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	env := map[string]string{"ROMS_TIMEZONE": "America/New_York"}
	bot := startBot(t, env)
	postText(t, bot.base, string(sample))
	postText(t, bot.base, "Checkout Declined | Target\nProduct\nPokemon ETB\nPrice\n$49.99\nProfile\nAmex\nOrder Number\nTGT-9\n")
	addr := strings.TrimPrefix(bot.base, "http://")
	running := map[string]string{"ROMS_HTTP_ADDR": addr, "ROMS_TIMEZONE": "America/New_York"}

	var live bytes.Buffer
	if err := run(context.Background(), []string{"stats", "-by", "store", "-since", "today"}, envOf(running), nil, &live, io.Discard); err != nil {
		t.Fatalf("stats while running: %v", err)
	}
	for _, want := range []string{"days in America/New_York", "STORE", "Best Buy US", "299.99 USD", "Target", "50.0%", "All"} {
		if !strings.Contains(live.String(), want) {
			t.Errorf("stats lacks %q:\n%s", want, live.String())
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"export", "-o", "live.csv", "-store", "best buy"}, envOf(running), nil, &out, io.Discard); err != nil {
		t.Fatalf("export while running: %v", err)
	}
	if err := bot.stop(); err != nil {
		t.Fatal(err)
	}

	var stopped bytes.Buffer
	if err := run(context.Background(), []string{"stats", "-by", "store", "-since", "today"}, envOf(env), nil, &stopped, io.Discard); err != nil {
		t.Fatalf("stats while stopped: %v", err)
	}
	if stopped.String() != live.String() {
		t.Errorf("stats differ:\nrunning:\n%s\nstopped:\n%s", live.String(), stopped.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"export", "-o", "stopped.csv", "-store", "best buy"}, envOf(env), nil, &out, io.Discard); err != nil {
		t.Fatalf("export while stopped: %v", err)
	}
	if !strings.Contains(out.String(), "Wrote 1 orders to stopped.csv") {
		t.Errorf("export said %q", out.String())
	}
	a, _ := os.ReadFile("live.csv")
	b, _ := os.ReadFile("stopped.csv")
	if !bytes.Equal(a, b) || !bytes.Contains(a, []byte("BBY01-807102506907")) || bytes.Contains(a, []byte("TGT-9")) {
		t.Errorf("exports differ or are wrong:\n%s\n%s", a, b)
	}
	if _, err := os.Stat("stopped.csv.partial"); err == nil {
		t.Error("partial file left behind")
	}
	for _, bad := range [][]string{{"export"}, {"export", "-o", "stopped.csv"}, {"stats", "-by", "colour"}, {"stats", "-since", "soon"}, {"stats", "-status", "delivred"}} {
		if err := run(context.Background(), bad, envOf(env), nil, io.Discard, io.Discard); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

func TestImportAndUndoWhileRunningAndWhileStopped(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	bot := startBot(t, nil)
	postText(t, bot.base, string(sample))
	if err := os.WriteFile("tracking.csv", []byte("Order Number,Tracking\nBBY01-807102506907,1Z999\nNOPE-1,1Z888\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	running := map[string]string{"ROMS_HTTP_ADDR": strings.TrimPrefix(bot.base, "http://")}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"import", "tracking", "tracking.csv"}, envOf(running), nil, &out, io.Discard); err != nil {
		t.Fatalf("import while running: %v", err)
	}
	for _, want := range []string{"2 rows: 1 updated, 1 not found", "bot undo ", "3,NOPE-1,1Z888,no order with number NOPE-1"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("import output lacks %q:\n%s", want, out.String())
		}
	}
	batch := regexp.MustCompile(`bot undo (\S+)`).FindStringSubmatch(out.String())[1]
	if err := bot.stop(); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"undo", batch}, envOf(nil), nil, &out, io.Discard); err != nil {
		t.Fatalf("undo while stopped: %v", err)
	}
	if !strings.Contains(out.String(), "1 put back") {
		t.Errorf("undo output %q", out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"import", "-rejected", "rejected.csv", "tracking", "tracking.csv"}, envOf(nil), nil, &out, io.Discard); err != nil {
		t.Fatalf("import while stopped: %v", err)
	}
	if raw, _ := os.ReadFile("rejected.csv"); !strings.Contains(string(raw), "NOPE-1") {
		t.Errorf("rejected rows file: %q", raw)
	}
	for _, bad := range [][]string{{"import", "tracking"}, {"import", "receipts", "tracking.csv"}, {"import", "tracking", "missing.csv"}, {"undo"}, {"undo", "19990101-000000-aaaaaa"}} {
		if err := run(context.Background(), bad, envOf(nil), nil, io.Discard, io.Discard); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

func TestReplayWhileStoppedAndWhileRunning(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	st, err := bbolt.Open(filepath.Join(dir, "roms.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// An input the disk refused once: it is in the log as rejected, its body readable.
	_, err = st.AppendLog(context.Background(), order.LogEntry{ReceivedAt: time.Now(), Origin: order.Origin{Source: "http"},
		ContentType: "text/plain", Body: string(sample), Outcome: order.OutcomeRejected, Error: "could not store: disk full"}, nil)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"replay", "-since", "all", "-outcome", "rejected"}, envOf(nil), nil, &out, io.Discard); err != nil {
		t.Fatalf("replay while stopped: %v", err)
	}
	if !strings.Contains(out.String(), "Replayed 1 rejected inputs: 1 created") {
		t.Errorf("output %q", out.String())
	}
	bot := startBot(t, nil)
	postText(t, bot.base, "just a ping")
	out.Reset()
	running := map[string]string{"ROMS_HTTP_ADDR": strings.TrimPrefix(bot.base, "http://")}
	if err := run(context.Background(), []string{"replay", "-since", "1h", "-outcome", "ignored"}, envOf(running), nil, &out, io.Discard); err != nil {
		t.Fatalf("replay while running: %v", err)
	}
	if !strings.Contains(out.String(), "Replayed 1 ignored inputs: 0 created, 0 updated, 0 unchanged, 1 still ignored") {
		t.Errorf("output %q", out.String())
	}
	for _, bad := range [][]string{{"replay"}, {"replay", "-since", "soon"}, {"replay", "-since", "all", "-outcome", "created"}} {
		if err := run(context.Background(), bad, envOf(running), nil, io.Discard, io.Discard); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

// TestTheWebhookLogKeepsItsBoundAsEntriesArrive is the finding: 120 bodies of 1 MB filled
// the log to 118 MB against max_mb 20 until the trimmer's next round. The bound now
// holds as entries are added (a twentieth of it over at most, while a trim runs).
func TestTheWebhookLogKeepsItsBoundAsEntriesArrive(t *testing.T) {
	t.Chdir(t.TempDir())
	bot := startBot(t, map[string]string{"ROMS_STORAGE_LOG_RETENTION_MAX_MB": "1"})
	for i := range 40 {
		noise := make([]byte, 60_000) // what compresses poorly, as the log stores entries compressed
		_, _ = rand.Read(noise)
		padding := base64.StdEncoding.EncodeToString(noise)
		postText(t, bot.base, fmt.Sprintf("Successful Checkout | Target\nOrder Number\nLB-%d\nNotes\n%s\n", i, padding))
	}
	var h struct {
		Database struct {
			LogBytes int64 `json:"webhook_log_bytes"`
			Entries  int   `json:"webhook_logs"`
		} `json:"database"`
	}
	waitFor(t, "the log back within its bound", func() bool {
		getJSON(t, bot.base+"/health", &h)
		return h.Database.LogBytes <= 1<<20
	})
	if h.Database.Entries == 0 || h.Database.Entries >= 40 {
		t.Errorf("%d entries kept of 40", h.Database.Entries)
	}
}

// TestALargeImportShowsItsProgress: `bot import` against the running bot follows the
// import's progress to its end, as `bot backfill` does.
func TestALargeImportShowsItsProgress(t *testing.T) {
	t.Chdir(t.TempDir())
	bot := startBot(t, nil)
	var csv strings.Builder
	csv.WriteString("Order Number,Product,Price\n")
	for i := range progressFrom + 1000 {
		fmt.Fprintf(&csv, "PR-%d,Widget,19.99\n", i)
	}
	if err := os.WriteFile("orders.csv", []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	running := map[string]string{"ROMS_HTTP_ADDR": strings.TrimPrefix(bot.base, "http://")}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"import", "orders", "orders.csv"}, envOf(running), nil, &out, io.Discard); err != nil {
		t.Fatalf("import: %v\n%s", err, out.String())
	}
	for _, want := range []string{"1000 of 6000 rows", "6000 of 6000 rows (100%)", "6000 rows: 6000 created"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%.600s", want, out.String())
		}
	}
	if n := strings.Count(out.String(), "6000 of 6000 rows"); n != 1 {
		t.Errorf("the end shown %d times:\n%.600s", n, out.String())
	}
}
