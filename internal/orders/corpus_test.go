package orders

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/roms-dev/roms/internal/embedtext"
	"github.com/roms-dev/roms/internal/golden"
	"github.com/roms-dev/roms/internal/order"
)

// corpusSample is one checkout bot's post, shaped after a public source it names, with
// the fields a person reading it would write down.
type corpusSample struct {
	Bot    string `json:"bot"`
	Source string `json:"source"`
	// Set groups samples for the fidelity figures: "unseen" are posts collected before
	// the parser had seen them, whose figure is the honest one for the next new bot.
	Set  string            `json:"set"`
	Body json.RawMessage   `json:"body"`
	Want map[string]string `json:"want"`
	// Secrets must appear in no stored byte: not the order, not its events, not the log.
	Secrets []string `json:"secrets"`
}

// TestCorpus runs every sample of testdata/corpus through the webhook's path (the body
// decoded as the webhook decodes it, then ingested) and checks the stored order against
// what the sample says a person would read from it. A sample whose want is
// {"outcome": "ignored"} is a post that is not an order (no order number, a cart, a
// parcel): it must leave no order. The whole stored order is also kept as a golden
// file, so any change in how a post is read shows in review.
func TestCorpus(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "corpus", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	score := map[string]*fidelity{}
	for _, file := range files {
		if strings.HasSuffix(file, ".golden.json") {
			continue
		}
		sample := readSample(t, file)
		set := sample.Set
		if set == "" {
			set = "fixed"
		}
		if score[set] == nil {
			score[set] = &fidelity{bots: map[string]bool{}}
		}
		f := score[set]
		f.samples++
		f.bots[sample.Bot] = true
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			got := ingestSample(t, sample, file)
			for _, key := range slices.Sorted(maps.Keys(sample.Want)) {
				f.total++
				if got[key] == sample.Want[key] {
					f.right++
					continue
				}
				t.Errorf("%s: %s = %q, want %q", sample.Bot, key, got[key], sample.Want[key])
			}
		})
	}
	for _, set := range slices.Sorted(maps.Keys(score)) {
		f := score[set]
		t.Logf("fidelity (%s): %d of %d values right (%.1f%%) over %d samples from %d bots and shapes",
			set, f.right, f.total, 100*float64(f.right)/float64(f.total), f.samples, len(f.bots))
	}
}

// fidelity counts the values a set of samples got right.
type fidelity struct {
	right, total, samples int
	bots                  map[string]bool
}

func readSample(t *testing.T, file string) corpusSample {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var s corpusSample
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if s.Bot == "" || s.Source == "" || len(s.Want) == 0 {
		t.Fatalf("%s: every sample names its bot and source and says what it holds", file)
	}
	return s
}

// ingestSample stores the sample's checkouts and returns the stored order's fields as
// text, extra fields as "extra.Name".
func ingestSample(t *testing.T, s corpusSample, file string) map[string]string {
	t.Helper()
	svc, _, _ := newPipeline(t)
	ctx := context.Background()
	checkouts, err := embedtext.Body("application/json", s.Body)
	if err != nil {
		t.Fatalf("decode body: %v", err)
	}
	var number string
	for _, c := range checkouts {
		in := Input{Origin: order.Origin{Source: order.SourceHTTP}, Text: c.Text, Embed: c.Embed, Object: c.Object,
			Raw: string(s.Body), ContentType: "application/json", OccurredAt: c.At}
		res, err := svc.Ingest(ctx, in)
		if err != nil {
			t.Fatalf("ingest: %v", err)
		}
		if res.Outcome != order.OutcomeCreated {
			if s.Want["outcome"] != res.Outcome {
				t.Errorf("outcome %s (%s), want created: the whole order is lost", res.Outcome, res.Reason)
			}
			checkSecrets(t, svc, s.Secrets, "")
			return map[string]string{"outcome": res.Outcome}
		}
		number = res.Order.OrderNumber
	}
	if s.Want["outcome"] != "" {
		return map[string]string{"outcome": order.OutcomeCreated}
	}
	o, err := svc.Get(ctx, number)
	if err != nil {
		t.Fatal(err)
	}
	fields := flatten(t, o)
	golden.JSON(t, strings.TrimSuffix(file, ".json")+".golden.json", fields)
	checkSecrets(t, svc, s.Secrets, o.OrderNumber)
	return fields
}

// volatile are the order's keys that differ from run to run.
var volatile = []string{"id", "order_date", "order_time", "created_at", "updated_at", "posted_date",
	"shipped_date", "delivered_date", "received_date", "cancelled_date"}

func flatten(t *testing.T, f order.Order) map[string]string {
	t.Helper()
	raw, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for k, v := range m {
		if k == "extra" {
			for ek, ev := range v.(map[string]any) {
				out["extra."+ek] = fmt.Sprint(ev)
			}
			continue
		}
		if v != nil && v != "" && !slices.Contains(volatile, k) {
			out[k] = fmt.Sprint(v)
		}
	}
	// Money is compared as written on a receipt: two decimals.
	for _, k := range []string{"price", "total", "commission"} {
		if f := moneyOf(f, k); f != nil {
			out[k] = f.String()
		}
	}
	return out
}

func moneyOf(f order.Order, key string) *order.Money {
	switch key {
	case "price":
		return f.Price
	case "total":
		return f.Total
	}
	return f.Commission
}

// checkSecrets looks for each secret in the order (when there is one), its events and
// the webhook log.
func checkSecrets(t *testing.T, svc *Service, secrets []string, number string) {
	t.Helper()
	if len(secrets) == 0 {
		return
	}
	ctx := context.Background()
	kept := []any{}
	if number != "" {
		o, err := svc.Get(ctx, number)
		if err != nil {
			t.Fatal(err)
		}
		events, err := svc.Events(ctx, number)
		if err != nil {
			t.Fatal(err)
		}
		kept = append(kept, o, events)
	}
	logs, err := svc.Logs(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := json.Marshal(append(kept, logs))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if bytes.Contains(stored, []byte(s)) {
			t.Errorf("secret %q was stored", s)
		}
	}
}
