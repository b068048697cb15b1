// Package commands is ROMS's Discord slash commands: their definitions, and handlers that
// read an interaction's options and return the answer. They know nothing of the gateway:
// the discord package hands interactions to the Router and sends what comes back, so tests
// feed interaction JSON straight in. Every change goes through the orders service, with
// the Discord user as its actor.
package commands

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"slices"
	"time"

	"github.com/roms-dev/roms/internal/aco"
	"github.com/roms-dev/roms/internal/relay"

	"github.com/bwmarrin/discordgo"

	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/orders"
)

// Orders is what the commands need of the orders service.
type Orders interface {
	Get(ctx context.Context, number string) (order.Order, error)
	Events(ctx context.Context, number string) ([]order.Event, error)
	Numbers(ctx context.Context, prefix string, limit int) ([]string, error)
	List(ctx context.Context, f order.Filter) (order.Page, error)
	Stats(ctx context.Context, f order.Filter, by string) (orders.Stats, error)
	Filter(t orders.FilterText) (order.Filter, error)
	Correct(ctx context.Context, number string, e order.Edit, actor string) (order.Result, error)
	Export(ctx context.Context, f order.Filter, w io.Writer) (int, error)
	Import(ctx context.Context, kind string, data []byte) (orders.ImportSummary, error)
	Undo(ctx context.Context, batch, actor string) (orders.UndoSummary, error)
	Review(ctx context.Context, limit int, source string) ([]orders.ReviewEntry, error)
	Teach(ctx context.Context, t orders.Teaching) (orders.Taught, error)
	Location() *time.Location
}

// Download fetches an attached file from Discord, refusing one larger than limit bytes.
type Download func(ctx context.Context, url string, limit int64) ([]byte, error)

// Config says who may use the commands and who sees the answers.
type Config struct {
	// ReadRoles and WriteRoles, when set, are the role ids allowed to look orders up and to
	// change them; a writer may also read. Empty leaves access to Discord's own settings
	// (changing commands need Manage Server unless an admin allows others).
	ReadRoles, WriteRoles []string
	// PublicReplies shows answers to the whole channel. Off, answers that can hold emails,
	// addresses and profiles are seen only by whoever asked.
	PublicReplies bool
	// Download fetches the files given to /import.
	Download Download
	// Logger gets what the user is not shown (a handler's panic); nil logs to slog's default.
	Logger *slog.Logger
	// ACO is the ACO service of /client, /assign, /owed and /invoice.
	ACO *aco.Service
	// DM sends a user a direct message (/invoice's send); nil without Discord's REST.
	DM func(ctx context.Context, user string, m relay.Message) error
}

// handler answers one command. Each is made by a function that takes what it uses.
type handler func(ctx context.Context, in *Interaction) (*discordgo.InteractionResponseData, error)

type command struct {
	def   *discordgo.ApplicationCommand
	write bool // changes orders: needs a write role
	// writes, when set, says which of its subcommands change things (/client add does,
	// /client list does not); write is then ignored.
	writes func(sub string) bool
	handle handler
}

// Router routes interactions to the handler of their command, like HTTP routes.
type Router struct {
	orders   Orders // autocomplete
	cfg      Config
	ordered  []command
	commands map[string]command
	lists    *lists
	files    *files
	logger   *slog.Logger
}

// lists are the pages of /orders and /pending, which the Previous and Next buttons turn.
type lists struct {
	orders Orders
	pages  *pages
	now    func() time.Time
}

// files are the files /export attaches and /import reads.
type files struct {
	orders   Orders
	download Download
	upload   int // the largest file the bot attaches (maxUpload; tests lower it)
	now      func() time.Time
}

// New returns the router of every command.
func New(svc Orders, cfg Config) *Router {
	r := &Router{orders: svc, cfg: cfg, commands: map[string]command{}, logger: cmp.Or(cfg.Logger, slog.Default()),
		lists: &lists{orders: svc, pages: newPages(), now: time.Now},
		files: &files{orders: svc, download: cfg.Download, upload: maxUpload, now: time.Now}}
	r.ordered = allCommands(svc, r.lists, r.files)
	if cfg.ACO != nil {
		r.ordered = append(r.ordered, acoCommands(cfg.ACO, svc.Location(), cfg.DM)...)
	}
	for _, c := range r.ordered {
		r.commands[c.def.Name] = c
	}
	return r
}

// Definitions are the commands to register with Discord, in a stable order.
func (r *Router) Definitions() []*discordgo.ApplicationCommand {
	var defs []*discordgo.ApplicationCommand
	for _, c := range r.ordered {
		defs = append(defs, c.def)
	}
	return defs
}

// Ephemeral reports whether answers to i are seen only by whoever asked.
func (r *Router) Ephemeral() bool { return !r.cfg.PublicReplies }

// Respond answers one interaction: a command, an autocomplete request or a button. It
// always returns an answer Discord accepts: an error becomes a polite message to whoever
// asked, and a panic in a handler is logged with its stack and the interaction's id,
// which is all the user is shown of it.
func (r *Router) Respond(ctx context.Context, raw *discordgo.Interaction) (resp *discordgo.InteractionResponse) {
	defer func() {
		if p := recover(); p != nil {
			r.logger.Error("panic answering a discord interaction", "interaction_id", raw.ID, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			resp = failure(raw.Type, fmt.Errorf("sorry, something went wrong inside ROMS. The bot's log has the details under interaction %s", raw.ID))
		}
		fit(resp)
	}()
	in := newInteraction(raw)
	switch raw.Type {
	case discordgo.InteractionApplicationCommand:
		return r.command(ctx, in)
	case discordgo.InteractionApplicationCommandAutocomplete:
		return r.autocomplete(ctx, in)
	case discordgo.InteractionMessageComponent:
		return r.component(ctx, in)
	}
	return failure(raw.Type, errors.New("this kind of interaction is not something ROMS answers"))
}

func (r *Router) command(ctx context.Context, in *Interaction) *discordgo.InteractionResponse {
	c, ok := r.commands[in.Name]
	if !ok {
		return failure(in.Type, fmt.Errorf("ROMS has no /%s command any more; Discord may still show an old list for a while", in.Name))
	}
	write := c.write
	if c.writes != nil {
		write = c.writes(in.Sub)
	}
	if err := r.allowed(in, write); err != nil {
		return failure(in.Type, err)
	}
	data, err := c.handle(ctx, in)
	if err != nil {
		return failure(in.Type, err)
	}
	r.visibility(data)
	return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: data}
}

func (r *Router) visibility(data *discordgo.InteractionResponseData) {
	if r.Ephemeral() {
		data.Flags |= discordgo.MessageFlagsEphemeral
	}
	data.AllowedMentions = &discordgo.MessageAllowedMentions{} // an order's text never pings anyone
}

// allowed checks the configured roles. Discord itself enforces the default permissions of
// the changing commands; roles narrow access further and are checked every time.
func (r *Router) allowed(in *Interaction, write bool) error {
	roles := r.cfg.WriteRoles
	if !write {
		roles = append(slices.Clone(r.cfg.ReadRoles), r.cfg.WriteRoles...)
		if len(r.cfg.ReadRoles) == 0 {
			return nil // reading is open when no read roles are set
		}
	}
	if len(roles) == 0 {
		return nil
	}
	for _, role := range in.Roles {
		if slices.Contains(roles, role) {
			return nil
		}
	}
	what := "look orders up"
	if write {
		what = "change orders"
	}
	return fmt.Errorf("sorry, you need one of the roles allowed to %s with ROMS; a server admin can add you", what)
}

// failure is the answer to an interaction that could not be done: a message to whoever
// asked, never a silent "This interaction failed".
func failure(typ discordgo.InteractionType, err error) *discordgo.InteractionResponse {
	msg := err.Error()
	if typ == discordgo.InteractionApplicationCommandAutocomplete {
		return &discordgo.InteractionResponse{Type: discordgo.InteractionApplicationCommandAutocompleteResult,
			Data: &discordgo.InteractionResponseData{Choices: []*discordgo.ApplicationCommandOptionChoice{}}}
	}
	// A new message, seen only by whoever asked; after a button, the list stays as it was.
	data := &discordgo.InteractionResponseData{Content: clip("⚠️ "+msg, maxContent), Flags: discordgo.MessageFlagsEphemeral,
		AllowedMentions: &discordgo.MessageAllowedMentions{}}
	return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: data}
}
