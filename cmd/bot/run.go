package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/roms-dev/roms/internal/config"
	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/orders"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

const usage = `ROMS: reseller order management for Refract checkouts.

Usage:
  bot [serve] [-config FILE]        run the bot (the default)
  bot parse [FILE]                  show what the parser makes of a message (stdin without FILE)
  bot send-test [-config FILE] [URL] post the sample Refract message to a running bot
  bot backup [-config FILE] FILE    copy the database, whether the bot runs or not
  bot backfill -channel ID -since WHEN [-config FILE]
                                    import a Discord channel's history; WHEN is a date
                                    (2026-11-01), a duration back (720h) or all
  bot stats [-by GROUP] [filters]   print totals: checkouts, units, spend, cancel rate...;
                                    GROUP is store, profile, status, product, day, week or month
  bot export -o FILE [filters]      write the orders as CSV for a spreadsheet
                                    filters: -since -until (2026-11-01, today, week, month),
                                    -status -store -profile -email -q -has-tracking
  bot import [-rejected FILE] KIND FILE
                                    apply a file: tracking, received, charges (a card
                                    statement), cancellations, or orders (pasted messages)
  bot undo BATCH                    revert an import
  bot clients [list|export [-o FILE]|import FILE]
                                    the ACO service's clients and what each owes; CSV out and in
  bot replay -since WHEN [-outcome ignored|rejected]
                                    run logged inputs through today's parser again
  bot migrate -to postgres://...    copy the bbolt database (storage.path) into PostgreSQL
  bot migrate -from postgres://...  copy PostgreSQL into the bbolt file at storage.path;
                                    either can be run again: it resumes, and adds nothing twice
  bot mail test [-config FILE]      log in to each mailbox of mail.accounts and say what works
  bot healthcheck [-config FILE]    exit 0 when the running bot is healthy (for Docker)
  bot version                       print the version

Settings come from config.yaml (or -config FILE) and ROMS_* environment variables;
config.example.yaml lists every one.
`

// run is the whole program. args excludes the program name.
func run(ctx context.Context, args []string, environ []string, stdin io.Reader, stdout, stderr io.Writer) error {
	err := dispatch(ctx, args, environ, stdin, stdout, stderr)
	var help *commandHelp
	switch {
	case errors.As(err, &help): // asking for help is not an error
		printHelp(stdout, help)
		return nil
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, usage)
		return nil
	}
	return err
}

// dispatch runs the command args name. environ is the environment as os.Environ gives
// it: the program reads no other.
func dispatch(ctx context.Context, args []string, environ []string, stdin io.Reader, stdout, stderr io.Writer) error {
	getenv := lookup(environ)
	cmd, rest := "serve", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, rest = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, rest, environ, stdout, stderr)
	case "parse":
		return parseCommand(rest, getenv, stdin, stdout)
	case "send-test":
		return sendTest(ctx, rest, getenv, stdout)
	case "migrate":
		return migrateCommand(ctx, rest, getenv, stdout)
	case "backup":
		return backup(ctx, rest, getenv, stdout)
	case "backfill":
		return backfillCommand(ctx, rest, getenv, stdout, stderr)
	case "stats":
		return statsCommand(ctx, rest, getenv, stdout)
	case "export":
		return exportCommand(ctx, rest, getenv, stdout)
	case "import":
		return importCommand(ctx, rest, getenv, stdout)
	case "undo":
		return undoCommand(ctx, rest, getenv, stdout)
	case "replay":
		return replayCommand(ctx, rest, getenv, stdout)
	case "mail":
		return mailCommand(ctx, rest, getenv, stdout)
	case "clients":
		return clientsCommand(ctx, rest, getenv, stdout)
	case "healthcheck":
		return healthcheck(ctx, rest, getenv, stdout)
	case "version":
		fmt.Fprintln(stdout, "roms", buildVersion())
		return nil
	case "help":
		return flag.ErrHelp
	}
	return fmt.Errorf("unknown command %q\n\n%s", cmd, usage)
}

// lookup is getenv over environ: the last NAME=value of a name wins, as in a shell.
func lookup(environ []string) func(string) string {
	vars := map[string]string{}
	for _, kv := range environ {
		if name, value, ok := strings.Cut(kv, "="); ok {
			vars[name] = value
		}
	}
	return func(name string) string { return vars[name] }
}

// loadConfig parses a subcommand's flags, which fs may extend, adds -config, and loads
// the settings. It returns the arguments left after the flags.
func loadConfig(fs *flag.FlagSet, args []string, getenv func(string) string) (config.Config, string, []string, error) {
	fs.SetOutput(io.Discard)
	file := fs.String("config", "", "settings file (default: config.yaml when present)")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return config.Config{}, "", nil, &commandHelp{fs}
	} else if err != nil {
		return config.Config{}, "", nil, fmt.Errorf("%s: %w\n\n%s", fs.Name(), err, usage)
	}
	cfg, used, err := config.Load(*file, getenv)
	return cfg, used, fs.Args(), err
}

// newService is the orders service as the settings say: days in their time zone, their
// default currency, their labels, the webhook log's bound; observer (may be nil) is told
// of every input.
func newService(cfg config.Config, st order.Store, publisher orders.Publisher, logger *slog.Logger, observer orders.Observer) (*orders.Service, error) {
	loc, _ := cfg.Location() // checked when the settings loaded
	svc, err := orders.New(st, orders.Options{Publisher: publisher, Logger: logger, Location: loc, Currency: cfg.Currency,
		Aliases: cfg.Parser.Aliases, Observer: observer, Retention: logRetention(cfg.Storage.LogRetention)})
	if err != nil {
		return nil, fmt.Errorf("config parser.aliases (env %s): %w", config.EnvName("parser.aliases"), err)
	}
	return svc, nil
}

func flags(name string) *flag.FlagSet {
	return flag.NewFlagSet(name, flag.ContinueOnError)
}

func newLogger(cfg config.Log, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func buildVersion() string {
	if version != "dev" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return version
}
