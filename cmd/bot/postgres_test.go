package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/roms-dev/roms/internal/fakediscord"
	"github.com/roms-dev/roms/internal/postgres"
	"github.com/roms-dev/roms/internal/postgres/pgtest"
)

// TestTwoBotsShareOnePostgreSQL runs two bots on one database: a checkout posted to one
// is read from the other, a command opens the database beside them, and the banner
// names the server without its password.
func TestTwoBotsShareOnePostgreSQL(t *testing.T) {
	t.Chdir(t.TempDir())
	dsn := pgtest.DSN(t)
	env := func() map[string]string {
		return map[string]string{"ROMS_STORAGE_DRIVER": "postgres", "ROMS_STORAGE_POSTGRES_DSN": dsn}
	}
	first, second := startBot(t, env()), startBot(t, env())
	if out := first.stdout.String(); !strings.Contains(out, "(PostgreSQL)") || strings.Contains(out, "search_path") {
		t.Errorf("banner:\n%s", out)
	}
	resp, err := http.Post(first.base+"/api/v2/webhooks/orders", "text/plain", bytes.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = http.Get(second.base + "/api/v2/orders/BBY01-807102506907")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var o struct{ Product string }
	if resp.StatusCode != 200 || json.Unmarshal(body, &o) != nil || o.Product == "" {
		t.Fatalf("the second bot does not see the first's order: %d %s", resp.StatusCode, body)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"stats"}, envOf(env()), strings.NewReader(""), &out, io.Discard); err != nil ||
		!strings.Contains(out.String(), "299.99") {
		t.Errorf("bot stats beside two running bots: %v\n%s", err, out.String())
	}
	pg, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	if c, err := pg.Counts(context.Background()); err != nil || c.Orders != 1 {
		t.Errorf("counts %+v %v", c, err)
	}
}

// TestGatewayFailsOverBetweenTwoProcesses runs two built bots on one database with the
// fake Discord. One holds the gateway, the other stands by; the holder is killed with
// SIGKILL in the middle of a stream of checkouts. The other takes over, catches up from
// the shared channel cursor, and every checkout is stored exactly once and posted once
// to the success channel; edits after the fail-over update their orders.
func TestGatewayFailsOverBetweenTwoProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the bot")
	}
	dsn := pgtest.DSN(t)
	fake := fakediscord.Start(t)
	dir := t.TempDir()
	bin := buildBot(t, dir)
	start := func() (*exec.Cmd, string) {
		addr := freeAddr(t)
		cmd := exec.Command(bin)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "ROMS_HTTP_ADDR="+addr, "ROMS_LOG_LEVEL=error",
			"ROMS_STORAGE_DRIVER=postgres", "ROMS_STORAGE_POSTGRES_DSN="+dsn,
			"ROMS_RELAY_PUBLIC_CHANNEL="+successChannel, "ROMS_RELAY_SHOW=order_number")
		for k, v := range discordEnv(fake) {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		waitHealthy(t, "http://"+addr)
		return cmd, "http://" + addr
	}
	a, aURL := start()
	b, bURL := start()
	state := func(base string) (string, string) {
		var h struct {
			Discord struct{ State, Holder string } `json:"discord"`
		}
		getJSON(t, base+"/health", &h)
		return h.Discord.State, h.Discord.Holder
	}
	var holder *exec.Cmd
	var survivor string
	waitFor(t, "one instance to hold the gateway", func() bool {
		sa, _ := state(aURL)
		sb, _ := state(bURL)
		switch {
		case sa == "connected" && sb == "standby":
			holder, survivor = a, bURL
		case sb == "connected" && sa == "standby":
			holder, survivor = b, aURL
		}
		return holder != nil
	})
	if _, named := state(survivor); named == "" {
		t.Errorf("the standby instance does not say which instance holds the gateway")
	}

	const total = 120
	var killedAt, backAt time.Time
	ids := map[string]string{}
	for i := range total {
		number := fmt.Sprintf("FO-%d", i)
		ids[number] = fake.Post(channel, checkoutMessage(number, time.Now())).ID
		if i == total/2 { // in the middle of the burst, with posts still on their way
			_ = holder.Process.Kill()
			killedAt = time.Now()
		}
	}
	// Taking the lock, then a new session: Discord takes one IDENTIFY per 5 s from an app,
	// so when the holder's was recent the survivor's gets op 9 and waits the 1 to 5 s the
	// docs ask plus its own 5 s gap, as it would on Discord.
	waitWithin(t, 30*time.Second, "the other instance to take the gateway", func() bool { s, _ := state(survivor); return s == "connected" })
	backAt = time.Now()
	edited := []string{"FO-1", "FO-70", fmt.Sprintf("FO-%d", total-1)}
	waitFor(t, "every checkout stored", func() bool {
		var page struct{ Total int }
		getJSON(t, survivor+"/api/v2/orders?q=FO-&limit=1", &page)
		return page.Total == total
	})
	for _, number := range edited {
		fake.Edit(channel, ids[number], func(m *discordgo.Message) { m.Embeds[0].Fields[0].Value = "Elite Trainer Box (2)" })
	}
	for i := range total {
		number, want := fmt.Sprintf("FO-%d", i), 1
		if slices.Contains(edited, number) {
			want = 2
			waitFor(t, number+"'s edit", func() bool {
				var events []json.RawMessage
				getJSON(t, survivor+"/api/v2/orders/"+number+"/events", &events)
				return len(events) == want
			})
		}
		var events []json.RawMessage
		if getJSON(t, survivor+"/api/v2/orders/"+number+"/events", &events); len(events) != want {
			t.Errorf("%s has %d events, want %d", number, len(events), want)
		}
	}
	// The success relay posted each checkout once: the killed holder's outbox went on
	// at the survivor, and what was in flight when it died was not posted again.
	relayedOnce(t, fake, "FO-%d", total)
	t.Logf("fail-over: the standby instance held the gateway %v after the holder was killed; %d checkouts each stored and relayed once",
		backAt.Sub(killedAt).Round(10*time.Millisecond), total)
}

// TestConcurrentIngestAcrossInstancesLosesNothing posts changes to the same order
// numbers at two instances at once: each number is one order, and every change is one
// event on it.
func TestConcurrentIngestAcrossInstancesLosesNothing(t *testing.T) {
	t.Chdir(t.TempDir())
	dsn := pgtest.DSN(t)
	env := func() map[string]string {
		return map[string]string{"ROMS_STORAGE_DRIVER": "postgres", "ROMS_STORAGE_POSTGRES_DSN": dsn,
			"ROMS_HTTP_RATE_LIMIT_PER_MINUTE": "0"}
	}
	bases := []string{startBot(t, env()).base, startBot(t, env()).base}
	const numbers, perClient, clients = 5, 20, 8
	var wg sync.WaitGroup
	var failed atomic.Int32
	for c := range clients {
		wg.Go(func() {
			for i := range perClient {
				number := fmt.Sprintf("RACE-%d", i%numbers)
				body := fmt.Sprintf("Successful Checkout | Target\nProduct\nETB\nOrder Number\n%s\nNotes\nclient %d post %d\n", number, c, i)
				resp, err := http.Post(bases[c%2]+"/api/v2/webhooks/orders", "text/plain", strings.NewReader(body))
				if err != nil || resp.StatusCode != 200 {
					failed.Add(1)
				}
				if resp != nil {
					resp.Body.Close()
				}
			}
		})
	}
	wg.Wait()
	if failed.Load() > 0 {
		t.Fatalf("%d posts failed", failed.Load())
	}
	var page struct{ Total int }
	getJSON(t, bases[0]+"/api/v2/orders?q=RACE-", &page)
	if page.Total != numbers {
		t.Errorf("%d orders, want %d", page.Total, numbers)
	}
	events := 0
	for n := range numbers {
		var list []json.RawMessage
		getJSON(t, fmt.Sprintf("%s/api/v2/orders/RACE-%d/events", bases[1], n), &list)
		events += len(list)
	}
	if want := clients * perClient; events != want {
		t.Errorf("%d events, want %d: every post changed its order's notes", events, want)
	}
}

// TestLiveChangesReachEveryInstance watches one instance's live stream while a checkout
// is posted to the other.
func TestLiveChangesReachEveryInstance(t *testing.T) {
	t.Chdir(t.TempDir())
	dsn := pgtest.DSN(t)
	env := func() map[string]string {
		return map[string]string{"ROMS_STORAGE_DRIVER": "postgres", "ROMS_STORAGE_POSTGRES_DSN": dsn}
	}
	a, b := startBot(t, env()), startBot(t, env())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.base+"/api/v2/live", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	seen, subscribed := make(chan bool, 1), make(chan struct{})
	go func() {
		scanner := bufio.NewScanner(resp.Body)
		scanner.Buffer(make([]byte, 1<<20), 1<<20)
		once := sync.Once{}
		for scanner.Scan() {
			once.Do(func() { close(subscribed) }) // the stream's first ping: subscribed
			if strings.Contains(scanner.Text(), "BBY01-807102506907") {
				seen <- true
				return
			}
		}
		seen <- false
	}()
	<-subscribed
	waitFor(t, "the other instance's relay listening", func() bool {
		var h struct {
			LiveRelay string `json:"live_relay"`
		}
		getJSON(t, b.base+"/health", &h)
		return h.LiveRelay == "listening"
	})
	post, err := http.Post(a.base+"/api/v2/webhooks/orders", "text/plain", bytes.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	post.Body.Close()
	if !<-seen {
		t.Error("the checkout posted to one instance never showed on the other's live stream")
	}
}
