package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roms-dev/roms/internal/bbolt/storetest"
)

// crashRounds is how many times the crash test kills the bot; ROMS_CRASH_ROUNDS sets
// more for a long run.
func crashRounds() int {
	if n, err := strconv.Atoi(os.Getenv("ROMS_CRASH_ROUNDS")); err == nil && n > 0 {
		return n
	}
	return 3
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestAcknowledgedOrdersSurviveSIGKILL posts orders from 16 clients at the built binary
// and kills it with SIGKILL at a random moment, round after round on one database: every
// order the webhook acknowledged is there once, with one event, and every page checks.
func TestAcknowledgedOrdersSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the bot")
	}
	dir := t.TempDir()
	bin := buildBot(t, dir)
	db := filepath.Join(dir, "roms.db")
	var mu sync.Mutex
	acked := map[string]bool{}
	attempts := 0
	for round := range crashRounds() {
		addr := freeAddr(t)
		cmd := exec.Command(bin)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "ROMS_HTTP_ADDR="+addr, "ROMS_STORAGE_PATH="+db, "ROMS_LOG_LEVEL=error",
			"ROMS_HTTP_RATE_LIMIT_PER_MINUTE=0") // 16 clients at full speed from one address
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitHealthy(t, "http://"+addr)
		ctx, stop := context.WithCancel(context.Background())
		var clients sync.WaitGroup
		for c := range 16 {
			clients.Go(func() {
				for i := 0; ctx.Err() == nil; i++ {
					number := fmt.Sprintf("R%d-C%d-%d", round, c, i)
					mu.Lock()
					attempts++
					mu.Unlock()
					if postOrder("http://"+addr, number) {
						mu.Lock()
						acked[number] = true
						mu.Unlock()
					}
				}
			})
		}
		time.Sleep(time.Duration(200+rand.IntN(600)) * time.Millisecond)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		stop()
		clients.Wait()
	}
	st := storetest.Open(t, db) // checks every page when the test ends
	missing, doubled := 0, 0
	for number := range acked {
		events, err := st.Events(context.Background(), number)
		switch {
		case err != nil:
			missing++
		case len(events) != 1:
			doubled++
		}
	}
	t.Logf("%d rounds of SIGKILL: %d posts, %d acknowledged, %d missing, %d with more than one event", crashRounds(), attempts, len(acked), missing, doubled)
	if len(acked) == 0 || missing > 0 || doubled > 0 {
		t.Errorf("%d acknowledged orders missing, %d doubled (of %d)", missing, doubled, len(acked))
	}
}

// buildBot builds the bot's binary into dir, for the tests that kill it.
func buildBot(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "bot")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(base + "/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the bot did not become healthy")
}

// postOrder posts one checkout and reports whether the webhook acknowledged it as created.
func postOrder(base, number string) bool {
	body := "Successful Checkout | Target\nProduct\nCrash test\nOrder Number\n" + number + "\n"
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Post(base+"/api/v2/webhooks/orders", "text/plain", strings.NewReader(body))
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return err == nil && resp.StatusCode == 200 && strings.Contains(string(raw), `"action":"created"`)
}
