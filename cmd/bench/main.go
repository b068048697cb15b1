// Command bench measures the hot paths of ROMS against baselines measured in the same
// run: machines here are shared and noisy, so the figures that mean something are the
// ratios, not the nanoseconds.
//
//	go run ./cmd/bench [-quick] [-orders 100000] [-cache DIR] [-markdown docs/performance.md] [-test.benchtime=2s]
package main

import (
	"bytes"
	_ "embed"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/roms-dev/roms/internal/embedtext"
	"github.com/roms-dev/roms/internal/live"
	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/orders"
	"github.com/roms-dev/roms/internal/parser"
)

// message is the Refract sample of the webhook guide.
//
//go:embed message.txt
var message string

// discordBody is the same checkout as Refract posts it to Discord: an embed, as JSON.
//
//go:embed message.json
var discordBody []byte

type bench struct {
	name, baseline string
	fn             func(b *testing.B)
}

// ordersFlag is how many orders the query benchmarks run over.
var ordersFlag = flag.Int("orders", 100_000, "orders in the database the query benchmarks read (0 skips them)")

// httpFlag is how long each HTTP figure runs; 0 skips them.
var httpFlag = flag.Duration("http", 3*time.Second, "how long each HTTP ingest figure runs (0 skips them)")

// cacheFlag keeps the seeded bbolt databases between runs, so that a run over a million
// orders seeds them once.
var cacheFlag = flag.String("cache", "", "folder that keeps the seeded bbolt databases between runs (default: none)")

// postgresFlag runs the store benchmarks on PostgreSQL too, each beside its bbolt figure.
var postgresFlag = flag.String("postgres", "", "also run the store benchmarks on this PostgreSQL database (postgres://...), in schemas of their own")

// discordFlag is how long each Discord path figure runs; 0 skips them.
var discordFlag = flag.Duration("discord", 3*time.Second, "how long each figure of the Discord path (fake gateway to disk) runs (0 skips them)")

// latencyFlag is how long each query's percentiles are measured for; 0 skips them.
var latencyFlag = flag.Duration("latency", time.Second, "how long each query of the percentile table runs (0 skips the table)")

// quickFlag makes every figure small and short: a check that the bench runs, not a
// measure (CI runs it).
var quickFlag = flag.Bool("quick", false, "a small, short run of every figure: 2,000 orders, a fraction of a second each")

// markdownFlag writes the run's figures into a Markdown page as well: docs/performance.md
// is made this way, so that figures live in one place that a run can bring up to date.
var markdownFlag = flag.String("markdown", "", "also write the figures into this Markdown file (docs/performance.md is made this way)")

// out is where the figures go: standard output, and the Markdown page's buffer.
var out io.Writer = os.Stdout

// cpuProfileFlag writes a CPU profile of the whole run, for `go tool pprof`.
var cpuProfileFlag = flag.String("cpuprofile", "", "write a CPU profile of the run to this file")

func main() {
	testing.Init()
	flag.Parse()
	if *quickFlag {
		*ordersFlag, *httpFlag, *discordFlag, *latencyFlag = 2000, 200*time.Millisecond, 200*time.Millisecond, 50*time.Millisecond
		if err := flag.Set("test.benchtime", "50ms"); err != nil {
			fail(err)
		}
	}
	if *markdownFlag != "" {
		var figures bytes.Buffer
		out = io.MultiWriter(os.Stdout, &figures)
		defer func() {
			if err := writeMarkdown(*markdownFlag, figures.String()); err != nil {
				fail(err)
			}
		}()
	}
	if *cpuProfileFlag != "" {
		stop, err := profileCPU(*cpuProfileFlag)
		if err != nil {
			fail(err)
		}
		defer stop()
	}
	dir, err := os.MkdirTemp("", "roms-bench-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(dir)

	if *httpFlag > 0 {
		if err := httpFigures(dir, *httpFlag); err != nil {
			fail(err)
		}
	}
	if *discordFlag > 0 {
		if err := discordFigures(dir, *discordFlag); err != nil {
			fail(err)
		}
	}
	benches := []bench{
		{name: "line scan of a checkout", fn: lineScan},
		{name: "parse a checkout", baseline: "line scan of a checkout", fn: parse},
		{name: "read a Discord embed (JSON)", baseline: "parse a checkout", fn: readEmbed},
		{name: "redact a Discord body", baseline: "parse a checkout", fn: redactBody},
		{name: "bbolt commit (fsync)", fn: boltCommit(dir)},
	}
	drivers := []driver{{open: boltOpener(dir)}}
	if *postgresFlag != "" {
		open, cleanup := pgOpener(*postgresFlag)
		defer cleanup()
		drivers = append(drivers, driver{prefix: "pg: ", open: open})
	}
	for _, d := range drivers {
		benches = append(benches,
			d.bench("ingest, one writer", "bbolt commit (fsync)", ingestNew(d.open, "serial", 1)),
			d.bench("ingest, 64 writers", "ingest, one writer", ingestNew(d.open, "parallel", 64)),
			d.bench("ingest an update", "ingest, one writer", ingestUpdate(d.open)))
	}
	if *ordersFlag > 0 {
		if *cacheFlag != "" {
			drivers[0].seed = boltOpener(*cacheFlag)
		}
		for _, d := range drivers {
			open := d.open
			if d.seed != nil {
				open = d.seed
			}
			svc, err := seeded(open, *ordersFlag)
			if err != nil {
				fail(err)
			}
			if *latencyFlag > 0 {
				if err := queryLatencies(d.prefix, svc, *ordersFlag, *latencyFlag); err != nil {
					fail(err)
				}
			}
			for _, q := range queryBenches(svc, *ordersFlag) {
				benches = append(benches, d.bench(q.name, q.baseline, q.fn))
			}
		}
	}
	results := map[string]testing.BenchmarkResult{}
	fmt.Fprintf(out, "%-34s %12s %10s %12s  %s\n", "", "per op", "allocs/op", "bytes/op", "ratio")
	for _, bc := range benches {
		r := testing.Benchmark(bc.fn)
		results[bc.name] = r
		ratio := "baseline"
		if base, ok := results[bc.baseline]; ok && base.NsPerOp() > 0 {
			ratio = fmt.Sprintf("%.2fx %s", float64(r.NsPerOp())/float64(base.NsPerOp()), bc.baseline)
		}
		fmt.Fprintf(out, "%-34s %12s %10d %12d  %s\n", bc.name, time.Duration(r.NsPerOp()), r.AllocsPerOp(), r.AllocedBytesPerOp(), ratio)
	}
}

// boltCommit is the floor every stored checkout pays: one durable bbolt transaction.
func boltCommit(dir string) func(*testing.B) {
	return func(b *testing.B) {
		db, err := bolt.Open(filepath.Join(dir, fmt.Sprintf("bolt-%d.db", b.N)), 0o600, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		value := []byte(strings.Repeat("x", 1500)) // about the size of a stored order and log entry
		i := 0
		for b.Loop() {
			i++
			if err := smallCommit(db, i, value); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// lineScan is the parser's floor: one pass that splits and trims the message's lines.
func lineScan(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for line := range strings.Lines(message) {
			if strings.TrimSpace(line) != "" {
				n++
			}
		}
		if n == 0 {
			b.Fatal("no lines")
		}
	}
}

// readEmbed is the webhook's whole path from a Discord body to a message.
func readEmbed(b *testing.B) {
	reader, _ := parser.NewReader(nil)
	b.ReportAllocs()
	for b.Loop() {
		found, err := embedtext.Body("application/json", discordBody)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := found[0].Read(reader, time.UTC); err != nil {
			b.Fatal(err)
		}
	}
}

// redactBody is what keeping a Discord body in the webhook log costs.
func redactBody(b *testing.B) {
	body := string(discordBody)
	b.ReportAllocs()
	for b.Loop() {
		parser.Redact(body)
	}
}

func parse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parser.Parse(message); err != nil {
			b.Fatal(err)
		}
	}
}

func pipeline(b *testing.B, open opener, name string) *orders.Service {
	st, closeStore, err := open(fmt.Sprintf("%s-%d", name, b.N))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(closeStore)
	svc, err := orders.New(st, orders.Options{Publisher: live.NewHub()})
	if err != nil {
		b.Fatal(err)
	}
	return svc
}

// withNumber gives the sample message a fresh order number, so every op creates an order.
func withNumber(n int64) string {
	return strings.Replace(message, "#BBY01-807102506907", fmt.Sprintf("#BENCH-%d", n), 1)
}

// ingestNew stores new checkouts through the whole pipeline from writers goroutines;
// bbolt's batching lets concurrent writers share commits.
func ingestNew(open opener, name string, writers int) func(*testing.B) {
	return func(b *testing.B) {
		p := pipeline(b, open, name)
		var n atomic.Int64
		store := func() error {
			_, err := p.Ingest(b.Context(), orders.Input{Origin: order.Origin{Source: order.SourceHTTP}, Text: withNumber(n.Add(1))})
			return err
		}
		b.ReportAllocs()
		if writers == 1 {
			for b.Loop() {
				if err := store(); err != nil {
					b.Fatal(err)
				}
			}
			return
		}
		// RunParallel starts parallelism x GOMAXPROCS goroutines.
		b.SetParallelism((writers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := store(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
}

// ingestUpdate changes one known order again and again: merge, event and log entry.
func ingestUpdate(open opener) func(*testing.B) {
	return func(b *testing.B) {
		p := pipeline(b, open, "update")
		i := 0
		b.ReportAllocs()
		for b.Loop() {
			i++
			text := message + fmt.Sprintf("Notes\nupdate %d\n", i)
			if _, err := p.Ingest(b.Context(), orders.Input{Origin: order.Origin{Source: order.SourceHTTP}, Text: text}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// profileCPU starts a CPU profile into path; the returned function ends it.
func profileCPU(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}
