package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/roms-dev/roms/internal/bbolt"
	"github.com/roms-dev/roms/internal/commands"
	"github.com/roms-dev/roms/internal/live"
	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/orders"
)

// seeded returns a service over a database of n orders spread over the last year, in
// the order they happened give or take a day, written through the real store by 64
// writers (so they share commits, as a drop does).
func seeded(open opener, n int) (*orders.Service, error) {
	start := time.Now()
	st, _, err := open(fmt.Sprintf("orders-dated-%d", n)) // kept open until the run ends
	if err != nil {
		return nil, err
	}
	if c, err := st.Counts(context.Background()); err == nil && c.Orders >= n {
		fmt.Fprintf(out, "reusing %d seeded orders\n", c.Orders)
		return reopened(st, n)
	}
	stores := []string{"Best Buy US", "Target", "Walmart", "Pokemon Center", "Costco", "GameStop"}
	profiles := []string{"Chase 1", "Chase 2", "Amex Gold", "Amex Plat", "Citi", "Discover", "Capital One", "Wells"}
	statuses := []string{"verified", "verified", "verified", "shipped", "delivered", "cancelled", "declined"}
	products := []string{"STARLINK Mini Kit", "Pokemon ETB", "PS5 Slim", "Switch 2", "Booster Bundle", "Xbox Series X", "RTX 5090"}
	year := time.Now().AddDate(-1, 0, 0)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	var next atomic.Int64 // the writers take checkouts in turn, so ids follow the dates
	for w := range 64 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				price := order.Money(1000 + r.IntN(100_000))
				qty := 1 + r.IntN(3)
				f := order.Fields{
					Product: products[r.IntN(len(products))], Price: &price, Quantity: &qty, Currency: "USD",
					Store: stores[r.IntN(len(stores))], Profile: profiles[r.IntN(len(profiles))],
					Status: statuses[r.IntN(len(statuses))], Email: fmt.Sprintf("buyer%d@example.com", r.IntN(500)),
				}
				if r.IntN(2) == 0 {
					f.TrackingNumbers = []string{fmt.Sprintf("1Z%010d", i)}
				}
				// Checkouts are stored as they happen, so ids follow dates, but not exactly:
				// a message caught up after an outage, or a bot that posts late, lands up to
				// a day behind.
				at := year.Add(time.Duration(i)*(365*24*time.Hour/time.Duration(n)) - time.Duration(r.Int64N(int64(24*time.Hour))))
				number := fmt.Sprintf("BENCH-%07d", i)
				_, err := st.Write(context.Background(), order.Write{Number: number, Edit: order.Edit{Fields: f},
					Origin: order.Origin{Source: order.SourceHTTP}, Actor: "message:http", OccurredAt: at, At: at})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	counts, err := st.Counts(context.Background())
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "seeded %d orders in %s: %d bytes, %d bytes per order\n", n, time.Since(start).Round(time.Second), counts.SizeBytes, counts.SizeBytes/int64(n))
	return reopened(st, n)
}

// reopened closes a seeded bbolt store and opens it again as the bot does at start (its
// summaries read into memory), printing how long that takes and the memory they hold.
// Other stores are returned as they are.
func reopened(st order.Store, n int) (*orders.Service, error) {
	if bolt, ok := st.(*bbolt.Store); ok {
		path := bolt.Path()
		if err := bolt.Close(); err != nil {
			return nil, err
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		reopened, err := bbolt.Open(path, time.Second)
		if err != nil {
			return nil, err
		}
		took := time.Since(start)
		runtime.GC()
		runtime.ReadMemStats(&after)
		fmt.Fprintf(out, "start-up with %d orders: %s; summaries in memory: %d bytes an order\n", n, took.Round(time.Millisecond),
			(int64(after.HeapAlloc)-int64(before.HeapAlloc))/int64(n))
		st = reopened
	}
	fmt.Fprintln(out)
	return orders.New(st, orders.Options{Publisher: live.NewHub(), Location: time.Local})
}

// queryBenches read the seeded database. Their baseline is one pass over every order's
// summary that matches none (a store no order has, so that every row is read): what any
// query that has to look at every order costs at least, on one core.
func queryBenches(svc *orders.Service, n int) []bench {
	month := time.Now().AddDate(0, -1, 0)
	router := commands.New(svc, commands.Config{})
	prefix := fmt.Sprintf("%dk orders: ", n/1000)
	list := func(f order.Filter) func(*testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := svc.List(b.Context(), f); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	return []bench{
		{name: prefix + "scan every summary", fn: func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				// By email, which no list of orders narrows (stores, statuses and profiles
				// have theirs): every summary is tested, and none matches.
				if _, err := svc.Export(b.Context(), order.Filter{Sort: order.SortDateDesc, Email: "no email has this"}, io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		}},
		{name: prefix + "first page, no filter", baseline: prefix + "scan every summary", fn: list(order.Filter{Limit: 50})},
		{name: prefix + "last month, store", baseline: prefix + "scan every summary", fn: list(order.Filter{Limit: 50, From: month, Store: "target"})},
		{name: prefix + "q= search", baseline: prefix + "scan every summary", fn: list(order.Filter{Limit: 50, Query: "buyer42@"})},
		{name: prefix + "stats, month by store", baseline: prefix + "scan every summary", fn: func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := svc.Stats(b.Context(), order.Filter{From: month}, order.GroupStore); err != nil {
					b.Fatal(err)
				}
			}
		}},
		{name: prefix + "stats, year by day", baseline: prefix + "scan every summary", fn: func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := svc.Stats(b.Context(), order.Filter{}, order.GroupDay); err != nil {
					b.Fatal(err)
				}
			}
		}},
		{name: prefix + "CSV export, all", baseline: prefix + "scan every summary", fn: func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := svc.Export(b.Context(), order.Filter{}, io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		}},
		{name: prefix + "autocomplete, prefix", baseline: prefix + "scan every summary", fn: func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := svc.Numbers(b.Context(), "BENCH-00012", 25); err != nil {
					b.Fatal(err)
				}
			}
		}},
		{name: prefix + "autocomplete, empty", baseline: prefix + "scan every summary", fn: func(b *testing.B) {
			for b.Loop() {
				if _, err := svc.Numbers(b.Context(), "", 25); err != nil {
					b.Fatal(err)
				}
			}
		}},
		{name: prefix + "/stats month by store", baseline: prefix + "scan every summary", fn: slash(router, "stats",
			&discordgo.ApplicationCommandInteractionDataOption{Name: "by", Type: discordgo.ApplicationCommandOptionString, Value: "store"})},
		{name: prefix + "/pending", baseline: prefix + "scan every summary", fn: slash(router, "pending")},
		{name: prefix + "counts (health)", fn: func(b *testing.B) {
			for b.Loop() {
				if _, err := svc.Counts(b.Context()); err != nil {
					b.Fatal(err)
				}
			}
		}},
	}
}

// slash answers one slash command through the commands router, as Discord would ask.
func slash(r *commands.Router, name string, options ...*discordgo.ApplicationCommandInteractionDataOption) func(*testing.B) {
	i := &discordgo.Interaction{Type: discordgo.InteractionApplicationCommand,
		Member: &discordgo.Member{User: &discordgo.User{ID: "1"}},
		Data:   discordgo.ApplicationCommandInteractionData{Name: name, Options: options}}
	return func(b *testing.B) {
		for b.Loop() {
			if resp := r.Respond(b.Context(), i); resp.Data == nil || strings.HasPrefix(resp.Data.Content, "⚠️") {
				b.Fatalf("/%s: %+v", name, resp.Data)
			}
		}
	}
}
