// Package config loads the settings of ROMS: defaults, then a YAML file, then ROMS_*
// environment variables, and checks them before anything starts.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"

	"github.com/roms-dev/roms/internal/aco"
	"github.com/roms-dev/roms/internal/parser"
)

// DefaultFile is read when present and no file is named.
const DefaultFile = "config.yaml"

// EnvPrefix starts every environment override: http.addr is ROMS_HTTP_ADDR.
const EnvPrefix = "ROMS_"

// Config is every setting. config.example.yaml documents each key.
type Config struct {
	// TimeZone is an IANA name such as America/New_York; empty is the machine's zone.
	TimeZone string `mapstructure:"timezone"`
	// Currency is given to amounts written without one, such as "Price 49.99".
	Currency string  `mapstructure:"currency"`
	HTTP     HTTP    `mapstructure:"http"`
	Storage  Storage `mapstructure:"storage"`
	Discord  Discord `mapstructure:"discord"`
	Metrics  Metrics `mapstructure:"metrics"`
	Mail     Mail    `mapstructure:"mail"`
	ACO      ACO     `mapstructure:"aco"`
	Relay    Relay   `mapstructure:"relay"`
	Log      Log     `mapstructure:"log"`
	Parser   Parser  `mapstructure:"-"` // read by readAliases: its keys are labels, not settings
}

// Parser teaches the parser labels of bots it does not know.
type Parser struct {
	// Aliases maps a label as a bot writes it ("Billing Profile") to the field it names
	// ("profile").
	Aliases map[string]string
}

// Mail is the mailboxes retailers write to: their emails keep orders' status and
// tracking true.
type Mail struct {
	Poll     time.Duration `mapstructure:"poll"`  // how often each folder is read again
	Since    time.Duration `mapstructure:"since"` // how far back the first read goes
	Accounts []MailAccount `mapstructure:"accounts"`
}

// MailAccount is one mailbox, read over IMAP. ROMS only reads: it never deletes, moves
// or marks mail as read.
type MailAccount struct {
	Name     string   `mapstructure:"name"`
	Server   string   `mapstructure:"server"`   // host:port, such as imap.gmail.com:993
	Security string   `mapstructure:"security"` // tls, starttls, or none (loopback only)
	Username string   `mapstructure:"username"`
	Password string   `mapstructure:"password"` // empty: from ROMS_MAIL_<NAME>_PASSWORD
	Folders  []string `mapstructure:"folders"`  // empty: INBOX
}

// Mail security settings.
const (
	SecurityTLS      = "tls"
	SecurityStartTLS = "starttls"
	SecurityNone     = "none"
)

// MailPasswordEnv is the variable that gives an account's password instead of the file.
func MailPasswordEnv(account string) string {
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, account)
	return "ROMS_MAIL_" + strings.ToUpper(name) + "_PASSWORD"
}

// Metrics is the Prometheus endpoint.
type Metrics struct {
	// Addr serves /metrics on a listener of its own, without the token; empty serves it
	// with the API (behind the token when one is set).
	Addr string `mapstructure:"addr"`
}

// HTTP is the webhook and API server.
type HTTP struct {
	Addr                    string `mapstructure:"addr"`
	Token                   string `mapstructure:"token"`
	AllowPublicWithoutToken bool   `mapstructure:"allow_public_without_token"`
	// WebhookSecret lets senders sign the webhook's body (X-Webhook-Signature) instead of
	// sending the token; ROMS V2 called it WEBHOOK_SECRET.
	WebhookSecret string `mapstructure:"webhook_secret"`
	// CORSOrigins are browser origins allowed to call the API, such as ROMS V2's frontend.
	CORSOrigins []string `mapstructure:"cors_origins"`
	// AllowedHosts are names (besides localhost and the listen address) that requests may
	// use for this server, such as a domain in front of it.
	AllowedHosts []string  `mapstructure:"allowed_hosts"`
	RateLimit    RateLimit `mapstructure:"rate_limit"`
}

// RateLimit bounds how fast one client address may call the API.
type RateLimit struct {
	PerMinute int `mapstructure:"per_minute"`
	Burst     int `mapstructure:"burst"`
}

// Storage is the database.
type Storage struct {
	// Driver is bbolt (one file, one instance) or postgres (several instances).
	Driver       string    `mapstructure:"driver"`
	Path         string    `mapstructure:"path"`
	Postgres     Postgres  `mapstructure:"postgres"`
	LogRetention Retention `mapstructure:"log_retention"`
}

// Postgres is the database the postgres driver uses.
type Postgres struct {
	// DSN is postgres://user:password@host:5432/database (or key=value pairs).
	DSN string `mapstructure:"dsn"`
}

// Storage drivers.
const (
	DriverBbolt    = "bbolt"
	DriverPostgres = "postgres"
)

// Retention bounds the webhook log. Zero means no bound.
type Retention struct {
	MaxEntries int           `mapstructure:"max_entries"`
	MaxAge     time.Duration `mapstructure:"max_age"`
	MaxMB      int           `mapstructure:"max_mb"`
}

// Discord is the gateway listener. Without a token the bot runs HTTP only.
type Discord struct {
	Token          string   `mapstructure:"token"`
	Channels       []string `mapstructure:"channels"`
	AllowedAuthors []string `mapstructure:"allowed_authors"`
	APIURL         string   `mapstructure:"api_url"`
	Reactions      bool     `mapstructure:"reactions"`
	Backfill       Backfill `mapstructure:"backfill"`
	// GuildIDs are the servers slash commands are registered in; empty: globally.
	GuildIDs      []string `mapstructure:"guild_ids"`
	Roles         Roles    `mapstructure:"roles"`
	PublicReplies bool     `mapstructure:"public_replies"`
	// AlertsChannel is the channel id parse-health alerts go to; empty: the log only.
	AlertsChannel string `mapstructure:"alerts_channel"`
}

// Roles narrow who may use the slash commands: role ids that may look orders up, and
// that may change them.
type Roles struct {
	Read  []string `mapstructure:"read"`
	Write []string `mapstructure:"write"`
}

// Backfill chooses how much history the first start imports.
type Backfill struct {
	Initial string `mapstructure:"initial"` // none, all, or a duration such as 720h
}

// ACO is the ACO service: the fees of its clients' checkouts.
type ACO struct {
	// Hold is how long a new fee waits before it is due: a number of days (3d), tracking
	// (until the order has a tracking number) or shipped.
	Hold string `mapstructure:"hold"`
	// LookBackDays is how far back fees are checked against their orders again.
	LookBackDays int `mapstructure:"look_back_days"`
}

// Relay posts each new checkout to a public success channel and tells its client.
type Relay struct {
	PublicChannel string `mapstructure:"public_channel"` // a channel id; empty: no public posts
	// Notify is how a client hears of their checkout, unless their own setting says
	// otherwise: ping (in the public channel), dm, or none.
	Notify string `mapstructure:"notify"`
	// OnCancel is what becomes of the public post of an order later declined, cancelled or
	// removed: edit (says so), delete, or keep.
	OnCancel string `mapstructure:"on_cancel"`
	// Show names the private fields the public post shows too: price, order_number,
	// email, profile, address, proxy. None by default.
	Show []string `mapstructure:"show"`
}

// RelayFields are the fields relay.show may name.
var RelayFields = []string{"price", "order_number", "email", "profile", "address", "proxy"}

// Log is the process log on stderr.
type Log struct {
	Level  string `mapstructure:"level"`
	Format string `mapstructure:"format"`
}

var defaults = map[string]any{
	"timezone":                          "",
	"currency":                          "USD",
	"http.addr":                         "127.0.0.1:8001",
	"http.token":                        "",
	"http.allow_public_without_token":   false,
	"http.webhook_secret":               "",
	"http.cors_origins":                 []string{},
	"http.allowed_hosts":                []string{},
	"http.rate_limit.per_minute":        1200,
	"http.rate_limit.burst":             300,
	"storage.driver":                    DriverBbolt,
	"storage.path":                      "roms.db",
	"storage.postgres.dsn":              "",
	"storage.log_retention.max_entries": 10000,
	"storage.log_retention.max_age":     "720h",
	"storage.log_retention.max_mb":      256,
	"discord.token":                     "",
	"discord.channels":                  []string{},
	"discord.allowed_authors":           []string{},
	"discord.api_url":                   "https://discord.com",
	"discord.reactions":                 true,
	"discord.backfill.initial":          "none",
	"discord.guild_ids":                 []string{},
	"discord.roles.read":                []string{},
	"discord.roles.write":               []string{},
	"discord.public_replies":            false,
	"discord.alerts_channel":            "",
	"metrics.addr":                      "",
	"mail.poll":                         "2m",
	"mail.since":                        "720h",
	"mail.accounts":                     []map[string]any{},
	"aco.hold":                          "tracking",
	"aco.look_back_days":                60,
	"relay.public_channel":              "",
	"relay.notify":                      "ping",
	"relay.on_cancel":                   "edit",
	"relay.show":                        []string{},
	"log.level":                         "info",
	"log.format":                        "text",
	"parser.aliases":                    map[string]string{},
}

// Load reads the settings. file may be empty: then DefaultFile is read if it exists. It
// returns the file it read ("" for none).
func Load(file string, getenv func(string) string) (Config, string, error) {
	v := viper.New()
	for k, d := range defaults {
		v.SetDefault(k, d)
	}
	used, err := readFile(v, file)
	if err != nil {
		return Config{}, "", err
	}
	if err := unknownKeys(v, used); err != nil {
		return Config{}, "", err
	}
	for _, key := range v.AllKeys() {
		if val := getenv(EnvName(key)); val != "" {
			v.Set(key, val)
		}
	}
	aliases, err := readAliases(v, getenv)
	if err != nil {
		return Config{}, "", err
	}
	v.Set("parser.aliases", map[string]any{}) // labels hold dots and spaces: not keys to decode
	var c Config
	c.Parser.Aliases = aliases
	hooks := mapstructure.ComposeDecodeHookFunc(
		readableValues,
		mapstructure.StringToSliceHookFunc(","),
	)
	if err := unknownAccountKeys(v.Get("mail.accounts")); err != nil {
		return Config{}, "", err
	}
	if err := v.Unmarshal(&c, viper.DecodeHook(hooks)); err != nil {
		return Config{}, "", namedDecodeErrors(err)
	}
	c.Discord.Channels = trimAll(c.Discord.Channels)
	c.HTTP.CORSOrigins = trimAll(c.HTTP.CORSOrigins)
	c.HTTP.AllowedHosts = lowerAll(trimAll(c.HTTP.AllowedHosts))
	c.Discord.AllowedAuthors = trimAll(c.Discord.AllowedAuthors)
	c.Discord.GuildIDs = trimAll(c.Discord.GuildIDs)
	c.Discord.Roles.Read = trimAll(c.Discord.Roles.Read)
	c.Discord.Roles.Write = trimAll(c.Discord.Roles.Write)
	c.Currency = strings.ToUpper(strings.TrimSpace(c.Currency)) // "usd" is USD
	for i := range c.Mail.Accounts {
		a := &c.Mail.Accounts[i]
		a.Security = strings.ToLower(strings.TrimSpace(a.Security))
		if a.Security == "" {
			a.Security = SecurityTLS
		}
		if a.Password == "" {
			a.Password = getenv(MailPasswordEnv(a.Name))
		}
		if a.Folders = trimAll(a.Folders); len(a.Folders) == 0 {
			a.Folders = []string{"INBOX"}
		}
	}
	if err := c.Validate(); err != nil {
		return Config{}, "", err
	}
	return c, used, nil
}

// readAliases reads parser.aliases: a map in the file, or ROMS_PARSER_ALIASES as
// "Label=field" pairs separated by commas, which replaces the file's.
func readAliases(v *viper.Viper, getenv func(string) string) (map[string]string, error) {
	out := map[string]string{}
	if env := getenv(EnvName("parser.aliases")); strings.TrimSpace(env) != "" {
		for _, pair := range strings.Split(env, ",") {
			label, field, ok := strings.Cut(pair, "=")
			if !ok || strings.TrimSpace(label) == "" {
				return nil, fmt.Errorf("config parser.aliases (env %s): %q is not Label=field", EnvName("parser.aliases"), pair)
			}
			out[strings.TrimSpace(label)] = strings.TrimSpace(field)
		}
		return out, nil
	}
	var raw map[string]any
	switch m := v.Get("parser.aliases").(type) {
	case map[string]string: // the default: none
		return out, nil
	case map[string]any:
		raw = m
	case nil:
	default:
		return nil, errors.New(`config parser.aliases: write it as a map of labels to fields, such as "Billing Profile": profile`)
	}
	for label, field := range raw {
		name, ok := field.(string)
		if !ok {
			return nil, fmt.Errorf("config parser.aliases: %q: the field must be a name such as profile, not %v", label, field)
		}
		out[label] = name
	}
	return out, nil
}

// EnvName is the environment variable that overrides a key.
func EnvName(key string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// readableValues reads the values people write in a settings file or variable, and says
// what is expected instead of a Go parse error when a value cannot be read.
func readableValues(from, to reflect.Type, data any) (any, error) {
	if to == reflect.TypeFor[time.Duration]() && from.Kind() != reflect.String {
		// A bare number (max_age: 30) would be read as nanoseconds and delete the whole
		// log: a duration needs its unit.
		return nil, fmt.Errorf("%v has no unit: write it like 720h (30 days), 30d, 90m or 45s", data)
	}
	text, ok := data.(string)
	if !ok || from.Kind() != reflect.String {
		return data, nil
	}
	text = strings.TrimSpace(text)
	switch {
	case to == reflect.TypeFor[time.Duration]():
		return parseDuration(text)
	case to.Kind() == reflect.Bool:
		switch strings.ToLower(text) {
		case "true", "yes", "on", "1":
			return true, nil
		case "false", "no", "off", "0":
			return false, nil
		}
		return nil, fmt.Errorf("%q is not true or false", text)
	case to.Kind() == reflect.Int:
		n, err := strconv.Atoi(text)
		if err != nil {
			return nil, fmt.Errorf("%q is not a whole number", text)
		}
		return n, nil
	}
	return data, nil
}

// parseDuration takes Go durations (720h, 90m) and whole days (30d), which is how people
// write retention periods.
func parseDuration(text string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(text, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(text)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration: write it like 720h (30 days), 30d, 90m or 45s", text)
	}
	return d, nil
}

// namedDecodeErrors rewrites decoding errors as "config KEY (env VAR): what is wrong".
func namedDecodeErrors(err error) error {
	var named []error
	var walk func(error)
	walk = func(e error) {
		var de *mapstructure.DecodeError
		if errors.As(e, &de) {
			named = append(named, fmt.Errorf("config %s (env %s): %w", de.Name(), EnvName(de.Name()), de.Unwrap()))
			return
		}
		if joined, ok := e.(interface{ Unwrap() []error }); ok {
			for _, inner := range joined.Unwrap() {
				walk(inner)
			}
			return
		}
		if inner := errors.Unwrap(e); inner != nil {
			walk(inner)
			return
		}
		named = append(named, fmt.Errorf("config: %w", e))
	}
	walk(err)
	return errors.Join(named...)
}

// MistypedEnv returns a warning for each ROMS_ variable in environ (as os.Environ gives
// it) that names no setting, with the nearest real one: a mistyped variable would
// otherwise be silently ignored.
func MistypedEnv(environ []string) []string {
	known := map[string]string{}
	for key := range defaults {
		known[EnvName(key)] = key
	}
	var warnings []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, EnvPrefix) || known[name] != "" {
			continue
		}
		best, bestDist := "", -1
		for envName := range known {
			if d := editDistance(name, envName); bestDist < 0 || d < bestDist || (d == bestDist && envName < best) {
				best, bestDist = envName, d
			}
		}
		warnings = append(warnings, fmt.Sprintf("environment variable %s is not a ROMS setting and is ignored; did you mean %s (%s)?", name, best, known[best]))
	}
	slices.Sort(warnings)
	return warnings
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

func readFile(v *viper.Viper, file string) (string, error) {
	if file == "" {
		if _, err := os.Stat(DefaultFile); err != nil {
			return "", nil
		}
		file = DefaultFile
	}
	if raw, err := os.ReadFile(file); err == nil {
		if line := tabIndented(raw); line > 0 {
			return "", fmt.Errorf("config file %s, line %d: indented with a tab; YAML needs spaces (two for each level)", file, line)
		}
	}
	v.SetConfigFile(file)
	v.SetConfigType("yaml")
	if err := v.ReadInConfig(); err != nil {
		return "", fmt.Errorf("read config file %s: %w", file, err)
	}
	return file, nil
}

// tabIndented is the first line (from 1) indented with a tab, or 0.
func tabIndented(raw []byte) int {
	for i, line := range strings.Split(string(raw), "\n") {
		indent := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
		if strings.Contains(indent, "\t") && strings.TrimSpace(line) != "" {
			return i + 1
		}
	}
	return 0
}

// FromEnvironment lists the ROMS_ variables that set a setting, for the banner.
func FromEnvironment(getenv func(string) string) []string {
	var names []string
	for key := range defaults {
		if name := EnvName(key); getenv(name) != "" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// unknownKeys catches typos: a misspelt key would otherwise be silently ignored.
func unknownKeys(v *viper.Viper, file string) error {
	var unknown []string
	for _, k := range v.AllKeys() {
		if _, ok := defaults[k]; !ok && !strings.HasPrefix(k, "parser.aliases.") {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	var hints []string
	for _, k := range unknown {
		if hint := keyHint(k); hint != "" {
			hints = append(hints, hint)
		}
	}
	msg := fmt.Sprintf("config file %s: unknown key %s (config.example.yaml lists every key)", file, strings.Join(unknown, ", "))
	if len(hints) > 0 {
		msg += ": " + strings.Join(hints, "; ")
	}
	return errors.New(msg)
}

// keyHint says what an unknown key may be: a section left empty because its keys are
// not indented under it, or a key that belongs under a section.
func keyHint(k string) string {
	var inside, under []string
	for d := range defaults {
		if strings.HasPrefix(d, k+".") {
			inside = append(inside, strings.TrimPrefix(d, k+"."))
		}
		if strings.HasSuffix(d, "."+k) {
			under = append(under, d)
		}
	}
	if len(inside) > 0 {
		slices.Sort(inside)
		return fmt.Sprintf("%s: has nothing under it; indent its keys (such as %s) by two spaces", k, inside[0])
	}
	if len(under) > 0 {
		slices.Sort(under)
		return fmt.Sprintf("%s may be %s: indent it under its section", k, strings.Join(under, " or "))
	}
	return ""
}

func lowerAll(items []string) []string {
	for i, s := range items {
		items[i] = strings.ToLower(s)
	}
	return items
}

func trimAll(items []string) []string {
	out := []string{}
	for _, s := range items {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Validate checks every setting and names the key of each problem it finds, all of them
// in one error.
func (c Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("config %s (env %s): %s", key, EnvName(key), fmt.Sprintf(format, args...)))
	}
	errs = append(errs, c.Mail.problems()...)
	errs = append(errs, c.acoProblems()...)
	if _, err := c.Location(); err != nil {
		bad("timezone", "%q is not a time zone: use a name such as America/New_York, Europe/London or UTC", c.TimeZone)
	}
	if !currencyCode.MatchString(c.Currency) {
		bad("currency", "%q is not a three-letter code in capitals, such as USD, EUR or GBP", c.Currency)
	}
	if _, err := parser.NewReader(c.Parser.Aliases); err != nil {
		bad("parser.aliases", "%v", err)
	}
	host, port, err := net.SplitHostPort(c.HTTP.Addr)
	if err != nil || port == "" {
		bad("http.addr", "%q is not host:port, for example 127.0.0.1:8001", c.HTTP.Addr)
	} else if c.HTTP.Token == "" && !IsLoopback(host) && !c.HTTP.AllowPublicWithoutToken {
		bad("http.addr", "%q accepts connections from other machines, but http.token is not set: set http.token "+
			"(anyone who can reach the port could read your orders), or set http.allow_public_without_token: true", c.HTTP.Addr)
	}
	if c.HTTP.WebhookSecret != "" && len(c.HTTP.WebhookSecret) < 16 {
		bad("http.webhook_secret", "is %d characters; use at least 16, for example the output of: openssl rand -hex 24", len(c.HTTP.WebhookSecret))
	}
	for _, o := range c.HTTP.CORSOrigins {
		if u, err := url.Parse(o); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" {
			bad("http.cors_origins", "%q is not an origin such as http://localhost:3000 (scheme and host, no path)", o)
		}
	}
	if c.HTTP.Token != strings.TrimSpace(c.HTTP.Token) || strings.ContainsAny(c.HTTP.Token, " \t\r\n") {
		bad("http.token", "contains spaces; a token is one word (clients trim it, so it would never match): openssl rand -hex 24 makes one")
	}
	if c.HTTP.Token != "" && len(c.HTTP.Token) < 16 {
		bad("http.token", "is %d characters; use at least 16, for example the output of: openssl rand -hex 24", len(c.HTTP.Token))
	}
	switch c.Storage.Driver {
	case DriverBbolt:
		if strings.TrimSpace(c.Storage.Path) == "" {
			bad("storage.path", "is empty")
		}
	case DriverPostgres:
		if strings.TrimSpace(c.Storage.Postgres.DSN) == "" {
			bad("storage.postgres.dsn", "is empty: the postgres driver needs the database's address, such as "+
				"postgres://roms:PASSWORD@db.example.com:5432/roms")
		}
	default:
		bad("storage.driver", "%q is not a driver: use bbolt (one file, the default) or postgres (several instances on one database)", c.Storage.Driver)
	}
	if c.Storage.LogRetention.MaxEntries < 0 {
		bad("storage.log_retention.max_entries", "is negative; 0 keeps every entry")
	}
	if c.HTTP.RateLimit.PerMinute < 0 || c.HTTP.RateLimit.Burst < 0 {
		bad("http.rate_limit", "is negative; per_minute 0 means no limit")
	}
	if c.Metrics.Addr != "" {
		if _, port, err := net.SplitHostPort(c.Metrics.Addr); err != nil || port == "" {
			bad("metrics.addr", "%q is not host:port, for example 127.0.0.1:9101", c.Metrics.Addr)
		}
	}
	if c.Storage.LogRetention.MaxMB < 0 {
		bad("storage.log_retention.max_mb", "is negative; 0 keeps entries of any total size")
	}
	if c.Storage.LogRetention.MaxAge < 0 {
		bad("storage.log_retention.max_age", "is negative; 0 keeps entries of any age")
	}
	if u, err := url.Parse(c.Discord.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("discord.api_url", "%q is not an http(s) URL", c.Discord.APIURL)
	}
	for _, list := range []struct {
		key string
		ids []string
	}{{"discord.channels", c.Discord.Channels}, {"discord.allowed_authors", c.Discord.AllowedAuthors},
		{"discord.guild_ids", c.Discord.GuildIDs}, {"discord.roles.read", c.Discord.Roles.Read}, {"discord.roles.write", c.Discord.Roles.Write}} {
		for _, id := range list.ids {
			if !isSnowflake(id) {
				bad(list.key, "%q is not a Discord id (a long number: enable Developer Mode, right-click, Copy ID)", id)
			}
		}
	}
	if _, err := c.Discord.Backfill.Since(time.Now()); err != nil {
		bad("discord.backfill.initial", "%v", err)
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.Log.Level) {
		bad("log.level", "%q is not one of debug, info, warn, error", c.Log.Level)
	}
	if !slices.Contains([]string{"text", "json"}, c.Log.Format) {
		bad("log.format", "%q is not text or json", c.Log.Format)
	}
	return errors.Join(errs...)
}

// Location is the time zone days are counted in: the timezone setting, or the machine's.
func (c Config) Location() (*time.Location, error) {
	if strings.TrimSpace(c.TimeZone) == "" {
		return time.Local, nil
	}
	return time.LoadLocation(strings.TrimSpace(c.TimeZone))
}

// Since is the oldest message time the first start imports: now for "none" (nothing
// older), the zero time for "all".
func (b Backfill) Since(now time.Time) (time.Time, error) {
	switch s := strings.ToLower(strings.TrimSpace(b.Initial)); s {
	case "none", "":
		return now, nil
	case "all":
		return time.Time{}, nil
	default:
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return now, fmt.Errorf("%q is not none, all, or a duration such as 720h", b.Initial)
		}
		return now.Add(-d), nil
	}
}

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

// IsLoopback reports whether a listen host only accepts connections from this machine.
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func isSnowflake(s string) bool {
	if len(s) < 5 || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// problems are what is wrong with the mail settings, each naming its key.
func (m Mail) problems() []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("config %s: %s", key, fmt.Sprintf(format, args...)))
	}
	if len(m.Accounts) > 0 && m.Poll < 10*time.Second {
		bad("mail.poll", "%s is too often for a mail server: 10s at least (2m is usual)", m.Poll)
	}
	if m.Since < 0 {
		bad("mail.since", "%s is in the future: write how far back, like 720h", m.Since)
	}
	names := map[string]bool{}
	for i, a := range m.Accounts {
		key := fmt.Sprintf("mail.accounts[%d]", i)
		switch {
		case strings.TrimSpace(a.Name) == "":
			bad(key+".name", "each mailbox needs a name (it names the changes its emails make: email:NAME)")
		case names[a.Name]:
			bad(key+".name", "%q names two mailboxes", a.Name)
		}
		names[a.Name] = true
		host, _, err := net.SplitHostPort(a.Server)
		if err != nil {
			bad(key+".server", "%q is not host:port, such as imap.gmail.com:993", a.Server)
		}
		switch a.Security {
		case SecurityTLS, SecurityStartTLS:
		case SecurityNone:
			if err == nil && !IsLoopback(host) {
				bad(key+".security", "none sends the password unencrypted: only to this machine (127.0.0.1); use tls")
			}
		default:
			bad(key+".security", "%q: use tls, starttls or none", a.Security)
		}
		if a.Username == "" {
			bad(key+".username", "each mailbox needs its username (usually the address)")
		}
		if a.Password == "" {
			bad(key+".password", "no password: set it, or give it in %s", MailPasswordEnv(a.Name))
		}
	}
	return errs
}

// accountKeys are the keys of a mail.accounts entry: MailAccount's own, so they cannot
// drift from what is decoded.
var accountKeys = func() []string {
	var keys []string
	for f := range reflect.TypeFor[MailAccount]().Fields() {
		keys = append(keys, f.Tag.Get("mapstructure"))
	}
	return keys
}()

// unknownAccountKeys names a misspelt key inside mail.accounts' entries, which
// unknownKeys cannot see in a list.
func unknownAccountKeys(accounts any) error {
	list, _ := accounts.([]any)
	for i, entry := range list {
		m, _ := entry.(map[string]any)
		for k := range m {
			if !slices.Contains(accountKeys, strings.ToLower(k)) {
				return fmt.Errorf("config mail.accounts[%d]: unknown key %s (a mailbox takes %s)", i, k, strings.Join(accountKeys, ", "))
			}
		}
	}
	return nil
}

// acoProblems are what is wrong with the aco and relay settings, each naming its key.
func (c Config) acoProblems() []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("config %s: %s", key, fmt.Sprintf(format, args...)))
	}
	if _, err := aco.ParseHold(c.ACO.Hold); err != nil {
		bad("aco.hold", "%v", err)
	}
	if c.ACO.LookBackDays < 1 || c.ACO.LookBackDays > 3650 {
		bad("aco.look_back_days", "%d: between 1 and 3650", c.ACO.LookBackDays)
	}
	if ch := c.Relay.PublicChannel; ch != "" && !isSnowflake(ch) {
		bad("relay.public_channel", "%q is not a channel id (Developer Mode, right-click the channel, Copy Channel ID)", ch)
	}
	if !slices.Contains([]string{aco.NotifyPing, aco.NotifyDM, aco.NotifyNone}, c.Relay.Notify) {
		bad("relay.notify", "%q: one of ping, dm, none", c.Relay.Notify)
	}
	if !slices.Contains([]string{"edit", "delete", "keep"}, c.Relay.OnCancel) {
		bad("relay.on_cancel", "%q: one of edit, delete, keep", c.Relay.OnCancel)
	}
	for _, f := range c.Relay.Show {
		if !slices.Contains(RelayFields, f) {
			bad("relay.show", "%q: the fields are %s", f, strings.Join(RelayFields, ", "))
		}
	}
	return errs
}
