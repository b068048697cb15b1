package discord

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Interactions answers slash commands, autocomplete and buttons (the commands package).
type Interactions interface {
	Definitions() []*discordgo.ApplicationCommand
	Respond(ctx context.Context, i *discordgo.Interaction) *discordgo.InteractionResponse
	Ephemeral() bool
}

const (
	// defaultDeferAfter is how long an answer may take before the bot tells Discord it is
	// working on it: Discord drops an interaction that has no answer within 3 seconds.
	defaultDeferAfter = 1500 * time.Millisecond
	// autocompleteLimit bounds an autocomplete answer, which cannot be deferred.
	autocompleteLimit = 2500 * time.Millisecond
)

// register puts the commands in place with one bulk overwrite: in each of the configured
// guilds (they appear at once) or else globally, never both. An unchanged set is not sent
// again, and commands are never deleted on shutdown.
func (l *Listener) register(ctx context.Context, appID string) {
	want := l.cfg.Interactions.Definitions()
	scopes := l.cfg.GuildIDs
	if len(scopes) == 0 {
		scopes = []string{""}
	}
	for _, guild := range scopes {
		have, err := l.session.ApplicationCommands(appID, guild, discordgo.WithContext(ctx))
		if err == nil && sameCommands(have, want) {
			continue
		}
		if _, err := l.session.ApplicationCommandBulkOverwrite(appID, guild, want, discordgo.WithContext(ctx)); err != nil {
			l.logger.Error("register slash commands (was the bot invited with the applications.commands scope?)", "guild_id", guild, "error", err)
			continue
		}
		l.logger.Info("slash commands registered", "guild_id", guild, "commands", len(want))
	}
}

// commandShape is what makes two command definitions the same to a user.
type commandShape struct {
	Name        string                                `json:"name"`
	Description string                                `json:"description"`
	Options     []*discordgo.ApplicationCommandOption `json:"options"`
	Permissions *int64                                `json:"default_member_permissions"`
	Contexts    *[]discordgo.InteractionContextType   `json:"contexts"`
}

func sameCommands(have, want []*discordgo.ApplicationCommand) bool {
	shape := func(cmds []*discordgo.ApplicationCommand) string {
		shapes := make([]commandShape, len(cmds))
		for i, c := range cmds {
			shapes[i] = commandShape{c.Name, c.Description, c.Options, c.DefaultMemberPermissions, c.Contexts}
		}
		slices.SortFunc(shapes, func(a, b commandShape) int { return strings.Compare(a.Name, b.Name) })
		raw, _ := json.Marshal(shapes) // plain data always encodes
		return string(raw)
	}
	return shape(have) == shape(want)
}

// interact answers one interaction. An answer that takes longer than the defer delay is
// announced (Discord shows "thinking…") and then sent as an edit, so the 3-second limit
// is never hit.
func (l *Listener) interact(i *discordgo.Interaction) {
	ctx := l.ctx
	if i.Type == discordgo.InteractionApplicationCommandAutocomplete {
		ctx, cancel := context.WithTimeout(ctx, autocompleteLimit)
		defer cancel()
		l.answer(i, l.cfg.Interactions.Respond(ctx, i), nil)
		return
	}
	done := make(chan *discordgo.InteractionResponse, 1)
	go func() { done <- l.cfg.Interactions.Respond(ctx, i) }()
	select {
	case resp := <-done:
		l.answer(i, resp, nil)
		return
	case <-time.After(l.cfg.DeferAfter):
	}
	wait := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource, Data: &discordgo.InteractionResponseData{}}
	if i.Type == discordgo.InteractionMessageComponent {
		wait.Type = discordgo.InteractionResponseDeferredMessageUpdate
	} else if l.cfg.Interactions.Ephemeral() {
		wait.Data.Flags = discordgo.MessageFlagsEphemeral
	}
	l.answer(i, wait, nil)
	resp := <-done
	l.answer(i, resp, wait)
}

// answer sends resp: as the first answer, or after a deferral as an edit of it (or, for
// an error after a button, as a message of its own so the list stays).
func (l *Listener) answer(i *discordgo.Interaction, resp, deferred *discordgo.InteractionResponse) {
	var err error
	switch {
	case deferred == nil:
		err = l.session.InteractionRespond(i, resp, discordgo.WithContext(l.ctx))
	case deferred.Type == discordgo.InteractionResponseDeferredMessageUpdate && resp.Type != discordgo.InteractionResponseUpdateMessage:
		_, err = l.session.FollowupMessageCreate(i, true, &discordgo.WebhookParams{Content: resp.Data.Content, Embeds: resp.Data.Embeds,
			Flags: resp.Data.Flags, AllowedMentions: resp.Data.AllowedMentions, Files: resp.Data.Files}, discordgo.WithContext(l.ctx))
	default:
		d := resp.Data
		_, err = l.session.InteractionResponseEdit(i, &discordgo.WebhookEdit{Content: &d.Content, Embeds: &d.Embeds,
			Components: &d.Components, AllowedMentions: d.AllowedMentions, Files: d.Files}, discordgo.WithContext(l.ctx))
	}
	if err != nil && l.ctx.Err() == nil {
		l.logger.Warn("answer a discord interaction", "interaction_id", i.ID, "error", err)
	}
}

// downloads fetches files users attach to commands, from Discord's CDN. It is not the
// session's client, which sends everything to the API address.
var downloads = &http.Client{Timeout: time.Minute}

// Download fetches an attachment a user gave a command, refusing more than limit bytes.
func Download(ctx context.Context, url string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := downloads.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("discord answered %s", resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err == nil && int64(len(data)) > limit {
		return nil, fmt.Errorf("the file is larger than %d bytes", limit)
	}
	return data, err
}
