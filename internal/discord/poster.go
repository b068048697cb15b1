package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/roms-dev/roms/internal/relay"
)

// Poster sends the relay's messages over Discord's REST API, within its rate limits
// (discordgo keeps each route's bucket and waits out a 429, the per-channel limit of
// messages included).
type Poster struct{ rest *discordgo.Session }

// NewPoster is a poster with the bot's token, talking to apiURL (discord.api_url).
func NewPoster(token, apiURL string) (*Poster, error) {
	rest, err := restSession(token, apiURL)
	if err != nil {
		return nil, err
	}
	return &Poster{rest: rest}, nil
}

// restSession is a REST-only session whose every call goes to apiURL.
func restSession(token, apiURL string) (*discordgo.Session, error) {
	base, err := url.Parse(apiURL)
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("discord api url %q: not a URL", apiURL)
	}
	rest, err := discordgo.New("Bot " + token)
	if err != nil {
		return nil, fmt.Errorf("discord session: %w", err)
	}
	rest.Client = &http.Client{Timeout: 30 * time.Second, Transport: rebase{base: base, next: http.DefaultTransport}}
	return rest, nil
}

// sendBody is a new message with its nonce, which discordgo's MessageSend lacks.
type sendBody struct {
	Content         string                            `json:"content,omitempty"`
	Embeds          []*discordgo.MessageEmbed         `json:"embeds,omitempty"`
	AllowedMentions *discordgo.MessageAllowedMentions `json:"allowed_mentions"`
	Nonce           string                            `json:"nonce,omitempty"`
	EnforceNonce    bool                              `json:"enforce_nonce,omitempty"`
}

// Send posts a message once: Discord answers a repeat of the nonce (a retry after a lost
// answer) with the message the first made.
func (p *Poster) Send(ctx context.Context, channel string, m relay.Message, nonce string) (string, error) {
	body := sendBody{Content: m.Content, Embeds: embeds(m), AllowedMentions: mentions(m), Nonce: nonce, EnforceNonce: nonce != ""}
	endpoint := discordgo.EndpointChannelMessages(channel)
	raw, err := p.rest.RequestWithBucketID(http.MethodPost, endpoint, body, endpoint, discordgo.WithContext(ctx))
	if err != nil {
		return "", restError(err)
	}
	var made discordgo.Message
	if err := discordgo.Unmarshal(raw, &made); err != nil {
		return "", err
	}
	return made.ID, nil
}

// Edit replaces a message's text and card.
func (p *Poster) Edit(ctx context.Context, channel, id string, m relay.Message) error {
	content := m.Content
	e := embeds(m)
	_, err := p.rest.ChannelMessageEditComplex(&discordgo.MessageEdit{ID: id, Channel: channel, Content: &content, Embeds: &e,
		AllowedMentions: mentions(m)}, discordgo.WithContext(ctx))
	return restError(err)
}

// Delete removes a message.
func (p *Poster) Delete(ctx context.Context, channel, id string) error {
	return restError(p.rest.ChannelMessageDelete(channel, id, discordgo.WithContext(ctx)))
}

// DM is the bot's direct-message channel with a user.
func (p *Poster) DM(ctx context.Context, user string) (string, error) {
	ch, err := p.rest.UserChannelCreate(user, discordgo.WithContext(ctx))
	if err != nil {
		return "", restError(err)
	}
	return ch.ID, nil
}

// restError says relay.ErrGone for a message or channel Discord no longer has.
func restError(err error) error {
	var rest *discordgo.RESTError
	if errors.As(err, &rest) && rest.Response != nil && rest.Response.StatusCode == http.StatusNotFound {
		return fmt.Errorf("%w: %v", relay.ErrGone, err)
	}
	return err
}

func embeds(m relay.Message) []*discordgo.MessageEmbed {
	if m.Embed == nil {
		return []*discordgo.MessageEmbed{}
	}
	e := &discordgo.MessageEmbed{Title: m.Embed.Title, Description: m.Embed.Description, Color: m.Embed.Color}
	if m.Embed.Thumbnail != "" {
		e.Thumbnail = &discordgo.MessageEmbedThumbnail{URL: m.Embed.Thumbnail}
	}
	for _, f := range m.Embed.Fields {
		e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: f[0], Value: f[1], Inline: true})
	}
	return []*discordgo.MessageEmbed{e}
}

// mentions lets a message ping the users it names and no one else.
func mentions(m relay.Message) *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}, Users: m.Mentions}
}
