package commands

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/roms-dev/roms/internal/bbolt/storetest"
	"github.com/roms-dev/roms/internal/live"
	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/orders"
)

var seedMessages = []string{
	"Successful Checkout | Best Buy US\nProduct\nSTARLINK - Mini Kit\nPrice\n$299.99\nProfile\nChase 2\nOrder Number\n#BBY01-807102506907\nEmail\nbob@example.com\n",
	"Successful Checkout | Target\nProduct\nPokemon Booster Box\nPrice\n$129.99\nQuantity\n2\nProfile\nAmex Gold\nOrder Number\nTGT-1001\nEmail\nalice@example.com\nTracking Number\n1Z555\n",
	"Checkout Declined | Walmart\nProduct\nPS5 Console\nPrice\n$499.99\nOrder Number\nWM-55\nEmail\ncarol@example.com\n",
	"Review Hold | Best Buy US\nProduct\nSwitch 2\nPrice\n$449.99\nOrder Number\nBBY01-900\n",
}

// newRouter returns a router over a real service on a fresh store, with the seed orders.
func newRouter(t *testing.T, cfg Config) (*Router, *orders.Service) {
	t.Helper()
	ny, _ := time.LoadLocation("America/New_York")
	svc, err := orders.New(storetest.New(t), orders.Options{Publisher: live.NewHub(), Location: ny})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range seedMessages {
		if _, err := svc.Ingest(context.Background(), orders.Input{Origin: order.Origin{Source: order.SourceHTTP}, Text: m}); err != nil {
			t.Fatal(err)
		}
	}
	return New(svc, cfg), svc
}

func fixture(t *testing.T, name string) *discordgo.Interaction {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var i discordgo.Interaction
	if err := json.Unmarshal(raw, &i); err != nil {
		t.Fatal(err)
	}
	return &i
}

// text is everything a response shows, for checking what a user would read.
func text(resp *discordgo.InteractionResponse) string {
	if resp.Data == nil {
		return ""
	}
	parts := []string{resp.Data.Content}
	for _, e := range resp.Data.Embeds {
		parts = append(parts, e.Title, e.Description)
		for _, f := range e.Fields {
			parts = append(parts, f.Name+": "+f.Value)
		}
		if e.Footer != nil {
			parts = append(parts, e.Footer.Text)
		}
	}
	for _, c := range resp.Data.Choices {
		parts = append(parts, "choice "+c.Name)
	}
	return strings.Join(parts, "\n")
}

func TestCommands(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fixture   string
		cfg       Config
		wantType  discordgo.InteractionResponseType
		want      []string
		dontWant  []string
		ephemeral bool
	}{
		{fixture: "order.json", wantType: discordgo.InteractionResponseChannelMessageWithSource, ephemeral: true,
			want: []string{"Order BBY01-807102506907", "STARLINK - Mini Kit", "Status: verified", "Store: Best Buy US",
				"Total: 299.99 USD", "Email: bob@example.com", "created by message:http"}},
		{fixture: "order.json", cfg: Config{PublicReplies: true}, wantType: discordgo.InteractionResponseChannelMessageWithSource,
			want: []string{"Order BBY01-807102506907"}},
		{fixture: "order-unknown.json", wantType: discordgo.InteractionResponseChannelMessageWithSource, ephemeral: true,
			want: []string{"⚠️ no order with number NOPE-1"}},
		{fixture: "order-autocomplete.json", wantType: discordgo.InteractionApplicationCommandAutocompleteResult,
			want: []string{"choice BBY01-900\nchoice BBY01-807102506907"}, dontWant: []string{"TGT-1001"}},
		{fixture: "orders-store.json", wantType: discordgo.InteractionResponseChannelMessageWithSource, ephemeral: true,
			want: []string{"`TGT-1001` · Target · 259.98 USD · verified", "1–1 of 1"}, dontWant: []string{"BBY01"}},
		{fixture: "stats-month-by-store.json", wantType: discordgo.InteractionResponseChannelMessageWithSource, ephemeral: true,
			want: []string{"Totals: this month", "Checkouts: 4", "Spend: 1009.96 USD", "Cancel rate: 25.0% (0 cancelled, 1 declined)",
				"Best Buy US", "Days in America/New_York"}},
		{fixture: "pending.json", wantType: discordgo.InteractionResponseChannelMessageWithSource, ephemeral: true,
			want: []string{"Pending: 3 open orders", "No tracking yet: 2", "Shipped, not all received: 1", "In review hold: 1"}},
		{fixture: "update.json", wantType: discordgo.InteractionResponseChannelMessageWithSource, ephemeral: true,
			want: []string{"Updated order BBY01-807102506907: status verified → shipped; tracking_numbers (none) → 1Z999AA10123456784, 1Z999AA10123456785; qty_received 0 → 1"}},
		{fixture: "update-too-many-received.json", wantType: discordgo.InteractionResponseChannelMessageWithSource, ephemeral: true,
			want: []string{"⚠️ nothing was changed: qty_received: 5 is more than the quantity ordered (1)"}},
		{fixture: "update-nothing.json", wantType: discordgo.InteractionResponseChannelMessageWithSource, ephemeral: true,
			want: []string{"⚠️ nothing to change"}},
		{fixture: "cancel.json", wantType: discordgo.InteractionResponseChannelMessageWithSource, ephemeral: true,
			want: []string{"Cancelled (1): TGT-1001", "Already cancelled (1): WM-55", "Not found (1): NOPE-9"}},
		{fixture: "update-by-reader.json", cfg: Config{ReadRoles: []string{"1290000000000000555"}, WriteRoles: []string{"1290000000000000666"}},
			wantType: discordgo.InteractionResponseChannelMessageWithSource, ephemeral: true,
			want: []string{"⚠️ sorry, you need one of the roles allowed to change orders"}},
		{fixture: "order.json", cfg: Config{ReadRoles: []string{"1290000000000000555"}},
			wantType: discordgo.InteractionResponseChannelMessageWithSource, ephemeral: true,
			want: []string{"⚠️ sorry, you need one of the roles allowed to look orders up"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %+v", tt.fixture, tt.cfg), func(t *testing.T) {
			r, _ := newRouter(t, tt.cfg)
			if tt.fixture == "cancel.json" { // WM-55 was declined; make it cancelled already
				if _, err := r.orders.Correct(context.Background(), "WM-55", order.Edit{Fields: order.Fields{Status: "cancelled"}}, "api"); err != nil {
					t.Fatal(err)
				}
			}
			resp := r.Respond(context.Background(), fixture(t, tt.fixture))
			got := text(resp)
			if resp.Type != tt.wantType {
				t.Errorf("type %d, want %d", resp.Type, tt.wantType)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("answer lacks %q:\n%s", w, got)
				}
			}
			for _, w := range tt.dontWant {
				if strings.Contains(got, w) {
					t.Errorf("answer has %q:\n%s", w, got)
				}
			}
			if resp.Data != nil && resp.Type != discordgo.InteractionApplicationCommandAutocompleteResult {
				if eph := resp.Data.Flags&discordgo.MessageFlagsEphemeral != 0; eph != tt.ephemeral {
					t.Errorf("ephemeral %v, want %v", eph, tt.ephemeral)
				}
				if resp.Data.AllowedMentions == nil {
					t.Error("mentions are not switched off")
				}
			}
		})
	}
}

func TestChangesRecordTheDiscordUser(t *testing.T) {
	t.Parallel()
	r, svc := newRouter(t, Config{})
	r.Respond(context.Background(), fixture(t, "update.json"))
	r.Respond(context.Background(), fixture(t, "cancel.json"))
	for _, number := range []string{"BBY01-807102506907", "TGT-1001"} {
		events, _ := svc.Events(context.Background(), number)
		if last := events[len(events)-1]; last.Actor != "discord-user:1300000000000000777" || last.Origin.Source != order.SourceDiscord {
			t.Errorf("%s: last event %+v", number, last)
		}
	}
	o, _ := svc.Get(context.Background(), "TGT-1001")
	if o.Status != "cancelled" || o.Extra["cancel reason"] != "bank declined after review" {
		t.Errorf("cancelled order %+v", o)
	}
}

// button is the interaction of a click on a button with this custom id.
func button(customID string) *discordgo.Interaction {
	return &discordgo.Interaction{Type: discordgo.InteractionMessageComponent, Token: "t",
		Member: &discordgo.Member{User: &discordgo.User{ID: "1300000000000000777"}},
		Data:   discordgo.MessageComponentInteractionData{CustomID: customID, ComponentType: discordgo.ButtonComponent}}
}

func buttons(t *testing.T, resp *discordgo.InteractionResponse) (prev, next discordgo.Button) {
	t.Helper()
	if len(resp.Data.Components) != 1 {
		t.Fatalf("components %+v", resp.Data.Components)
	}
	row := resp.Data.Components[0].(discordgo.ActionsRow)
	return row.Components[0].(discordgo.Button), row.Components[1].(discordgo.Button)
}

func TestOrdersPagesWithButtons(t *testing.T) {
	t.Parallel()
	r, svc := newRouter(t, Config{})
	for i := range 21 {
		if _, err := svc.Create(context.Background(), order.Fields{OrderNumber: fmt.Sprintf("P-%02d", i), Store: "Pages"}, "api"); err != nil {
			t.Fatal(err)
		}
	}
	first := r.Respond(context.Background(), fixture(t, "orders-all.json"))
	if !strings.Contains(text(first), "1–10 of 25") {
		t.Fatalf("first page:\n%s", text(first))
	}
	prev, next := buttons(t, first)
	if !prev.Disabled || next.Disabled {
		t.Errorf("first page buttons: previous disabled %v, next disabled %v", prev.Disabled, next.Disabled)
	}
	seen := text(first)
	page := first
	for range 2 {
		_, next = buttons(t, page)
		page = r.Respond(context.Background(), button(next.CustomID))
		if page.Type != discordgo.InteractionResponseUpdateMessage {
			t.Fatalf("a button must update its message: type %d", page.Type)
		}
		seen += text(page)
	}
	if !strings.Contains(text(page), "21–25 of 25") {
		t.Errorf("last page:\n%s", text(page))
	}
	if _, next := buttons(t, page); !next.Disabled {
		t.Error("next is enabled on the last page")
	}
	for i := range 21 {
		if n := fmt.Sprintf("`P-%02d`", i); strings.Count(seen, n) != 1 {
			t.Errorf("%s shown %d times over the pages", n, strings.Count(seen, n))
		}
	}
	prev, _ = buttons(t, page)
	back := r.Respond(context.Background(), button(prev.CustomID))
	if !strings.Contains(text(back), "11–20 of 25") {
		t.Errorf("previous:\n%s", text(back))
	}
	r.lists.now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	expired := r.Respond(context.Background(), button(prev.CustomID))
	if !strings.Contains(text(expired), "this list has expired") || expired.Data.Flags&discordgo.MessageFlagsEphemeral == 0 {
		t.Errorf("expired list: %+v", text(expired))
	}
}

func TestDefinitionsFitDiscordsRules(t *testing.T) {
	t.Parallel()
	r, _ := newRouter(t, Config{})
	names := map[string]bool{}
	for _, c := range r.Definitions() {
		if names[c.Name] || len(c.Description) > 100 || len(c.Options) > 25 {
			t.Errorf("/%s: duplicate, description over 100 or too many options", c.Name)
		}
		names[c.Name] = true
		write := r.commands[c.Name].write
		if write != (c.DefaultMemberPermissions != nil && *c.DefaultMemberPermissions == discordgo.PermissionManageServer) {
			t.Errorf("/%s: changing commands need Manage Server by default, reading ones nothing", c.Name)
		}
		for _, o := range c.Options {
			if len(o.Description) > 100 || len(o.Choices) > 25 || o.Name != strings.ToLower(o.Name) {
				t.Errorf("/%s %s breaks an option rule", c.Name, o.Name)
			}
		}
	}
	for _, want := range []string{"order", "orders", "stats", "pending", "update", "cancel", "import", "undo", "export"} {
		if !names[want] {
			t.Errorf("no /%s", want)
		}
	}
}

// TestAPanickingHandlerStillAnswers: the user gets a short apology with the interaction's
// id, never the stack, which goes to the log under that id.
func TestAPanickingHandlerStillAnswers(t *testing.T) {
	t.Parallel()
	var log bytes.Buffer
	r, _ := newRouter(t, Config{Logger: slog.New(slog.NewJSONHandler(&log, nil))})
	r.commands["order"] = command{def: r.commands["order"].def, handle: func(context.Context, *Interaction) (*discordgo.InteractionResponseData, error) {
		panic("boom")
	}}
	in := fixture(t, "order.json")
	resp := r.Respond(context.Background(), in)
	answer := text(resp)
	if !strings.Contains(answer, in.ID) || strings.Contains(answer, "goroutine") || strings.Contains(answer, "boom") ||
		resp.Data.Flags&discordgo.MessageFlagsEphemeral == 0 {
		t.Errorf("answer %q: want an apology with the interaction id and no stack", answer)
	}
	var entry struct {
		InteractionID string `json:"interaction_id"`
		Panic, Stack  string
	}
	if err := json.Unmarshal(log.Bytes(), &entry); err != nil || entry.InteractionID != in.ID || entry.Panic != "boom" ||
		!strings.Contains(entry.Stack, "commands_test.go") {
		t.Errorf("log %s (%v): want the panic and its stack under the interaction id", log.String(), err)
	}
}

// download serves testdata files for the attachment URLs of the fixtures.
func download(_ context.Context, url string, _ int64) ([]byte, error) {
	return os.ReadFile(filepath.Join("testdata", url[strings.LastIndex(url, "/")+1:]))
}

func TestImportThenUndoFromDiscord(t *testing.T) {
	t.Parallel()
	r, svc := newRouter(t, Config{Download: download})
	resp := r.Respond(context.Background(), fixture(t, "import-tracking.json"))
	got := text(resp)
	for _, want := range []string{"Imported tracking.csv (tracking): 3 rows: 2 updated, 1 not found.", "/undo batch:", "rows not used are attached"} {
		if !strings.Contains(got, want) {
			t.Errorf("answer lacks %q:\n%s", want, got)
		}
	}
	if len(resp.Data.Files) != 1 || !strings.HasPrefix(resp.Data.Files[0].Name, "not-imported-") {
		t.Fatalf("files %+v", resp.Data.Files)
	}
	rejected, _ := io.ReadAll(resp.Data.Files[0].Reader)
	if !strings.Contains(string(rejected), "NOPE-9") {
		t.Errorf("rejected rows %s", rejected)
	}
	o, _ := svc.Get(context.Background(), "TGT-1001")
	if len(o.TrackingNumbers) != 3 {
		t.Errorf("tracking %v", o.TrackingNumbers)
	}
	batch := regexp.MustCompile("batch:([0-9a-f-]+)").FindStringSubmatch(got)[1]
	undo := fixture(t, "order.json")
	undo.Data = discordgo.ApplicationCommandInteractionData{Name: "undo", Options: []*discordgo.ApplicationCommandInteractionDataOption{
		{Name: "batch", Type: discordgo.ApplicationCommandOptionString, Value: batch}}}
	if got := text(r.Respond(context.Background(), undo)); !strings.Contains(got, "Undid batch `"+batch+"`: 1 orders: 1 put back") {
		t.Errorf("undo: %s", got)
	}
	if o, _ := svc.Get(context.Background(), "TGT-1001"); strings.Join(o.TrackingNumbers, ",") != "1Z555" {
		t.Errorf("tracking after undo %v", o.TrackingNumbers)
	}
	events, _ := svc.Events(context.Background(), "TGT-1001")
	if events[len(events)-2].Actor != "import:"+batch || events[len(events)-1].Actor != "discord-user:1300000000000000777" {
		t.Errorf("history does not show both: %+v", events)
	}
}

func TestExportFromDiscord(t *testing.T) {
	t.Parallel()
	r, _ := newRouter(t, Config{})
	resp := r.Respond(context.Background(), fixture(t, "export-best-buy.json"))
	if len(resp.Data.Files) != 1 || !strings.Contains(text(resp), "2 orders") {
		t.Fatalf("answer %s %+v", text(resp), resp.Data.Files)
	}
	csvFile, _ := io.ReadAll(resp.Data.Files[0].Reader)
	if !strings.Contains(string(csvFile), "BBY01-807102506907") || strings.Contains(string(csvFile), "TGT-1001") {
		t.Errorf("csv %s", csvFile)
	}
	r.files.upload = 300
	if got := text(r.Respond(context.Background(), fixture(t, "export-best-buy.json"))); !strings.Contains(got, "that export is more than 300 bytes, more than Discord lets a bot upload") {
		t.Errorf("too big: %s", got)
	}
}

// TestAFiftyThousandRowImportAnswersWithinDiscordsLimits imports a file whose rows are
// almost all unusable: the answer must still fit a message, and the rejected rows an
// attachment.
func TestAFiftyThousandRowImportAnswersWithinDiscordsLimits(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("Order Number,Tracking Number\nTGT-1001,1ZKNOWN\n")
	for i := range 50_000 {
		fmt.Fprintf(&b, "UNKNOWN-%05d,1Z%08d\n", i, i)
	}
	r, _ := newRouter(t, Config{Download: func(context.Context, string, int64) ([]byte, error) { return []byte(b.String()), nil }})
	resp := r.Respond(context.Background(), fixture(t, "import-tracking.json"))
	if got := resp.Data.Content; len([]rune(got)) > maxContent || !strings.Contains(got, "50001 rows: 1 updated, 50000 not found") {
		t.Errorf("answer (%d characters): %s", len([]rune(got)), got)
	}
	if len(resp.Data.Files) != 1 {
		t.Fatalf("files %d", len(resp.Data.Files))
	}
	rejected, _ := io.ReadAll(resp.Data.Files[0].Reader)
	if len(rejected) > maxUpload || strings.Count(string(rejected), "\n") != 50_001 {
		t.Errorf("rejected rows: %d bytes, %d lines", len(rejected), strings.Count(string(rejected), "\n"))
	}
}
