package commands

import (
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/roms-dev/roms/internal/order"
)

// Interaction is what a handler reads of a Discord interaction: who asked, the command
// or button, and the options by name.
type Interaction struct {
	Type     discordgo.InteractionType
	Name     string // the command
	Sub      string // its subcommand (/client add), if it has them
	CustomID string // the button
	UserID   string
	Roles    []string
	options  map[string]*discordgo.ApplicationCommandInteractionDataOption
	focused  string // the option being typed, for autocomplete
	files    map[string]*discordgo.MessageAttachment
}

// newInteraction reads raw, switching on its type before touching its data: discordgo's
// accessors panic on the wrong type.
func newInteraction(raw *discordgo.Interaction) *Interaction {
	in := &Interaction{Type: raw.Type, options: map[string]*discordgo.ApplicationCommandInteractionDataOption{}}
	switch {
	case raw.Member != nil && raw.Member.User != nil:
		in.UserID, in.Roles = raw.Member.User.ID, raw.Member.Roles
	case raw.User != nil:
		in.UserID = raw.User.ID
	}
	switch raw.Type {
	case discordgo.InteractionApplicationCommand, discordgo.InteractionApplicationCommandAutocomplete:
		data := raw.ApplicationCommandData()
		in.Name = data.Name
		if data.Resolved != nil {
			in.files = data.Resolved.Attachments
		}
		options := data.Options
		if len(options) == 1 && options[0].Type == discordgo.ApplicationCommandOptionSubCommand {
			in.Sub, options = options[0].Name, options[0].Options
		}
		for _, o := range options {
			in.options[o.Name] = o
			if o.Focused {
				in.focused = o.Name
			}
		}
	case discordgo.InteractionMessageComponent:
		in.CustomID = raw.MessageComponentData().CustomID
	}
	return in
}

// Actor is how the orders' history names the user.
func (in *Interaction) Actor() string { return order.ActorDiscordUser(in.UserID) }

// String is a text option, trimmed; "" when not given.
func (in *Interaction) String(name string) string {
	o, ok := in.options[name]
	if !ok || o.Type != discordgo.ApplicationCommandOptionString {
		return ""
	}
	return strings.TrimSpace(o.StringValue())
}

// Int is a whole-number option and whether it was given.
func (in *Interaction) Int(name string) (int, bool) {
	o, ok := in.options[name]
	if !ok || o.Type != discordgo.ApplicationCommandOptionInteger {
		return 0, false
	}
	return int(o.IntValue()), true
}

// Bool is a true/false option and whether it was given.
func (in *Interaction) Bool(name string) (bool, bool) {
	o, ok := in.options[name]
	if !ok || o.Type != discordgo.ApplicationCommandOptionBoolean {
		return false, false
	}
	return o.BoolValue(), true
}

// Attachment is a file option's attachment, or nil.
func (in *Interaction) Attachment(name string) *discordgo.MessageAttachment {
	o, ok := in.options[name]
	if !ok || o.Type != discordgo.ApplicationCommandOptionAttachment {
		return nil
	}
	id, _ := o.Value.(string)
	return in.files[id]
}

// Discord's limits on what a message can hold.
const (
	maxContent    = 2000
	maxTitle      = 256
	maxEmbedText  = 4096
	maxFieldValue = 1024
	maxChoices    = 25
	maxChoiceText = 100
	// maxUpload is what a bot may attach to a message on any server (10 MiB), less room
	// for the message itself.
	maxUpload = 9 << 20
)

// clip cuts s to at most n characters, marking the cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
