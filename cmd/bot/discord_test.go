package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/roms-dev/roms/internal/fakediscord"
)

const channel = "1290000000000000001"

func discordEnv(fake *fakediscord.Server) map[string]string {
	return map[string]string{
		"ROMS_DISCORD_TOKEN": fake.Token, "ROMS_DISCORD_API_URL": fake.URL, "ROMS_DISCORD_CHANNELS": channel,
	}
}

func checkoutMessage(number string, at time.Time) discordgo.Message {
	return discordgo.Message{
		WebhookID: "1300000000000000042", Author: &discordgo.User{ID: "1300000000000000042", Bot: true}, Timestamp: at,
		Embeds: []*discordgo.MessageEmbed{{Title: "Successful Checkout | Target", Fields: []*discordgo.MessageEmbedField{
			{Name: "Product", Value: "Elite Trainer Box"}, {Name: "Order Number", Value: number},
		}}},
	}
}

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil {
		_ = json.NewDecoder(resp.Body).Decode(v)
	}
	return resp.StatusCode
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	waitWithin(t, 10*time.Second, what, cond)
}

// waitWithin is waitFor with a time of its own.
func waitWithin(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type health struct {
	Discord struct {
		State    string `json:"state"`
		Channels []struct {
			ID     string `json:"id"`
			Cursor string `json:"cursor"`
		} `json:"channels"`
	} `json:"discord"`
}

// TestBotReadsDiscordAndCatchesUpAfterARestart runs the whole program against the fake
// Discord: a checkout posted in the channel is an order in the API; one posted while the
// bot is stopped is there after it starts again.
func TestBotReadsDiscordAndCatchesUpAfterARestart(t *testing.T) {
	t.Chdir(t.TempDir())
	fake := fakediscord.Start(t)
	bot := startBot(t, discordEnv(fake))
	if !strings.Contains(bot.stdout.String(), "watching 1 channel") {
		t.Errorf("banner: %s", bot.stdout.String())
	}
	waitConnected(t, bot.base)
	var h health
	fake.Post(channel, checkoutMessage("DC-1", time.Now()))
	waitFor(t, "the order in the API", func() bool { return getJSON(t, bot.base+"/api/v2/orders/DC-1", nil) == 200 })
	waitFor(t, "the channel cursor", func() bool {
		getJSON(t, bot.base+"/health", &h)
		return len(h.Discord.Channels) == 1 && h.Discord.Channels[0].Cursor != ""
	})
	if err := bot.stop(); err != nil {
		t.Fatal(err)
	}

	fake.Post(channel, checkoutMessage("DC-2", time.Now()))
	again := startBot(t, discordEnv(fake))
	waitFor(t, "the order posted while stopped", func() bool { return getJSON(t, again.base+"/api/v2/orders/DC-2", nil) == 200 })
	var events []json.RawMessage
	getJSON(t, again.base+"/api/v2/orders/DC-1/events", &events)
	if len(events) != 1 {
		t.Errorf("DC-1 has %d events after the restart, want 1", len(events))
	}
}

func TestBackfillCommandWithTheBotStoppedAndRunning(t *testing.T) {
	t.Chdir(t.TempDir())
	fake := fakediscord.Start(t)
	start := time.Now().Add(-48 * time.Hour)
	for i := range 3 {
		fake.Post(channel, checkoutMessage(fmt.Sprint("BF-", i), start.Add(time.Duration(i)*time.Hour)))
	}
	env := discordEnv(fake)
	env["ROMS_DISCORD_CHANNELS"] = "" // backfill reads any channel, watched or not
	var out bytes.Buffer
	err := run(context.Background(), []string{"backfill", "-channel", channel, "-since", "72h"}, envOf(env), nil, &out, io.Discard)
	if err != nil {
		t.Fatalf("backfill: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "Done: 3 messages: 3 created") || !strings.Contains(out.String(), "100%") {
		t.Errorf("output:\n%s", out.String())
	}

	bot := startBot(t, env)
	env["ROMS_HTTP_ADDR"] = strings.TrimPrefix(bot.base, "http://")
	out.Reset()
	err = run(context.Background(), []string{"backfill", "-channel", channel, "-since", "all"}, envOf(env), nil, &out, io.Discard)
	if err != nil {
		t.Fatalf("backfill through the running bot: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "3 already stored") {
		t.Errorf("output:\n%s", out.String())
	}
}

func TestBackfillArguments(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"all": {}, "2026-11-01": time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), "48h": now.Add(-48 * time.Hour),
		"2026-11-20T18:04:05Z": time.Date(2026, 11, 20, 18, 4, 5, 0, time.UTC),
	} {
		if got, err := parseSince(in, now); err != nil || !got.Equal(want) {
			t.Errorf("parseSince(%q) = %v %v, want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "yesterday", "-5h"} {
		if _, err := parseSince(bad, now); err == nil {
			t.Errorf("parseSince(%q) accepted", bad)
		}
	}
	t.Chdir(t.TempDir())
	for _, c := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"backfill", "-since", "all"}, map[string]string{"ROMS_DISCORD_TOKEN": "x"}, "-channel"},
		{[]string{"backfill", "-channel", channel, "-since", "all"}, nil, "discord.token"},
		{[]string{"backfill", "-channel", channel}, nil, "-since"},
	} {
		if err := run(context.Background(), c.args, envOf(c.env), nil, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want an error about %s", c.args, err, c.want)
		}
	}
}

// TestSlashCommandsFromDiscordChangeOrders runs the whole program: the commands appear in
// the configured server, and /update from a member changes the order, with that member
// in its history.
func TestSlashCommandsFromDiscordChangeOrders(t *testing.T) {
	t.Chdir(t.TempDir())
	fake := fakediscord.Start(t)
	env := discordEnv(fake)
	env["ROMS_DISCORD_GUILD_IDS"] = "1290000000000000010"
	env["ROMS_DISCORD_ROLES_WRITE"] = "1290000000000000666"
	bot := startBot(t, env)
	waitFor(t, "the commands", func() bool { return len(fake.Commands("1290000000000000010")) == 15 })
	postText(t, bot.base, string(sample))
	update := func(role string) {
		fake.DispatchInteraction(&discordgo.Interaction{ID: "1310000000000000001", Type: discordgo.InteractionApplicationCommand,
			Token: "tok-" + role, GuildID: "1290000000000000010", ChannelID: channel,
			Member: &discordgo.Member{User: &discordgo.User{ID: "1300000000000000777"}, Roles: []string{role}},
			Data: discordgo.ApplicationCommandInteractionData{Name: "update", Options: []*discordgo.ApplicationCommandInteractionDataOption{
				{Name: "number", Type: discordgo.ApplicationCommandOptionString, Value: "BBY01-807102506907"},
				{Name: "status", Type: discordgo.ApplicationCommandOptionString, Value: "shipped"},
			}}})
	}
	update("1290000000000000001") // not a write role: refused
	update("1290000000000000666")
	waitFor(t, "both answers", func() bool { return len(fake.Interactions()) == 2 })
	var events []struct {
		Actor string `json:"actor"`
	}
	getJSON(t, bot.base+"/api/v2/orders/BBY01-807102506907/events", &events)
	if len(events) != 2 || events[1].Actor != "discord-user:1300000000000000777" {
		t.Errorf("events %+v: want the update by the member with the write role only", events)
	}
	for _, c := range fake.Interactions() {
		refused := strings.Contains(string(c.Body), "sorry, you need one of the roles")
		if refused != (c.Token == "tok-1290000000000000001") {
			t.Errorf("answer to %s: %s", c.Token, c.Body)
		}
	}
}

// TestAMissingIntentIsSaidEverywhere: with the Message Content Intent off, /health and
// /metrics say so and what to do, no checkout is lost, and turning the intent on brings
// the checkout in.
func TestAMissingIntentIsSaidEverywhere(t *testing.T) {
	t.Chdir(t.TempDir())
	fake := fakediscord.Start(t)
	fake.SetMessageContent(false)
	env := discordEnv(fake)
	env["ROMS_DISCORD_BACKFILL_INITIAL"] = "24h"
	fake.Post(channel, checkoutMessage("MI-1", time.Now().Add(-time.Hour)))
	bot := startBot(t, env)
	var h struct {
		Discord struct {
			State, Message string
			Content        string `json:"message_content"`
		} `json:"discord"`
	}
	waitFor(t, "the missing intent in /health", func() bool {
		getJSON(t, bot.base+"/health", &h)
		return h.Discord.State == "refused" && h.Discord.Content == "missing" && strings.Contains(h.Discord.Message, "MESSAGE CONTENT INTENT")
	})
	if text := scrape(t, bot.base+"/metrics"); !strings.Contains(text, `roms_discord_message_content{state="missing"} 1`) ||
		!strings.Contains(text, "roms_discord_identifies_24h") {
		t.Errorf("metrics do not say the intent is missing")
	}
	if getJSON(t, bot.base+"/api/v2/orders/MI-1", nil) == 200 {
		t.Fatal("an order from a blank message")
	}
	fake.SetMessageContent(true)
	// The owner need not wait for the next sync (30 s): a backfill reads the channel now,
	// and a readable channel wakes the gateway from its wait.
	body := strings.NewReader(`{"channel_id":"` + channel + `","since":"` + time.Now().Add(-2*time.Hour).UTC().Format(time.RFC3339) + `"}`)
	resp, err := http.Post(bot.base+"/api/v2/discord/backfill", "application/json", body)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	waitFor(t, "the checkout once the intent is on", func() bool { return getJSON(t, bot.base+"/api/v2/orders/MI-1", nil) == 200 })
	waitFor(t, "the gateway woken", func() bool {
		getJSON(t, bot.base+"/health", &h)
		return h.Discord.State == "connected" && h.Discord.Content == "ok"
	})
}

// TestAnUnknownBotIsTaughtInDiscord: a bot that used to be read changes its posts; the
// alert says so in the alerts channel, the post shows in the review list, /teach in
// Discord teaches its new label, the order appears from the post already logged, and
// the next post clears the alert.
func TestAnUnknownBotIsTaughtInDiscord(t *testing.T) {
	t.Chdir(t.TempDir())
	fake := fakediscord.Start(t)
	const alerts = "1290000000000000099"
	env := discordEnv(fake)
	env["ROMS_DISCORD_GUILD_IDS"] = "1290000000000000010"
	env["ROMS_DISCORD_ALERTS_CHANNEL"] = alerts
	bot := startBot(t, env)
	waitFor(t, "the commands", func() bool { return len(fake.Commands("1290000000000000010")) == 15 })
	post := func(title string, fields ...string) {
		m := discordgo.Message{WebhookID: "1300000000000000043", Author: &discordgo.User{ID: "1300000000000000043", Username: "Drop Bot", Bot: true}}
		e := &discordgo.MessageEmbed{Title: title}
		for i := 0; i < len(fields); i += 2 {
			e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: fields[i], Value: fields[i+1]})
		}
		m.Embeds = []*discordgo.MessageEmbed{e}
		fake.Post(channel, m)
	}
	post("Successful Checkout | Target", "Product", "ETB", "Order Number", "UB-1")
	waitFor(t, "the first order", func() bool { return getJSON(t, bot.base+"/api/v2/orders/UB-1", nil) == 200 })
	// The bot renames its order number's field to something no rule reads.
	for _, n := range []string{"UB-2", "UB-3", "UB-4"} {
		post("Successful Checkout | Target", "Product", "ETB", "Ref", n)
	}
	alerted := func(prefix string) bool {
		for _, m := range fake.History(alerts) {
			if strings.HasPrefix(m.Content, prefix) && strings.Contains(m.Content, "Drop Bot") {
				return true
			}
		}
		return false
	}
	waitFor(t, "the alert in the alerts channel", func() bool { return alerted("⚠️") })
	var review struct {
		Entries []struct {
			Source  string   `json:"source"`
			Unknown []string `json:"unknown_labels"`
			Similar int      `json:"similar"`
		} `json:"entries"`
	}
	getJSON(t, bot.base+"/api/v2/review", &review)
	if len(review.Entries) != 1 || review.Entries[0].Similar != 2 || review.Entries[0].Source != "discord:"+channel+":Drop Bot" || !slices.Contains(review.Entries[0].Unknown, "Ref") {
		t.Fatalf("review %+v", review)
	}
	fake.DispatchInteraction(&discordgo.Interaction{Type: discordgo.InteractionApplicationCommand,
		GuildID: "1290000000000000010", ChannelID: channel,
		Member: &discordgo.Member{User: &discordgo.User{ID: "1300000000000000777"}, Permissions: discordgo.PermissionManageServer},
		Data: discordgo.ApplicationCommandInteractionData{Name: "teach", Options: []*discordgo.ApplicationCommandInteractionDataOption{
			{Name: "label", Type: discordgo.ApplicationCommandOptionString, Value: "Ref"},
			{Name: "field", Type: discordgo.ApplicationCommandOptionString, Value: "order_number"},
		}}})
	waitFor(t, "the answer", func() bool { return len(fake.Interactions()) == 1 })
	if body := string(fake.Interactions()[0].Body); !strings.Contains(body, "3 new orders") {
		t.Errorf("answer %s", body)
	}
	for _, n := range []string{"UB-2", "UB-3", "UB-4"} {
		if getJSON(t, bot.base+"/api/v2/orders/"+n, nil) != 200 {
			t.Errorf("%s not stored after teaching", n)
		}
	}
	getJSON(t, bot.base+"/api/v2/review", &review)
	if len(review.Entries) != 0 {
		t.Errorf("review after teaching %+v", review)
	}
	post("Successful Checkout | Target", "Product", "ETB", "Ref", "UB-5")
	waitFor(t, "the recovery in the alerts channel", func() bool { return alerted("✅") })
	var h struct {
		ParseHealth struct {
			Alerting []string `json:"alerting"`
		} `json:"parse_health"`
	}
	getJSON(t, bot.base+"/health", &h)
	if len(h.ParseHealth.Alerting) != 0 {
		t.Errorf("still alerting: %v", h.ParseHealth.Alerting)
	}
}
