package discord

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/roms-dev/roms/internal/bbolt"
	"github.com/roms-dev/roms/internal/bbolt/storetest"
	"github.com/roms-dev/roms/internal/commands"
	"github.com/roms-dev/roms/internal/fakediscord"
	"github.com/roms-dev/roms/internal/live"
	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/orders"
)

const guild = "1290000000000000010"

func router(st *bbolt.Store, apiURL string) *commands.Router {
	svc, err := orders.New(st, orders.Options{Publisher: live.NewHub()})
	if err != nil {
		panic(err) // no aliases: New cannot fail
	}
	return commands.New(svc, commands.Config{Download: Downloader(apiURL)})
}

func slashCommand(name string, options ...*discordgo.ApplicationCommandInteractionDataOption) *discordgo.Interaction {
	return &discordgo.Interaction{ID: "1310000000000000001", Type: discordgo.InteractionApplicationCommand, Token: "tok-" + name,
		GuildID: guild, ChannelID: watched,
		Member: &discordgo.Member{User: &discordgo.User{ID: "1300000000000000777"}},
		Data:   discordgo.ApplicationCommandInteractionData{ID: "1310000000000000002", Name: name, Options: options}}
}

func TestCommandsAreRegisteredOnceAndNotResentWhenUnchanged(t *testing.T) {
	fake := fakediscord.Start(t)
	st := storetest.New(t)
	b := startBot(t, fake, st, func(c *Config) { c.Interactions, c.GuildIDs = router(st, fake.URL), []string{guild} })
	b.waitConnected()
	eventually(t, "the commands", func() bool { return len(fake.Commands(guild)) == 11 })
	if n := len(fake.Commands("global")); n != 0 {
		t.Errorf("%d global commands as well: users would see each twice", n)
	}
	b.stop()
	puts := fake.Requests("PUT /api/v9/applications/")

	again := startBot(t, fake, st, func(c *Config) { c.Interactions, c.GuildIDs = router(st, fake.URL), []string{guild} })
	again.waitConnected()
	eventually(t, "the check of the commands", func() bool { return fake.Requests("GET /api/v9/applications/") >= 2 })
	if got := fake.Requests("PUT /api/v9/applications/"); got != puts {
		t.Errorf("unchanged commands sent again: %d overwrites, want %d", got, puts)
	}
	if len(fake.Commands(guild)) != 11 {
		t.Error("commands deleted at shutdown")
	}
}

func TestCommandsAreGlobalWithoutGuilds(t *testing.T) {
	fake := fakediscord.Start(t)
	st := storetest.New(t)
	b := startBot(t, fake, st, func(c *Config) { c.Interactions = router(st, fake.URL) })
	b.waitConnected()
	eventually(t, "the global commands", func() bool { return len(fake.Commands("global")) == 11 })
}

// answers returns the interaction calls the bot made for a token.
func answers(fake *fakediscord.Server, token string) []fakediscord.Call {
	var out []fakediscord.Call
	for _, c := range fake.Interactions() {
		if c.Token == token {
			out = append(out, c)
		}
	}
	return out
}

func TestASlashCommandIsAnsweredThroughDiscord(t *testing.T) {
	fake := fakediscord.Start(t)
	st := storetest.New(t)
	b := startBot(t, fake, st, func(c *Config) { c.Interactions = router(st, fake.URL) })
	b.waitConnected()
	svc, err := orders.New(st, orders.Options{Publisher: live.NewHub()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Create(context.Background(), order.Fields{OrderNumber: "BBY01-1", Product: "Starlink"}, "api"); err != nil {
		t.Fatal(err)
	}
	fake.DispatchInteraction(slashCommand("order", &discordgo.ApplicationCommandInteractionDataOption{
		Name: "number", Type: discordgo.ApplicationCommandOptionString, Value: "bby01-1"}))
	eventually(t, "the answer", func() bool { return len(answers(fake, "tok-order")) == 1 })
	var resp discordgo.InteractionResponse
	if err := json.Unmarshal(answers(fake, "tok-order")[0].Body, &resp); err != nil {
		t.Fatal(err)
	}
	if resp.Type != discordgo.InteractionResponseChannelMessageWithSource || len(resp.Data.Embeds) != 1 ||
		resp.Data.Embeds[0].Title != "Order BBY01-1" || resp.Data.Flags&discordgo.MessageFlagsEphemeral == 0 {
		t.Errorf("answer %s", answers(fake, "tok-order")[0].Body)
	}
}

// slow answers like the router, after a delay: an answer that takes too long.
type slow struct {
	Interactions
	delay time.Duration
}

func (s slow) Respond(ctx context.Context, i *discordgo.Interaction) *discordgo.InteractionResponse {
	time.Sleep(s.delay)
	return s.Interactions.Respond(ctx, i)
}

func TestASlowAnswerIsDeferredThenEdited(t *testing.T) {
	fake := fakediscord.Start(t)
	st := storetest.New(t)
	b := startBot(t, fake, st, func(c *Config) {
		c.Interactions, c.DeferAfter = slow{router(st, fake.URL), 300 * time.Millisecond}, 50*time.Millisecond
	})
	b.waitConnected()
	fake.DispatchInteraction(slashCommand("stats"))
	eventually(t, "the deferral and the edit", func() bool { return len(answers(fake, "tok-stats")) == 2 })
	calls := answers(fake, "tok-stats")
	var first discordgo.InteractionResponse
	_ = json.Unmarshal(calls[0].Body, &first)
	if calls[0].Kind != "callback" || first.Type != discordgo.InteractionResponseDeferredChannelMessageWithSource ||
		first.Data.Flags&discordgo.MessageFlagsEphemeral == 0 {
		t.Errorf("first answer %s %s, want an ephemeral deferral", calls[0].Kind, calls[0].Body)
	}
	if calls[1].Kind != "edit" || !strings.Contains(string(calls[1].Body), "Totals: this month") {
		t.Errorf("second answer %s %s, want the edit with the totals", calls[1].Kind, calls[1].Body)
	}
}

// TestAnImportGoesFromAnAttachmentToAFileInTheAnswer uploads a file the way a user does
// (to the fake's CDN), runs /import, and reads the rejected rows attached to the answer.
func TestAnImportGoesFromAnAttachmentToAFileInTheAnswer(t *testing.T) {
	fake := fakediscord.Start(t)
	st := storetest.New(t)
	b := startBot(t, fake, st, func(c *Config) { c.Interactions = router(st, fake.URL) })
	b.waitConnected()
	svc, err := orders.New(st, orders.Options{Publisher: live.NewHub()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Create(context.Background(), order.Fields{OrderNumber: "BBY01-1"}, "api"); err != nil {
		t.Fatal(err)
	}
	file := fake.Attach(watched, "tracking.csv", []byte("Order Number,Tracking\nBBY01-1,1Z999\nNOPE,1Z000\n"))
	i := slashCommand("import",
		&discordgo.ApplicationCommandInteractionDataOption{Name: "kind", Type: discordgo.ApplicationCommandOptionString, Value: "tracking"},
		&discordgo.ApplicationCommandInteractionDataOption{Name: "file", Type: discordgo.ApplicationCommandOptionAttachment, Value: file.ID})
	data := i.Data.(discordgo.ApplicationCommandInteractionData)
	data.Resolved = &discordgo.ApplicationCommandInteractionDataResolved{Attachments: map[string]*discordgo.MessageAttachment{file.ID: file}}
	i.Data = data
	fake.DispatchInteraction(i)
	eventually(t, "the answer", func() bool { return len(answers(fake, "tok-import")) == 1 })
	answer := answers(fake, "tok-import")[0]
	if !strings.Contains(string(answer.Body), "1 updated, 1 not found") {
		t.Errorf("answer %s", answer.Body)
	}
	var rejected []byte
	for name, content := range answer.Files {
		if strings.HasPrefix(name, "not-imported-") {
			rejected = content
		}
	}
	if !strings.Contains(string(rejected), "NOPE") {
		t.Errorf("attached rejected rows: %q (files %v)", rejected, len(answer.Files))
	}
	if o, _ := svc.Get(context.Background(), "BBY01-1"); o.TrackingNumber != "1Z999" {
		t.Errorf("tracking %q", o.TrackingNumber)
	}
}

// fileAnswer answers at once with a file of size bytes.
type fileAnswer struct {
	Interactions
	size int
}

func (f fileAnswer) Respond(context.Context, *discordgo.Interaction) *discordgo.InteractionResponse {
	return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: &discordgo.InteractionResponseData{
		Content: "Your export", Files: []*discordgo.File{{Name: "orders.csv", ContentType: "text/csv", Reader: strings.NewReader(strings.Repeat("x", f.size))}}}}
}

// TestALargeFileIsSentAfterADeferral: a file that could overrun Discord's 3 seconds on a
// home uplink is never in the first answer, however fast it was made; the edit that
// carries it lists it in attachments, as API v10 asks (the strict fake refuses otherwise).
func TestALargeFileIsSentAfterADeferral(t *testing.T) {
	for _, c := range []struct {
		size     int
		deferred bool
	}{{1 << 10, false}, {firstAnswerFiles + 1, true}} {
		fake := fakediscord.Start(t)
		st := storetest.New(t)
		b := startBot(t, fake, st, func(cfg *Config) { cfg.Interactions = fileAnswer{router(st, fake.URL), c.size} })
		b.waitConnected()
		fake.DispatchInteraction(slashCommand("export"))
		want := 1
		if c.deferred {
			want = 2
		}
		eventually(t, "the answers", func() bool { return len(answers(fake, "tok-export")) == want })
		calls := answers(fake, "tok-export")
		var first discordgo.InteractionResponse
		_ = json.Unmarshal(calls[0].Body, &first)
		if got := first.Type == discordgo.InteractionResponseDeferredChannelMessageWithSource; got != c.deferred {
			t.Errorf("%d bytes: first answer %s, deferred %v", c.size, calls[0].Body, got)
		}
		if last := calls[len(calls)-1]; len(last.Files["orders.csv"]) != c.size {
			t.Errorf("%d bytes: the file arrived with %d", c.size, len(last.Files["orders.csv"]))
		}
		b.stop()
	}
}

// TestAnOrderOfOversizedTextsIsAnsweredWithinDiscordsLimits: an order's texts come from
// checkout bots; /order still answers with a message Discord takes.
func TestAnOrderOfOversizedTextsIsAnsweredWithinDiscordsLimits(t *testing.T) {
	fake := fakediscord.Start(t)
	st := storetest.New(t)
	b := startBot(t, fake, st, func(c *Config) { c.Interactions = router(st, fake.URL) })
	b.waitConnected()
	svc, err := orders.New(st, orders.Options{Publisher: live.NewHub()})
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("Pokémon Prismatic Evolutions ", 200)
	if _, err := svc.Create(context.Background(), order.Fields{OrderNumber: "BIG-1", Product: long, Profile: long[:900], Email: "buyer+" + strings.Repeat("a", 200) + "@example.com",
		Store: long[:800], ImageURL: "javascript:alert(1)", Notes: long}, "api"); err != nil {
		t.Fatal(err)
	}
	fake.DispatchInteraction(slashCommand("order", &discordgo.ApplicationCommandInteractionDataOption{
		Name: "number", Type: discordgo.ApplicationCommandOptionString, Value: "BIG-1"}))
	eventually(t, "the answer", func() bool { return len(answers(fake, "tok-order")) == 1 })
	if body := string(answers(fake, "tok-order")[0].Body); !strings.Contains(body, "Order BIG-1") || strings.Contains(body, "javascript:") {
		t.Errorf("answer %.300s", body)
	}
	// The fake's cleanup fails the test if the answer broke a limit.
}

// TestDownloadsComeFromDiscordOnly: an attachment URL that points elsewhere (the bot's
// own loopback services, say) is refused, and so is a redirect away from Discord.
func TestDownloadsComeFromDiscordOnly(t *testing.T) {
	fake := fakediscord.Start(t)
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("secret")) }))
	t.Cleanup(elsewhere.Close)
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/backup", http.StatusFound)
	}))
	t.Cleanup(redirector.Close)
	ctx := context.Background()
	a := fake.Attach(watched, "tracking.csv", []byte("Order,Tracking\nA,1Z\n"))
	if data, err := Downloader(fake.URL)(ctx, a.URL, 1<<20); err != nil || !strings.HasPrefix(string(data), "Order") {
		t.Fatalf("the fake's attachment: %q %v", data, err)
	}
	for _, tt := range []struct{ api, url string }{
		{fake.URL, elsewhere.URL + "/api/v2/backup"},
		{fake.URL, "http://cdn.discordapp.com/attachments/1/2/a.csv"}, // not HTTPS
		{fake.URL, "https://cdn.discordapp.com:8443/attachments/1/2/a.csv"},
		{fake.URL, "file:///etc/passwd"},
		{redirector.URL, redirector.URL + "/attachments/1/2/a.csv"},
	} {
		if data, err := Downloader(tt.api)(ctx, tt.url, 1<<20); err == nil {
			t.Errorf("fetched %s: %q", tt.url, data)
		}
	}
}
