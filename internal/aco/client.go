package aco

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/roms-dev/roms/internal/order"
)

// Notify modes: how a client hears of their checkouts.
const (
	NotifyPing = "ping" // a mention in the success channel
	NotifyDM   = "dm"   // a direct message
	NotifyNone = "none"
)

// Client is one customer of the ACO service: whose profiles and emails are theirs, and
// what they pay a success.
type Client struct {
	ID          string `json:"id" doc:"A short name made from the name: lower case, dashes"`
	Name        string `json:"name"`
	DiscordUser string `json:"discord_user,omitempty" doc:"Their Discord user id, to ping or DM them"`
	// Channel is their own channel in the owner's server, where a ping with their
	// details goes; without one they get a direct message.
	Channel string `json:"channel,omitempty" doc:"Their own channel's id, for pings with their details; without one: a DM"`
	// Profiles are checkout-bot profile names, exact (any case) or with * for any text:
	// "Lennar #*" is every profile that starts "Lennar #".
	Profiles []string `json:"profiles,omitempty"`
	// Emails are theirs with every jig of them: Gmail dots and +tags are one address;
	// "@theirdomain.com" is every address at a catch-all domain.
	Emails []string  `json:"emails,omitempty"`
	Fee    FeeRule   `json:"fee"`
	Notify string    `json:"notify,omitempty" enum:"ping,dm,none," doc:"How they hear of a checkout; empty: relay.notify"`
	Notes  string    `json:"notes,omitempty"`
	Added  time.Time `json:"added"`
}

var errNoName = errors.New("a client needs a name")

// InvalidError is input the service refuses: a client, rule or payment that does not
// check out. Its text says what to write instead; the API answers it 422, where a
// failure of the store is its own error.
type InvalidError struct{ Err error }

func (e *InvalidError) Error() string { return e.Err.Error() }
func (e *InvalidError) Unwrap() error { return e.Err }

// invalid marks err, if any, as refused input.
func invalid(err error) error {
	if err == nil {
		return nil
	}
	return &InvalidError{err}
}

// Check tidies a client (trimmed, duplicates dropped, the id made from the name when
// unset) and says what is wrong with it, if anything (an InvalidError).
func (c *Client) Check() error { return invalid(c.check()) }

func (c *Client) check() error {
	c.Name = strings.TrimSpace(c.Name)
	if c.Name == "" {
		return errNoName
	}
	if c.ID == "" {
		c.ID = Slug(c.Name)
	}
	if c.ID == "" || c.ID != Slug(c.ID) {
		return fmt.Errorf("client id %q: use letters, digits and dashes", c.ID)
	}
	c.Profiles = tidy(c.Profiles, strings.TrimSpace)
	c.Emails = tidy(c.Emails, func(s string) string { return strings.ToLower(strings.TrimSpace(s)) })
	for _, e := range c.Emails {
		if !strings.Contains(e, "@") || strings.Count(e, "@") > 1 || strings.HasSuffix(e, "@") {
			return fmt.Errorf("email %q: give an address, or @domain.com for every address at a catch-all domain", e)
		}
	}
	if c.Channel != "" && !snowflake.MatchString(c.Channel) {
		return fmt.Errorf("channel %q: give the channel's id (Developer Mode, right-click the channel, Copy Channel ID)", c.Channel)
	}
	if c.DiscordUser != "" && !snowflake.MatchString(c.DiscordUser) {
		return fmt.Errorf("discord user %q: give the user's id (a long number; Developer Mode, right-click, Copy User ID)", c.DiscordUser)
	}
	switch c.Notify {
	case "", NotifyPing, NotifyDM, NotifyNone:
	default:
		return fmt.Errorf("notify %q: one of ping, dm, none", c.Notify)
	}
	return c.Fee.Check()
}

var snowflake = regexp.MustCompile(`^\d{15,21}$`)

// tidy cleans each value, dropping blanks and repeats (any case), in order.
func tidy(values []string, clean func(string) string) []string {
	var out []string
	for _, v := range values {
		if v = clean(v); v != "" && !slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, v) }) {
			out = append(out, v)
		}
	}
	return out
}

// Slug is a name as an id: "Ann's Cooks #2" is "ann-s-cooks-2".
func Slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	return b.String()
}

// ownsProfile reports whether one of the client's profiles is this one.
func (c *Client) ownsProfile(profile string) bool {
	profile = strings.TrimSpace(profile)
	return profile != "" && slices.ContainsFunc(c.Profiles, func(p string) bool { return globMatch(strings.ToLower(p), strings.ToLower(profile)) })
}

// ownsEmail reports whether the address is one of the client's, as jigged or at their
// catch-all domain.
func (c *Client) ownsEmail(email string) bool {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return false
	}
	want := CanonicalEmail(email)
	domain := email[strings.LastIndex(email, "@")+1:]
	return slices.ContainsFunc(c.Emails, func(e string) bool {
		if strings.HasPrefix(e, "@") {
			return domain == e[1:]
		}
		return CanonicalEmail(e) == want
	})
}

// CanonicalEmail is the one address every jig of an address reaches: lower case, the
// +tag gone (most providers deliver user+drop1@ to user@), and for Gmail the dots in the
// name gone too (j.o.h.n@gmail.com is john@gmail.com).
func CanonicalEmail(email string) string {
	email = strings.ToLower(strings.TrimSpace(email))
	at := strings.LastIndex(email, "@")
	if at < 0 {
		return email
	}
	local, domain := email[:at], email[at+1:]
	if plus := strings.IndexByte(local, '+'); plus >= 0 {
		local = local[:plus]
	}
	if domain == "googlemail.com" {
		domain = "gmail.com"
	}
	if domain == "gmail.com" {
		local = strings.ReplaceAll(local, ".", "")
	}
	return local + "@" + domain
}

// globMatch matches text against a pattern in which * stands for any text (none too).
func globMatch(pattern, text string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == text
	}
	if !strings.HasPrefix(text, parts[0]) {
		return false
	}
	text = text[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(text, p)
		if i < 0 {
			return false
		}
		text = text[i+len(p):]
	}
	return strings.HasSuffix(text, parts[len(parts)-1])
}

// Match is whose an order is.
type Match struct {
	Client string `json:"client,omitempty" doc:"The client's id; empty when the order is no one's or is in doubt"`
	By     string `json:"by,omitempty" enum:"profile,email,owner," doc:"What matched: the profile, the email, or the owner's assignment"`
	// Doubt names the clients an order matched when it matched more than one: it waits for
	// the owner to say whose it is, never guessed.
	Doubt []string `json:"doubt,omitempty"`
}

// Whose matches an order to at most one client: by profile first, then by email. An
// order whose profile is one client's and email another's, or that several clients'
// patterns match, is in doubt.
func Whose(clients []Client, o *order.Order) Match {
	var byProfile, byEmail []string
	for i := range clients {
		if clients[i].ownsProfile(o.Profile) {
			byProfile = append(byProfile, clients[i].ID)
		}
		if clients[i].ownsEmail(o.Email) {
			byEmail = append(byEmail, clients[i].ID)
		}
	}
	switch {
	case len(byProfile) > 1:
		return Match{Doubt: byProfile}
	case len(byProfile) == 1 && len(byEmail) > 0 && !slices.Equal(byEmail, byProfile):
		return Match{Doubt: union(byProfile, byEmail)}
	case len(byProfile) == 1:
		return Match{Client: byProfile[0], By: "profile"}
	case len(byEmail) > 1:
		return Match{Doubt: byEmail}
	case len(byEmail) == 1:
		return Match{Client: byEmail[0], By: "email"}
	}
	return Match{}
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, v := range b {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}
