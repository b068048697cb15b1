package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/roms-dev/roms/internal/bbolt"
	"github.com/roms-dev/roms/internal/httpapi"
	"github.com/roms-dev/roms/internal/live"
	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/orders"
)

// httpFigures posts checkouts to the real HTTP server on loopback from 1, 16 and 64
// clients for a while each, beside a no-op route (GET /health, which reads two counters)
// on the same server at the same concurrency: the ceiling of the server itself. Every
// acknowledged checkout is on disk (fsync on). It prints throughput and latency
// percentiles, which a Go benchmark does not give, and how many writes shared each commit.
func httpFigures(dir string, each time.Duration) error {
	st, svc, hub, logger, err := quietService(filepath.Join(dir, "http.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	handler := httpapi.NewServer(httpapi.Deps{Messages: svc, Orders: svc, Imports: svc, Hub: hub, Logger: logger,
		Database: httpapi.Database{Path: st.Path(), Counts: st.Counts}, Version: "bench", Started: time.Now()})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	var n atomic.Int64
	text := func() *http.Request {
		req, _ := http.NewRequest(http.MethodPost, base+"/api/v2/webhooks/orders", strings.NewReader(withNumber(n.Add(1))))
		req.Header.Set("Content-Type", "text/plain")
		return req
	}
	discord := func() *http.Request {
		body := bytes.Replace(discordBody, []byte("#BBY01-807102506907"), fmt.Appendf(nil, "#HTTP-%d", n.Add(1)), 1)
		req, _ := http.NewRequest(http.MethodPost, base+"/api/v2/webhooks/orders", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		return req
	}
	noop := func() *http.Request {
		req, _ := http.NewRequest(http.MethodGet, base+"/health", nil)
		return req
	}
	rate, err := fsyncRate(filepath.Join(dir, "fsync.db"), time.Second)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "the disk: %.0f fsync'd bbolt commits a second, one writer; \"per commit\" is how many checkouts shared each\n", rate)
	fmt.Fprintf(out, "%-40s %10s %10s %10s %12s\n", "HTTP, loopback, for "+each.String()+" each", "per second", "p50", "p99", "per commit")
	for _, clients := range []int{1, 16, 64} {
		for _, run := range []struct {
			name string
			req  func() *http.Request
		}{{"no-op route (GET /health)", noop}, {"ingest, text body", text}, {"ingest, Discord JSON body", discord}} {
			commits, writes := st.CommitCounts()
			rate, p50, p99, err := load(run.req, clients, each)
			if err != nil {
				return fmt.Errorf("%s: %w", run.name, err)
			}
			perCommit := ""
			if c, w := st.CommitCounts(); c > commits {
				perCommit = fmt.Sprintf("%.1f", float64(w-writes)/float64(c-commits))
			}
			fmt.Fprintf(out, "%-40s %10.0f %10s %10s %12s\n", fmt.Sprintf("%d client(s): %s", clients, run.name), rate,
				p50.Round(10*time.Microsecond), p99.Round(10*time.Microsecond), perCommit)
		}
	}
	fmt.Fprintln(out)
	return pruneFigures(st)
}

// quietService opens a bbolt store at path and the orders service over it, as the bot
// runs them, logging nowhere.
func quietService(path string) (*bbolt.Store, *orders.Service, *live.Hub, *slog.Logger, error) {
	st, err := bbolt.Open(path, time.Second)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	hub := live.NewHub()
	svc, err := orders.New(st, orders.Options{Publisher: hub, Logger: logger})
	return st, svc, hub, logger, err
}

// pruneFigures trims the webhook log the HTTP figures left, one chunk a call, and prints
// how long each chunk's transaction took: as long as writers wait on a trim at most.
func pruneFigures(st *bbolt.Store) error {
	ctx := context.Background()
	c, err := st.Counts(ctx)
	if err != nil {
		return err
	}
	var took []time.Duration
	for keep := c.LogItems - order.PruneChunk; keep > 0; keep -= order.PruneChunk {
		start := time.Now()
		if _, err := st.PruneLogs(ctx, order.Retention{MaxEntries: keep}, time.Now()); err != nil {
			return err
		}
		took = append(took, time.Since(start))
	}
	if len(took) == 0 {
		return nil
	}
	fmt.Fprintf(out, "trimming the webhook log of %d entries, %d a transaction: p50 %s, longest %s\n\n", c.LogItems, order.PruneChunk,
		percentile(took, 0.5).Round(10*time.Microsecond), percentile(took, 1).Round(10*time.Microsecond))
	return nil
}

// fsyncRate is how many small durable bbolt commits one writer makes a second: what the
// disk allows before writes share commits.
func fsyncRate(path string, d time.Duration) (float64, error) {
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	n := 0
	start := time.Now()
	for ; time.Since(start) < d; n++ {
		if err := smallCommit(db, n, []byte("checkout")); err != nil {
			return 0, err
		}
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// smallCommit is one durable bbolt transaction that puts one value under key i: the
// floor of every write, as a rate (fsyncRate) and as a benchmark (boltCommit).
func smallCommit(db *bolt.DB, i int, value []byte) error {
	return db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("b"))
		if err != nil {
			return err
		}
		return b.Put(fmt.Append(nil, i), value)
	})
}

// load sends requests from clients goroutines for d and returns the rate of successful
// answers and the 50th and 99th percentiles of their latency.
func load(newRequest func() *http.Request, clients int, d time.Duration) (float64, time.Duration, time.Duration, error) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: 10 * time.Second}
	var mu sync.Mutex
	var latencies []time.Duration
	var failed atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(deadline) {
				start := time.Now()
				resp, err := client.Do(newRequest())
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failed.Add(1)
					continue
				}
				mine = append(mine, time.Since(start))
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	if failed.Load() > 0 {
		return 0, 0, 0, fmt.Errorf("%d requests failed", failed.Load())
	}
	if len(latencies) == 0 {
		return 0, 0, 0, fmt.Errorf("no request finished")
	}
	return float64(len(latencies)) / d.Seconds(), percentile(latencies, 0.50), percentile(latencies, 0.99), nil
}
