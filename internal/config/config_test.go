package config

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/viper"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDefaultsWithoutAFile(t *testing.T) {
	t.Chdir(t.TempDir())
	c, used, err := Load("", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if used != "" || c.HTTP.Addr != "127.0.0.1:8001" || c.Storage.Path != "roms.db" || !c.Discord.Reactions ||
		c.Storage.LogRetention.MaxAge != 720*time.Hour || c.Discord.APIURL != "https://discord.com" {
		t.Errorf("defaults: %+v (file %q)", c, used)
	}
}

func TestFileThenEnv(t *testing.T) {
	t.Parallel()
	path := writeConfig(t, `
http:
  addr: 127.0.0.1:9000
storage:
  path: /tmp/x.db
  log_retention:
    max_age: 48h
discord:
  channels: ["1290000000000000001", "1290000000000000002"]
`)
	c, used, err := Load(path, env(map[string]string{
		"ROMS_STORAGE_PATH":            "/data/roms.db",
		"ROMS_DISCORD_TOKEN":           "abc.def",
		"ROMS_DISCORD_ALLOWED_AUTHORS": "1300000000000000042, 1300000000000000043",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if used != path || c.HTTP.Addr != "127.0.0.1:9000" || c.Storage.Path != "/data/roms.db" ||
		c.Storage.LogRetention.MaxAge != 48*time.Hour || c.Discord.Token != "abc.def" {
		t.Errorf("got %+v", c)
	}
	if len(c.Discord.Channels) != 2 || strings.Join(c.Discord.AllowedAuthors, ",") != "1300000000000000042,1300000000000000043" {
		t.Errorf("lists: %q %q", c.Discord.Channels, c.Discord.AllowedAuthors)
	}
}

func TestConfigYamlInWorkingDirectoryIsRead(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile(DefaultFile, []byte("log:\n  level: debug\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, used, err := Load("", env(nil))
	if err != nil || used != DefaultFile || c.Log.Level != "debug" {
		t.Errorf("got %q %+v %v", used, c.Log, err)
	}
}

func TestInvalidConfigNamesTheKey(t *testing.T) {
	tests := []struct {
		name, file string
		env        map[string]string
		wantKey    string
	}{
		{"typo in file", "htp:\n  addr: x\n", nil, "htp.addr"},
		{"bad duration", "storage:\n  log_retention:\n    max_age: soon\n", nil, "max_age"},
		{"bad addr", "", map[string]string{"ROMS_HTTP_ADDR": "8001"}, "http.addr"},
		{"public without token", "", map[string]string{"ROMS_HTTP_ADDR": "0.0.0.0:8001"}, "http.token"},
		{"short token", "", map[string]string{"ROMS_HTTP_TOKEN": "abc"}, "http.token"},
		{"bad channel", "", map[string]string{"ROMS_DISCORD_CHANNELS": "general"}, "discord.channels"},
		{"bad backfill", "", map[string]string{"ROMS_DISCORD_BACKFILL_INITIAL": "yesterday"}, "discord.backfill.initial"},
		{"bad api url", "", map[string]string{"ROMS_DISCORD_API_URL": "discord.com"}, "discord.api_url"},
		{"bad log level", "", map[string]string{"ROMS_LOG_LEVEL": "loud"}, "log.level"},
		{"bad time zone", "", map[string]string{"ROMS_TIMEZONE": "Mars/Olympus"}, "timezone"},
		{"bad currency", "", map[string]string{"ROMS_CURRENCY": "dollars"}, "currency"},
		{"token with spaces", "http:\n  token: \" 0123456789abcdef0123 \"\n", nil, "contains spaces"},
		{"token of spaces", "http:\n  token: \"                  \"\n", nil, "contains spaces"},
		{"negative retention", "", map[string]string{"ROMS_STORAGE_LOG_RETENTION_MAX_ENTRIES": "-1"}, "max_entries"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := ""
			if tt.file != "" {
				path = writeConfig(t, tt.file)
			} else {
				t.Chdir(t.TempDir())
			}
			_, _, err := Load(path, env(tt.env))
			if err == nil || !strings.Contains(err.Error(), tt.wantKey) {
				t.Errorf("err = %v, want one naming %s", err, tt.wantKey)
			}
		})
	}
}

func TestPublicListenerNeedsTokenOrOptIn(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, e := range []map[string]string{
		{"ROMS_HTTP_ADDR": "0.0.0.0:8001", "ROMS_HTTP_TOKEN": "0123456789abcdef0123"},
		{"ROMS_HTTP_ADDR": ":8001", "ROMS_HTTP_ALLOW_PUBLIC_WITHOUT_TOKEN": "true"},
		{"ROMS_HTTP_ADDR": "localhost:8001"},
		{"ROMS_HTTP_ADDR": "[::1]:8001"},
	} {
		if _, _, err := Load("", env(e)); err != nil {
			t.Errorf("%v: %v", e, err)
		}
	}
}

func TestMissingNamedFileFails(t *testing.T) {
	t.Parallel()
	if _, _, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), env(nil)); err == nil {
		t.Error("no error for a missing config file")
	}
}

func TestBackfillSince(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{"none": now, "all": {}, "720h": now.Add(-720 * time.Hour)} {
		got, err := Backfill{Initial: in}.Since(now)
		if err != nil || !got.Equal(want) {
			t.Errorf("%s: %v %v, want %v", in, got, err, want)
		}
	}
}

// TestExampleFileIsCompleteAndValid keeps config.example.yaml in step with the code: it
// holds exactly the keys ROMS knows, and loads as it is.
func TestExampleFileIsCompleteAndValid(t *testing.T) {
	t.Parallel()
	const example = "../../config.example.yaml"
	if _, _, err := Load(example, env(nil)); err != nil {
		t.Fatalf("%s: %v", example, err)
	}
	v := viper.New()
	v.SetConfigFile(example)
	if err := v.ReadInConfig(); err != nil {
		t.Fatal(err)
	}
	inFile := map[string]bool{}
	for _, k := range v.AllKeys() {
		inFile[k] = true
	}
	for k := range defaults {
		if !inFile[k] && !v.InConfig(k) { // an empty map is in the file, not among its keys
			t.Errorf("%s does not document %s", example, k)
		}
	}
}

func TestValuesThatCannotBeReadSayWhatIsExpected(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file string
		want       []string
	}{
		{"yes is a bool", "discord:\n  reactions: maybe\n", []string{"config discord.reactions (env ROMS_DISCORD_REACTIONS)", `"maybe" is not true or false`}},
		{"days", "storage:\n  log_retention:\n    max_age: 30 days\n", []string{"storage.log_retention.max_age", "720h (30 days)"}},
		{"count", "storage:\n  log_retention:\n    max_entries: lots\n", []string{"max_entries", `"lots" is not a whole number`}},
		{"no unit", "storage:\n  log_retention:\n    max_age: 30\n", []string{"storage.log_retention.max_age", "30 has no unit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Load(writeConfig(t, tt.file), env(nil))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v, want it to say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "strconv") || strings.Contains(err.Error(), "unknown unit") {
				t.Errorf("Go jargon in %v", err)
			}
		})
	}
}

func TestHumanValuesAreRead(t *testing.T) {
	t.Parallel()
	c, _, err := Load(writeConfig(t, "discord:\n  reactions: no\nstorage:\n  log_retention:\n    max_age: 30d\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Discord.Reactions || c.Storage.LogRetention.MaxAge != 720*time.Hour {
		t.Errorf("reactions %v max_age %v", c.Discord.Reactions, c.Storage.LogRetention.MaxAge)
	}
}

func TestMistypedEnvNamesTheNearestSetting(t *testing.T) {
	t.Parallel()
	got := MistypedEnv([]string{"PATH=/bin", "ROMS_HTTP_ADDR=x", "ROMS_HTTP_ADRESS=0.0.0.0:8001", "ROMS_DISCORD_TOKN=abc"})
	want := []string{
		"environment variable ROMS_DISCORD_TOKN is not a ROMS setting and is ignored; did you mean ROMS_DISCORD_TOKEN (discord.token)?",
		"environment variable ROMS_HTTP_ADRESS is not a ROMS setting and is ignored; did you mean ROMS_HTTP_ADDR (http.addr)?",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s", strings.Join(got, "\n"))
	}
}

func TestTimeZone(t *testing.T) {
	t.Chdir(t.TempDir())
	c, _, err := Load("", env(map[string]string{"ROMS_TIMEZONE": "America/New_York"}))
	if err != nil {
		t.Fatal(err)
	}
	if loc, _ := c.Location(); loc.String() != "America/New_York" {
		t.Errorf("location %v", loc)
	}
	c.TimeZone = ""
	if loc, _ := c.Location(); loc != time.Local {
		t.Errorf("default location %v, want the machine's", loc)
	}
}

func TestParserAliases(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "config.yaml")
	yaml := "parser:\n  aliases:\n    \"Billing Profile\": profile\n    \"Conf No.\": order_number\n    \"🛒 Item Bought\": Product\n"
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := Load(file, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"billing profile": "profile", "conf no.": "order_number", "🛒 item bought": "Product"}
	if !maps.Equal(cfg.Parser.Aliases, want) {
		t.Errorf("aliases from the file = %v, want %v", cfg.Parser.Aliases, want)
	}

	cfg, _, err = Load(file, env(map[string]string{"ROMS_PARSER_ALIASES": "Conf # = order_number, Site Name=store"}))
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"Conf #": "order_number", "Site Name": "store"}; !maps.Equal(cfg.Parser.Aliases, want) {
		t.Errorf("aliases from the environment = %v, want %v", cfg.Parser.Aliases, want)
	}

	for _, bad := range []string{"Conf=order numbre", "no pair here"} {
		_, _, err = Load("", env(map[string]string{"ROMS_PARSER_ALIASES": bad}))
		if err == nil || !strings.Contains(err.Error(), "parser.aliases") {
			t.Errorf("%q: err = %v, want one naming parser.aliases", bad, err)
		}
	}
}

// TestConfigMistakesAreSaidPlainly: a tab, keys not indented under their section, and a
// currency in small letters, as a new user writes them.
func TestConfigMistakesAreSaidPlainly(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tt := range []struct{ name, yaml, want string }{
		{"tab", "http:\n\taddr: 127.0.0.1:9000\n", "line 2: indented with a tab; YAML needs spaces"},
		{"not indented", "http:\naddr: 127.0.0.1:9000\n", "addr may be http.addr"},
		{"empty section", "http:\naddr: 127.0.0.1:9000\n", "http: has nothing under it"},
	} {
		file := filepath.Join(dir, tt.name+".yaml")
		if err := os.WriteFile(file, []byte(tt.yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, _, err := Load(file, func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
	file := filepath.Join(dir, "currency.yaml")
	_ = os.WriteFile(file, []byte("currency: usd\n"), 0o600)
	if c, _, err := Load(file, func(string) string { return "" }); err != nil || c.Currency != "USD" {
		t.Errorf("currency: usd gives %q %v", c.Currency, err)
	}
	env := map[string]string{"ROMS_HTTP_ADDR": "127.0.0.1:9000", "ROMS_DISCORD_TOKEN": "x"}
	if got := FromEnvironment(func(k string) string { return env[k] }); strings.Join(got, ",") != "ROMS_DISCORD_TOKEN,ROMS_HTTP_ADDR" {
		t.Errorf("from the environment: %v", got)
	}
}

// TestMailAccountsAreReadAndChecked: each mailbox with its defaults (tls, INBOX), its
// password from the environment when the file leaves it out, and each mistake named.
func TestMailAccountsAreReadAndChecked(t *testing.T) {
	t.Parallel()
	path := writeConfig(t, "mail:\n  accounts:\n    - name: main\n      server: imap.gmail.com:993\n      username: you@gmail.com\n")
	env := map[string]string{"ROMS_MAIL_MAIN_PASSWORD": "app-password"}
	c, _, err := Load(path, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	a := c.Mail.Accounts[0]
	if a.Password != "app-password" || a.Security != SecurityTLS || len(a.Folders) != 1 || a.Folders[0] != "INBOX" || c.Mail.Poll != 2*time.Minute {
		t.Errorf("account %+v, poll %s", a, c.Mail.Poll)
	}
	for _, tt := range []struct{ body, want string }{
		{"mail:\n  accounts:\n    - name: main\n      server: imap.gmail.com:993\n      username: u\n", "ROMS_MAIL_MAIN_PASSWORD"},
		{"mail:\n  accounts:\n    - name: main\n      server: imap.gmail.com\n      username: u\n      password: p\n", "not host:port"},
		{"mail:\n  accounts:\n    - name: main\n      server: mail.example.com:143\n      security: none\n      username: u\n      password: p\n", "only to this machine"},
		{"mail:\n  accounts:\n    - name: a\n      server: x:993\n      username: u\n      password: p\n    - name: a\n      server: y:993\n      username: u\n      password: p\n", "names two mailboxes"},
		{"mail:\n  poll: 1s\n  accounts:\n    - name: a\n      server: x:993\n      username: u\n      password: p\n", "too often"},
	} {
		if _, _, err := Load(writeConfig(t, tt.body), func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: %v, want %q", tt.body, err, tt.want)
		}
	}
}

// TestAMisspeltKeyOfAMailboxIsNamed: a key inside a list entry is checked too.
func TestAMisspeltKeyOfAMailboxIsNamed(t *testing.T) {
	t.Parallel()
	_, _, err := Load(writeConfig(t, "mail:\n  accounts:\n    - name: a\n      server: x:993\n      usernme: u\n      password: p\n"), func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "usernme") {
		t.Errorf("a misspelt key: %v", err)
	}
}
