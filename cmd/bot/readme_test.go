package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// updateReadme rewrites README.md's examples from what the program prints:
// go test ./cmd/bot -run TestReadmeExamplesAreWhatTheProgramPrints -update-readme
var updateReadme = flag.Bool("update-readme", false, "rewrite README.md's examples from what the program prints")

// exampleMark names the block of README.md that follows it: `<!-- example: NAME -->` on
// the line before the opening fence.
var exampleMark = regexp.MustCompile(`^<!-- example: ([a-z0-9-]+) -->$`)

// TestReadmeExamplesAreWhatTheProgramPrints runs README's walk-through as a newcomer
// would, against a fresh database (the sample, a few more checkouts, a search, the
// totals, an export, an import), and checks each marked example of README.md against
// what the program printed. A block that ends with a line "..." shows how the output
// begins. Times, dates and batch names differ from run to run: they are replaced by the
// ones README shows.
func TestReadmeExamplesAreWhatTheProgramPrints(t *testing.T) {
	got := readmeWalkThrough(t)
	raw, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(raw), "\n")
	seen := map[string]bool{}
	var out []string
	for i := 0; i < len(lines); i++ {
		out = append(out, lines[i])
		m := exampleMark.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		name := m[1]
		start := i + 2 // after the mark and the opening fence
		end := start
		for end < len(lines) && lines[end] != "```" {
			end++
		}
		if start > len(lines) || end == len(lines) {
			t.Fatalf("README example %s has no fenced block after its mark", name)
		}
		want := strings.Join(lines[start:end], "\n")
		printed, ok := got[name]
		if !ok {
			t.Errorf("README example %s: the walk-through prints nothing by that name", name)
		}
		seen[name] = true
		if strings.HasSuffix(want, "\n...") || strings.HasSuffix(want, "\n    ...") {
			cut := strings.LastIndex(want, "\n")
			if ok && !strings.HasPrefix(printed, want[:cut+1]) {
				t.Errorf("README example %s shows:\n%s\nbut the program prints:\n%s", name, want, clipLines(printed, end-start+5))
			}
			printed = clipLines(printed, end-start-1) + want[cut:]
		} else if ok && printed != want {
			t.Errorf("README example %s shows:\n%s\nbut the program prints:\n%s", name, want, printed)
		}
		out = append(out, lines[i+1])
		out = append(out, strings.Split(printed, "\n")...)
		i = end - 1
	}
	for name := range got {
		if !seen[name] {
			t.Errorf("the walk-through prints example %s, which README.md does not show", name)
		}
	}
	if *updateReadme {
		if err := os.WriteFile(readmePath, []byte(strings.Join(out, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// readmePath is README.md, found from this package's folder.
var readmePath, _ = filepath.Abs(filepath.Join("..", "..", "README.md"))

// clipLines is the first n lines of s.
func clipLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[:min(n, len(lines))], "\n")
}

// readmeWalkThrough does what README tells a newcomer to do and returns what each step
// printed, by the name of its example.
func readmeWalkThrough(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	env := map[string]string{"ROMS_TIMEZONE": "America/New_York"}
	bot := startBot(t, env)
	running := map[string]string{"ROMS_HTTP_ADDR": strings.TrimPrefix(bot.base, "http://"), "ROMS_TIMEZONE": "America/New_York"}
	got := map[string]string{}
	cli := func(name string, args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := run(context.Background(), args, envOf(running), strings.NewReader(""), &out, io.Discard); err != nil {
			t.Fatalf("bot %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
		return strings.TrimRight(out.String(), "\n")
	}

	// The curl of the sample, on a fresh database.
	resp, err := http.Post(bot.base+"/api/v2/webhooks/orders", "text/plain", bytes.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	got["webhook-answer"] = prettyJSON(t, resp)

	// After the sample, its order is found by a part of its email.
	got["search"] = jqCompact(t, bot.base+"/api/v2/orders?q=woozy&status=verified,declined", func(v map[string]any) any {
		type row struct {
			OrderNumber any `json:"order_number"`
			Status      any `json:"status"`
			Profile     any `json:"profile"`
			Total       any `json:"total"`
		}
		var rows []row
		for _, o := range v["orders"].([]any) {
			o := o.(map[string]any)
			rows = append(rows, row{o["order_number"], o["status"], o["profile"], o["total"]})
		}
		return struct {
			Total  any   `json:"total"`
			Orders []row `json:"orders"`
		}{v["total"], rows}
	})

	// More checkouts, as other bots post them, for the search, the totals and the export.
	for _, text := range []string{
		"Successful Checkout | Target\nProduct\nPokemon Prismatic Evolutions ETB\nPrice\n$49.99\nQuantity\n2\nProfile\nChase 2\nOrder Number\n#TGT-902211\nEmail\nbuyer@example.com\n",
		"Successful Checkout | Costco\nProduct\nPokemon 151 Booster Bundle\nPrice\n$26.99\nQuantity\n4\nProfile\nAmex Gold\nOrder Number\nCOSTCO-1182\n",
		"Checkout Declined | Walmart\nProduct\nPS5 Slim\nPrice\n$499.99\nProfile\nChase 2\nOrder Number\n200012345678\nEmail\nwoozy_byes28@icloud.com\n",
	} {
		postText(t, bot.base, text)
	}
	got["stats"] = cli("stats", "stats", "-by", "store", "-since", "month")
	got["stats-json"] = firstGroup(t, bot.base+"/api/v2/stats?from=today&group_by=profile")
	got["export"] = cli("export", "export", "-o", "orders.csv", "-since", "week")
	csv, err := os.ReadFile(filepath.Join(dir, "orders.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var head []string
	for _, line := range strings.Split(strings.TrimPrefix(string(csv), "\ufeff"), "\n")[:3] {
		cells := strings.Split(strings.TrimRight(line, "\r"), ",")
		head = append(head, strings.Join(cells[:min(21, len(cells))], ",")+",...")
	}
	got["export-csv"] = strings.Join(head, "\n") + "\n..."

	if err := os.WriteFile("tracking.csv", []byte("order_number,tracking_number\nBBY01-807102506907,1Z999AA10123456784\nNOPE-1,1Z888\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got["import"] = "$ go run ./cmd/bot import tracking tracking.csv\n" + cli("import", "import", "tracking", "tracking.csv")
	for name, text := range got {
		got[name] = sameEveryRun(text)
	}
	return got
}

// sameEveryRun replaces what changes from run to run (dates, times, batch names) by the
// values README shows.
func sameEveryRun(s string) string {
	for _, r := range []struct {
		re   *regexp.Regexp
		with string
	}{
		{regexp.MustCompile(`\d{8}-\d{6}-[0-9a-f]{6}`), "20261127-172641-3f9a1c"},
		{regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})`), "2026-11-27T12:11:54-05:00"},
		{regexp.MustCompile(`\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}`), "2026-11-27 12:11:54"},
		{regexp.MustCompile(`\d{4}-\d{2}-\d{2},\d{2}:\d{2}:\d{2}`), "2026-11-27,12:11:54"},
	} {
		s = r.re.ReplaceAllString(s, r.with)
	}
	return s
}

// prettyJSON is an answer's JSON as `jq` prints it: two spaces, keys in the answer's order.
func prettyJSON(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	return strings.TrimRight(out.String(), "\n")
}

// firstGroup is `jq '.groups[0]'` of a stats answer: keys in the answer's order.
func firstGroup(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct{ Groups []json.RawMessage }
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || len(st.Groups) == 0 {
		t.Fatalf("stats by profile: %+v %v", st, err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, st.Groups[0], "", "  "); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// jqCompact reads an answer and prints what README's jq -c filter picks from it.
func jqCompact(t *testing.T, url string, pick func(map[string]any) any) string {
	t.Helper()
	var v map[string]any
	if status := getJSON(t, url, &v); status != http.StatusOK {
		t.Fatalf("%s: %d", url, status)
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(pick(v)); err != nil {
		t.Fatal(err)
	}
	return strings.TrimRight(out.String(), "\n")
}
