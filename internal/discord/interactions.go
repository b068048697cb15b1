package discord

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
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
	// firstAnswerFiles is the most the first answer carries in files: it must reach
	// Discord within its 3 seconds, and a home uplink sends a few hundred KB in that
	// time. A larger file is sent as an edit after a deferral, with 15 minutes to arrive.
	firstAnswerFiles = 128 << 10
)

// register puts the commands in place with one bulk overwrite: in each of the configured
// guilds (they appear at once) or else globally, never both. An unchanged set is not sent
// again, and commands are never deleted on shutdown.
func (l *Listener) register(ctx context.Context, appID string) {
	want := withContexts(l.cfg.Interactions.Definitions())
	scopes := l.cfg.GuildIDs
	if len(scopes) == 0 {
		scopes = []string{""}
	}
	for _, guild := range scopes {
		endpoint := discordgo.EndpointApplicationGlobalCommands(appID)
		if guild != "" {
			endpoint = discordgo.EndpointApplicationGuildCommands(appID, guild)
		}
		var have []commandDef
		raw, err := l.rest.RequestWithBucketID(http.MethodGet, endpoint, nil, "GET "+endpoint, discordgo.WithContext(ctx))
		if err == nil && json.Unmarshal(raw, &have) == nil && sameCommands(have, want) {
			continue
		}
		if _, err := l.rest.RequestWithBucketID(http.MethodPut, endpoint, want, endpoint, discordgo.WithContext(ctx)); err != nil {
			l.logger.Error("register slash commands (was the bot invited with the applications.commands scope?)", "guild_id", guild, "error", err)
			continue
		}
		l.logger.Info("slash commands registered", "guild_id", guild, "commands", len(want))
	}
}

// contextGuild is the interaction context "in a server"
// (https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object-interaction-context-types).
const contextGuild = 0

// commandDef is a command as the bot registers it. discordgo v0.28.1 has no field for
// contexts, the documented replacement of the deprecated dm_permission, so it is added
// here: every command is for servers only, since orders belong to a server.
type commandDef struct {
	*discordgo.ApplicationCommand
	Contexts []int `json:"contexts,omitempty"`
}

func withContexts(cmds []*discordgo.ApplicationCommand) []commandDef {
	defs := make([]commandDef, len(cmds))
	for i, c := range cmds {
		defs[i] = commandDef{ApplicationCommand: c, Contexts: []int{contextGuild}}
	}
	return defs
}

// commandShape is what makes two command definitions the same to a user.
type commandShape struct {
	Name        string                                `json:"name"`
	Description string                                `json:"description"`
	Options     []*discordgo.ApplicationCommandOption `json:"options"`
	Permissions *int64                                `json:"default_member_permissions"`
	Contexts    []int                                 `json:"contexts"`
}

func sameCommands(have, want []commandDef) bool {
	shape := func(cmds []commandDef) string {
		shapes := make([]commandShape, 0, len(cmds))
		for _, c := range cmds {
			if c.ApplicationCommand == nil {
				continue
			}
			shapes = append(shapes, commandShape{c.Name, c.Description, c.Options, c.DefaultMemberPermissions, c.Contexts})
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
	var resp *discordgo.InteractionResponse
	select {
	case resp = <-done:
		if filesSize(resp) <= firstAnswerFiles {
			l.answer(i, resp, nil)
			return
		}
	case <-time.After(l.cfg.DeferAfter):
	}
	wait := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource, Data: &discordgo.InteractionResponseData{}}
	if i.Type == discordgo.InteractionMessageComponent {
		wait.Type = discordgo.InteractionResponseDeferredMessageUpdate
	} else if l.cfg.Interactions.Ephemeral() {
		wait.Data.Flags = discordgo.MessageFlagsEphemeral
	}
	l.answer(i, wait, nil)
	if resp == nil {
		resp = <-done
	}
	l.answer(i, resp, wait)
}

func filesSize(resp *discordgo.InteractionResponse) int {
	n := 0
	if resp != nil && resp.Data != nil {
		for _, f := range resp.Data.Files {
			if f.Reader != nil {
				if lr, ok := f.Reader.(interface{ Len() int }); ok {
					n += lr.Len()
				} else {
					n += firstAnswerFiles + 1 // of unknown size: never in the first answer
				}
			}
		}
	}
	return n
}

// listed names each file of an edit or follow-up in attachments, by its place among the
// files: API v10 drops files an edit does not list
// (https://discord.com/developers/docs/reference#uploading-files).
func listed(files []*discordgo.File) []*discordgo.MessageAttachment {
	var out []*discordgo.MessageAttachment
	for i, f := range files {
		out = append(out, &discordgo.MessageAttachment{ID: strconv.Itoa(i), Filename: f.Name})
	}
	return out
}

// answer sends resp: as the first answer, or after a deferral as an edit of it (or, for
// an error after a button, as a message of its own so the list stays).
func (l *Listener) answer(i *discordgo.Interaction, resp, deferred *discordgo.InteractionResponse) {
	var err error
	switch {
	case deferred == nil:
		err = l.rest.InteractionRespond(i, resp, discordgo.WithContext(l.ctx))
	case deferred.Type == discordgo.InteractionResponseDeferredMessageUpdate && resp.Type != discordgo.InteractionResponseUpdateMessage:
		_, err = l.rest.FollowupMessageCreate(i, true, &discordgo.WebhookParams{Content: resp.Data.Content, Embeds: resp.Data.Embeds,
			Flags: resp.Data.Flags, AllowedMentions: resp.Data.AllowedMentions, Files: resp.Data.Files,
			Attachments: listed(resp.Data.Files)}, discordgo.WithContext(l.ctx))
	default:
		d := resp.Data
		edit := &discordgo.WebhookEdit{Content: &d.Content, Embeds: &d.Embeds,
			Components: &d.Components, AllowedMentions: d.AllowedMentions, Files: d.Files}
		if len(d.Files) > 0 {
			attachments := listed(d.Files)
			edit.Attachments = &attachments
		}
		_, err = l.rest.InteractionResponseEdit(i, edit, discordgo.WithContext(l.ctx))
	}
	if err != nil && l.ctx.Err() == nil {
		l.logger.Warn("answer a discord interaction", "interaction_id", i.ID, "error", err)
	}
}

// attachmentHosts are where Discord keeps the files users attach.
var attachmentHosts = []string{"cdn.discordapp.com", "media.discordapp.net"}

// Downloader returns the function that fetches an attachment a user gave a command: only
// from Discord's attachment hosts or the configured Discord address (apiURL; the fake
// Discord in tests), over HTTPS unless that address is plain HTTP, following no redirect
// elsewhere, within a minute and limit bytes. An interaction's attachment URL comes from
// Discord, but the bot must not fetch whatever a forged one points at (its own loopback
// services, say).
func Downloader(apiURL string) func(ctx context.Context, url string, limit int64) ([]byte, error) {
	allowed := func(u *url.URL) bool {
		if api, err := url.Parse(apiURL); err == nil && api.Host != "" && u.Host == api.Host && u.Scheme == api.Scheme {
			return true
		}
		return u.Scheme == "https" && slices.Contains(attachmentHosts, u.Hostname()) && u.Port() == ""
	}
	client := &http.Client{Timeout: time.Minute, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if !allowed(req.URL) || len(via) > 3 {
			return fmt.Errorf("refused a redirect to %s: attachments come from Discord", req.URL.Host)
		}
		return nil
	}}
	return func(ctx context.Context, raw string, limit int64) ([]byte, error) {
		u, err := url.Parse(raw)
		if err != nil || !allowed(u) {
			return nil, fmt.Errorf("refused to fetch %q: attachments come from Discord (%s)", raw, strings.Join(attachmentHosts, ", "))
		}
		return download(ctx, client, raw, limit)
	}
}

// download fetches url with client, refusing more than limit bytes.
func download(ctx context.Context, client *http.Client, url string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
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
