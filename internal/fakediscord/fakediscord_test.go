package fakediscord

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/bwmarrin/discordgo"
)

// client is a real discordgo session whose REST calls go to the fake.
func client(t *testing.T, s *Server, token string) *discordgo.Session {
	t.Helper()
	dg, err := discordgo.New("Bot " + token)
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse(s.URL)
	dg.Client = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r.URL.Scheme, r.URL.Host = base.Scheme, base.Host
		return http.DefaultTransport.RoundTrip(r)
	})}
	return dg
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestSlashCommandEndpoints(t *testing.T) {
	s := Start(t)
	dg := client(t, s, s.Token)
	cmds, err := dg.ApplicationCommandBulkOverwrite(AppID, GuildID, []*discordgo.ApplicationCommand{{Name: "order", Description: "Look up an order"}})
	if err != nil || len(cmds) != 1 || cmds[0].ID == "" {
		t.Fatalf("overwrite: %v %v", cmds, err)
	}
	if got := s.Commands(GuildID); len(got) != 1 || got[0].Name != "order" {
		t.Errorf("registered %v", got)
	}
	i := &discordgo.Interaction{ID: "1", AppID: AppID, Token: "itoken", Type: discordgo.InteractionApplicationCommand}
	if err := dg.InteractionRespond(i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}); err != nil {
		t.Fatal(err)
	}
	if _, err := dg.FollowupMessageCreate(i, true, &discordgo.WebhookParams{Content: "found it"}); err != nil {
		t.Fatal(err)
	}
	if _, err := dg.InteractionResponseEdit(i, &discordgo.WebhookEdit{Content: ptr("edited")}); err != nil {
		t.Fatal(err)
	}
	calls := s.Interactions()
	if len(calls) != 3 || calls[0].Kind != "callback" || calls[1].Kind != "followup" || calls[2].Kind != "edit" || calls[0].Token != "itoken" {
		t.Fatalf("calls %+v", calls)
	}
	var followup struct{ Content string }
	_ = json.Unmarshal(calls[1].Body, &followup)
	if followup.Content != "found it" {
		t.Errorf("follow-up body %s", calls[1].Body)
	}
}

func TestHistoryPagesAndAuth(t *testing.T) {
	s := Start(t)
	var ids []string
	for range 5 {
		ids = append(ids, s.Post("42", discordgo.Message{Content: "x"}).ID)
	}
	dg := client(t, s, s.Token)
	page, err := dg.ChannelMessages("42", 2, "", ids[1], "")
	if err != nil || len(page) != 2 || page[0].ID != ids[3] || page[1].ID != ids[2] {
		t.Errorf("after %s: %v %v, want the two next, newest first", ids[1], ids, err)
	}
	latest, _ := dg.ChannelMessages("42", 2, "", "", "")
	if len(latest) != 2 || latest[0].ID != ids[4] {
		t.Errorf("latest: %v", latest)
	}
	if _, err := client(t, s, "wrong").ChannelMessages("42", 2, "", "", ""); err == nil {
		t.Error("wrong token accepted")
	}
}

func ptr[T any](v T) *T { return &v }
