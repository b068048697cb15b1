package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/roms-dev/roms/internal/aco"
	"github.com/roms-dev/roms/internal/fakediscord"
)

// apiCall sends a JSON request to the bot and decodes the answer, failing on an unexpected
// status.
func apiCall(t *testing.T, method, url string, body any, want int, out any) {
	t.Helper()
	var r io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		r = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, url, r)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d, want %d: %s", method, url, resp.StatusCode, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, url, err, raw)
		}
	}
}

// TestAnACOServiceOverTheAPI runs the fees of two clients through the running bot: clients
// added over the API, checkouts posted to the webhook matched by profile pattern and by
// jigged and catch-all email, a cancel that voids its fee, an invoice, a payment, and a
// refund after it that the next invoice credits; and the clients' CSV out and in.
func TestAnACOServiceOverTheAPI(t *testing.T) {
	t.Chdir(t.TempDir())
	bot := startBot(t, map[string]string{"ROMS_ACO_HOLD": "0"})
	api := bot.base + "/api/v2"
	apiCall(t, "POST", api+"/clients", map[string]any{"name": "Lennar", "profiles": []string{"Lennar #*"}, "fee": "5/order"}, 201, nil)
	apiCall(t, "POST", api+"/clients", map[string]any{"name": "Bob Cooks", "emails": []string{"bob.cooks@gmail.com", "@bobcooks.io"}, "fee": "10% min 3"}, 201, nil)
	apiCall(t, "POST", api+"/clients", map[string]any{"name": "Bad", "fee": "5 a week"}, 422, nil)
	checkout := func(number, profile, email, price string) {
		postText(t, bot.base, "Successful Checkout | Target\nProduct\nETB\nPrice\n$"+price+"\nOrder Number\n"+number+"\nProfile\n"+profile+"\nEmail\n"+email+"\n")
	}
	checkout("T-1", "Lennar #4", "x@y.com", "100.00")
	checkout("T-2", "Main", "b.o.b.cooks+drop@gmail.com", "200.00")
	checkout("T-3", "Main", "anything@bobcooks.io", "20.00")
	checkout("T-4", "Mine", "me@me.com", "20.00")
	fees := func(client string) []aco.Fee {
		var out []aco.Fee
		apiCall(t, "GET", api+"/fees?client="+client, nil, 200, &out)
		return out
	}
	waitFor(t, "the three clients' fees", func() bool { return len(fees("lennar")) == 1 && len(fees("bob-cooks")) == 2 })
	var unmatched []aco.Unmatched
	apiCall(t, "GET", api+"/aco/unmatched", nil, 200, &unmatched)
	if len(unmatched) != 1 || unmatched[0].Order != "T-4" {
		t.Errorf("unmatched %+v", unmatched)
	}

	apiCall(t, "PATCH", api+"/orders/T-3", map[string]any{"status": "cancelled"}, 200, nil)
	waitFor(t, "the cancelled order's fee voided", func() bool {
		f := fees("bob-cooks")
		return len(f) == 2 && f[1].State == aco.FeeVoid
	})
	var inv aco.Invoice
	apiCall(t, "POST", api+"/invoices", map[string]any{"client": "bob-cooks", "period": "all"}, 201, &inv)
	if inv.Total.String() != "20.00" || len(inv.Lines) != 1 {
		t.Fatalf("Bob's invoice: %+v", inv)
	}
	apiCall(t, "POST", api+"/invoices/"+inv.ID+"/sent", nil, 200, nil)
	apiCall(t, "POST", api+"/invoices/"+inv.ID+"/payments", map[string]any{"amount": 20, "method": "Zelle"}, 200, &inv)
	if inv.State != aco.InvoicePaid {
		t.Fatalf("after paying in full: %+v", inv)
	}
	apiCall(t, "PATCH", api+"/orders/T-2", map[string]any{"status": "refunded"}, 200, nil)
	var owed []aco.Owed
	waitFor(t, "a credit for the refund after payment", func() bool {
		apiCall(t, "GET", api+"/owed", nil, 200, &owed)
		return len(owed) == 2 && owed[0].Client == "bob-cooks" && owed[0].Credit.String() == "20.00"
	})
	checkout("T-5", "Main", "bob@bobcooks.io", "300.00")
	waitFor(t, "the next fee", func() bool { return len(fees("bob-cooks")) == 3 })
	apiCall(t, "POST", api+"/invoices", map[string]any{"client": "bob-cooks", "period": "all"}, 201, &inv)
	if inv.Total.String() != "10.00" || len(inv.Credits) != 1 {
		t.Errorf("the next invoice, 30.00 less the 20.00 credit: %+v", inv)
	}
	resp, err := http.Get(api + "/invoices/" + inv.ID + "/csv")
	if err != nil {
		t.Fatal(err)
	}
	sheet, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(sheet), "T-5") || !strings.Contains(string(sheet), "-20.00") || !strings.Contains(string(sheet), "10.00") {
		t.Errorf("the invoice's CSV:\n%s", sheet)
	}

	resp, err = http.Get(api + "/clients/export.csv")
	if err != nil {
		t.Fatal(err)
	}
	file, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	edited := strings.Replace(string(file), "5.00/order", "6.00/order", 1) + "new-one,New One,,,Card 9,,2/unit,dm,\n"
	var imported struct{ Added, Replaced int }
	req, _ := http.NewRequest("POST", api+"/clients/import", strings.NewReader(edited))
	req.Header.Set("Content-Type", "text/csv")
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	_ = json.NewDecoder(resp.Body).Decode(&imported)
	resp.Body.Close()
	var lennar aco.Client
	apiCall(t, "GET", api+"/clients/lennar", nil, 200, &lennar)
	if imported.Added != 1 || imported.Replaced != 2 || lennar.Fee.String() != "6.00/order" {
		t.Errorf("the clients' CSV back in: %+v, Lennar's fee %s\n%s", imported, lennar.Fee, edited)
	}
	apiCall(t, "DELETE", api+"/clients/bob-cooks", nil, 409, nil)
	apiCall(t, "DELETE", api+"/clients/new-one", nil, 204, nil)
}

const (
	successChannel = "1290000000000000777"
	annUser        = "1290000000000000801"
	annChannel     = "1290000000000000802"
	bobUser        = "1290000000000000811"
)

// relayedCheckout is a checkout posted in the watched channel by a bot, with the
// client's profile and email in it.
func relayedCheckout(number, profile, email string) discordgo.Message {
	return discordgo.Message{WebhookID: "1300000000000000042", Author: &discordgo.User{ID: "1300000000000000042", Username: "Refract", Bot: true},
		Embeds: []*discordgo.MessageEmbed{{Title: "Successful Checkout | Target", Fields: []*discordgo.MessageEmbedField{
			{Name: "Product", Value: "Elite Trainer Box"}, {Name: "Price", Value: "$49.99"}, {Name: "Order Number", Value: number},
			{Name: "Profile", Value: profile}, {Name: "Email", Value: email}, {Name: "Size", Value: "OS"}}}}}
}

// text is what a Discord message shows: its content and its embeds' titles and fields.
func text(m discordgo.Message) string {
	parts := []string{m.Content}
	for _, e := range m.Embeds {
		parts = append(parts, e.Title, e.Description)
		for _, f := range e.Fields {
			parts = append(parts, f.Name+": "+f.Value)
		}
	}
	return strings.Join(parts, "\n")
}

// TestTheSuccessRelayOverDiscord: clients of two profiles and emails (a pattern, Gmail dots
// and a +tag, a catch-all), one added over the API and one with /client add in Discord; their checkouts, read from the watched channel, are posted in
// the success channel without private data and told to each client with theirs (Ann in
// her channel with a ping, Bob by DM); a later cancel edits the public post, tells Bob and
// voids his fee; and /health and /metrics show the relay.
func TestTheSuccessRelayOverDiscord(t *testing.T) {
	t.Chdir(t.TempDir())
	fake := fakediscord.Start(t)
	env := relayEnv(fake)
	env["ROMS_ACO_HOLD"] = "0"
	bot := startBot(t, env)
	api := bot.base + "/api/v2"
	apiCall(t, "POST", api+"/clients", map[string]any{"name": "Ann", "discord_user": annUser, "channel": annChannel, "notify": "ping",
		"profiles": []string{"Ann #*"}, "fee": "5/order"}, 201, nil)
	waitConnected(t, bot.base)
	// Bob is added with /client add, through Discord.
	str := func(name, v string) *discordgo.ApplicationCommandInteractionDataOption {
		return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: discordgo.ApplicationCommandOptionString, Value: v}
	}
	fake.DispatchInteraction(&discordgo.Interaction{ID: "1310000000000000009", Type: discordgo.InteractionApplicationCommand,
		Token: "tok-client-add", GuildID: fakediscord.GuildID, ChannelID: channel,
		Member: &discordgo.Member{User: &discordgo.User{ID: "1300000000000000777"}},
		Data: discordgo.ApplicationCommandInteractionData{Name: "client", Options: []*discordgo.ApplicationCommandInteractionDataOption{{
			Name: "add", Type: discordgo.ApplicationCommandOptionSubCommand, Options: []*discordgo.ApplicationCommandInteractionDataOption{
				str("name", "Bob"), str("emails", "bob.cooks@gmail.com, @bobcooks.io"), str("fee", "10%"),
				{Name: "user", Type: discordgo.ApplicationCommandOptionUser, Value: bobUser}}}}}})
	waitFor(t, "the answer to /client add", func() bool { return len(fake.Interactions()) == 1 })
	if answer := string(fake.Interactions()[0].Body); !strings.Contains(answer, "Added client **Bob** (`bob`)") {
		t.Fatalf("/client add answered %s", answer)
	}
	fake.Post(channel, relayedCheckout("R-1", "Ann #3", "x@y.com"))
	fake.Post(channel, relayedCheckout("R-2", "Main", "b.o.b.cooks+drop@gmail.com"))
	fake.Post(channel, relayedCheckout("R-3", "Main", "any@bobcooks.io"))
	waitFor(t, "three public posts", func() bool { return len(fake.History(successChannel)) == 3 })
	for _, m := range fake.History(successChannel) {
		shown := text(m)
		for _, private := range []string{"49.99", "R-", "Ann #3", "gmail", "bobcooks", "<@"} {
			if strings.Contains(shown, private) {
				t.Errorf("the public post shows %q:\n%s", private, shown)
			}
		}
		if !strings.Contains(shown, "Elite Trainer Box") || !strings.Contains(shown, "Size: OS") || !strings.Contains(shown, "Bot: Refract") {
			t.Errorf("the public post lacks the product, size or bot:\n%s", shown)
		}
	}
	waitFor(t, "Ann pinged in her channel, Bob told by DM twice", func() bool {
		return len(fake.History(annChannel)) == 1 && fake.DMChannel(bobUser) != "" && len(fake.History(fake.DMChannel(bobUser))) == 2
	})
	ann := text(fake.History(annChannel)[0])
	if !strings.Contains(ann, "<@"+annUser+">") || !strings.Contains(ann, "Order Number: R-1") || !strings.Contains(ann, "49.99") || !strings.Contains(ann, "Profile: Ann #3") {
		t.Errorf("Ann's ping:\n%s", ann)
	}

	apiCall(t, "PATCH", api+"/orders/R-3", map[string]any{"status": "cancelled"}, 200, nil)
	waitFor(t, "the cancel relayed", func() bool {
		edited := false
		for _, m := range fake.History(successChannel) {
			edited = edited || strings.Contains(text(m), "Cancelled | Target")
		}
		return edited && len(fake.History(fake.DMChannel(bobUser))) == 3
	})
	if told := text(fake.History(fake.DMChannel(bobUser))[2]); !strings.Contains(told, "cancelled") || !strings.Contains(told, "R-3") {
		t.Errorf("Bob was told:\n%s", told)
	}
	var fee struct{ State string }
	waitFor(t, "R-3's fee voided", func() bool {
		var fees []struct {
			Order string `json:"order_number"`
			State string
		}
		getJSON(t, api+"/fees?client=bob", &fees)
		for _, f := range fees {
			if f.Order == "R-3" {
				fee.State = f.State
			}
		}
		return fee.State == "void"
	})
	var h struct {
		Relay struct {
			Enabled bool
			Backlog int
			Sent    int
		}
	}
	getJSON(t, bot.base+"/health", &h)
	if !h.Relay.Enabled || h.Relay.Backlog != 0 || h.Relay.Sent != 8 {
		t.Errorf("health's relay: %+v, want 8 sent and nothing waiting", h.Relay)
	}
	resp, err := http.Get(bot.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(metrics), "roms_relay_backlog 0") {
		t.Errorf("/metrics has no relay backlog")
	}
	if v := fake.TakeViolations(); len(v) > 0 {
		t.Errorf("Discord's rules broken: %v", v)
	}
}

// TestClientsFromTheCommandLine imports a CSV of clients into the database with the bot
// stopped, lists them, writes them back out, and does the same through the running bot.
func TestClientsFromTheCommandLine(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	file := filepath.Join(dir, "clients.csv")
	if err := os.WriteFile(file, []byte("Name,Profiles,Emails,Fee\nLennar Cooks,Lennar #*,,5/order\nBob,,\"bob@gmail.com; @bob.io\",8% min 3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	cli := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := run(context.Background(), args, envOf(env), strings.NewReader(""), &out, io.Discard); err != nil {
			t.Fatalf("bot %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
		return out.String()
	}
	if err := startBot(t, nil).stop(); err != nil { // makes the database
		t.Fatal(err)
	}
	if got := cli("clients", "import", file); !strings.Contains(got, "2 clients added, 0 replaced") {
		t.Errorf("import: %s", got)
	}
	if got := cli("clients"); !strings.Contains(got, "Lennar Cooks") || !strings.Contains(got, "8% min 3.00") {
		t.Errorf("list: %s", got)
	}
	env["ROMS_HTTP_ADDR"] = strings.TrimPrefix(startBot(t, nil).base, "http://")
	if got := cli("clients", "import", file); !strings.Contains(got, "0 clients added, 2 replaced") {
		t.Errorf("import through the running bot: %s", got)
	}
	out := filepath.Join(dir, "out.csv")
	cli("clients", "export", "-o", out)
	written, _ := os.ReadFile(out)
	if !strings.Contains(string(written), "lennar-cooks,Lennar Cooks") || !strings.Contains(string(written), "bob@gmail.com; @bob.io") {
		t.Errorf("export:\n%s", written)
	}
}

// TestTheRelayKeepsAChannelsRateLimit: a burst of checkouts into a success channel that
// takes five messages a second is posted whole, each once, without going over the limit.
func TestTheRelayKeepsAChannelsRateLimit(t *testing.T) {
	t.Chdir(t.TempDir())
	fake := fakediscord.Start(t)
	fake.LimitRoute("POST /api/v9/channels/"+successChannel+"/messages", 5, time.Second)
	env := relayEnv(fake)
	env["ROMS_RELAY_SHOW"] = "order_number"
	bot := startBot(t, env)
	const burst = 15
	for i := range burst {
		postText(t, bot.base, fmt.Sprintf("Successful Checkout | Target\nProduct\nETB\nOrder Number\nRL-%02d\n", i))
	}
	waitWithin(t, 20*time.Second, "the burst relayed", func() bool { return len(fake.History(successChannel)) >= burst })
	seen := map[string]bool{}
	for _, m := range fake.History(successChannel) {
		seen[text(m)] = true
	}
	if len(seen) != burst || len(fake.History(successChannel)) != burst {
		t.Errorf("%d posts, %d different, for %d checkouts", len(fake.History(successChannel)), len(seen), burst)
	}
	if v := fake.TakeViolations(); len(v) > 0 {
		t.Errorf("over the channel's rate limit: %v", v)
	}
}

// TestARestartInABurstRelaysEachOnce stops the bot in the middle of a burst of 100
// checkouts read from Discord and starts it again on the same database: every checkout is
// posted to the success channel once, those it had sent before the stop, those in its
// outbox, and those it read after the start.
func TestARestartInABurstRelaysEachOnce(t *testing.T) {
	t.Chdir(t.TempDir())
	fake := fakediscord.Start(t)
	env := relayEnv(fake)
	env["ROMS_RELAY_SHOW"] = "order_number"
	first := startBot(t, env)
	waitConnected(t, first.base)
	const burst = 100
	for i := range burst {
		fake.Post(channel, checkoutMessage(fmt.Sprintf("RS-%03d", i), time.Now()))
	}
	waitFor(t, "a third posted", func() bool { return len(fake.History(successChannel)) >= burst/3 })
	if err := first.stop(); err != nil { // in the middle: some read and queued, some not yet read
		t.Fatal(err)
	}
	before := len(fake.History(successChannel))
	startBot(t, env)
	relayedOnce(t, fake, "RS-%03d", burst)
	t.Logf("%d posts before the stop, %d after the start", before, burst-before)
}

// waitConnected waits for the bot at base to be on Discord's gateway.
func waitConnected(t *testing.T, base string) {
	t.Helper()
	waitFor(t, "the bot on the gateway", func() bool {
		var h health
		getJSON(t, base+"/health", &h)
		return h.Discord.State == "connected"
	})
}

// relayedOnce waits for the success channel to have n posts and checks that each order
// number of the pattern (RS-%03d) has exactly one (the relay shows order numbers).
func relayedOnce(t *testing.T, fake *fakediscord.Server, pattern string, n int) {
	t.Helper()
	waitWithin(t, 30*time.Second, "every checkout relayed", func() bool { return len(fake.History(successChannel)) >= n })
	posted := map[string]int{}
	for _, m := range fake.History(successChannel) {
		for _, f := range m.Embeds[0].Fields {
			if f.Name == "Order Number" {
				posted[f.Value]++
			}
		}
	}
	for i := range n {
		if got := posted[fmt.Sprintf(pattern, i)]; got != 1 {
			t.Errorf("%s was relayed %d times", fmt.Sprintf(pattern, i), got)
		}
	}
	if got := len(fake.History(successChannel)); got != n {
		t.Errorf("%d public posts for %d checkouts", got, n)
	}
}

// relayEnv is the settings of a bot on the fake Discord that relays to successChannel.
func relayEnv(fake *fakediscord.Server) map[string]string {
	env := discordEnv(fake)
	env["ROMS_RELAY_PUBLIC_CHANNEL"] = successChannel
	return env
}
