package fakediscord

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"
)

// formErrors are the fields of a request body that break a documented limit, by path
// ("embeds.0.fields.2.value"), as Discord's 50035 "Invalid Form Body" lists them
// (https://discord.com/developers/docs/reference#error-messages).
type formErrors map[string]string

func (e formErrors) add(path, format string, args ...any) {
	e[path] = fmt.Sprintf(format, args...)
}

// length checks a string's length in characters, as Discord counts them.
func (e formErrors) length(path, v string, least, most int) {
	n := utf8.RuneCountInString(v)
	switch {
	case n < least && least == 1:
		e.add(path, "This field is required")
	case n < least:
		e.add(path, "Must be between %d and %d in length.", least, most)
	case n > most:
		e.add(path, "Must be %d or fewer in length.", most)
	}
}

// body is Discord's error body: each path nested, with its _errors.
func (e formErrors) body() map[string]any {
	nested := map[string]any{}
	for path, msg := range e {
		at := nested
		parts := strings.Split(path, ".")
		for _, p := range parts[:len(parts)-1] {
			next, ok := at[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				at[p] = next
			}
			at = next
		}
		leaf, _ := at[parts[len(parts)-1]].(map[string]any)
		if leaf == nil {
			leaf = map[string]any{}
			at[parts[len(parts)-1]] = leaf
		}
		leaf["_errors"] = []map[string]string{{"code": "BASE_TYPE_INVALID", "message": msg}}
	}
	return map[string]any{"code": 50035, "errors": nested, "message": "Invalid Form Body"}
}

// refuse answers 400 with the form errors and records them as violations. Callers hold
// s.mu; it reports whether it refused.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, errs formErrors) bool {
	if len(errs) == 0 {
		return false
	}
	for path, msg := range errs {
		s.violation("%s %s: %s: %s", r.Method, r.URL.Path, path, msg)
	}
	writeJSON(w, http.StatusBadRequest, errs.body())
	return true
}

// refuseLocking is refuse for a caller that does not hold s.mu.
func (s *Server) refuseLocking(w http.ResponseWriter, r *http.Request, errs formErrors) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refuse(w, r, errs)
}

// messageBody is what the fake reads of a message the bot sends: a channel message, an
// interaction answer, a follow-up or an edit.
type messageBody struct {
	Type       *int         `json:"type"` // interaction callbacks only
	Content    string       `json:"content"`
	Embeds     []embedBody  `json:"embeds"`
	Components []component  `json:"components"`
	Choices    []choiceBody `json:"choices"`
	Attach     []struct {
		ID       any    `json:"id"`
		Filename string `json:"filename"`
	} `json:"attachments"`
}

type embedBody struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	URL         string `json:"url"`
	Fields      []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"fields"`
	Footer *struct {
		Text    string `json:"text"`
		IconURL string `json:"icon_url"`
	} `json:"footer"`
	Author *struct {
		Name    string `json:"name"`
		URL     string `json:"url"`
		IconURL string `json:"icon_url"`
	} `json:"author"`
	Image     *struct{ URL string } `json:"image"`
	Thumbnail *struct{ URL string } `json:"thumbnail"`
}

type component struct {
	Type       int         `json:"type"`
	CustomID   string      `json:"custom_id"`
	Label      string      `json:"label"`
	URL        string      `json:"url"`
	Components []component `json:"components"`
}

type choiceBody struct {
	Name  string `json:"name"`
	Value any    `json:"value"`
}

// checkMessage holds a message to the documented limits: content
// (https://discord.com/developers/docs/resources/message#create-message), embeds
// (https://discord.com/developers/docs/resources/message#embed-object-embed-limits, URLs
// as the OpenAPI spec bounds them) and components
// (https://discord.com/developers/docs/components/reference).
func checkMessage(m messageBody, prefix string, errs formErrors) {
	errs.length(prefix+"content", m.Content, 0, 2000)
	if len(m.Embeds) > 10 {
		errs.add(prefix+"embeds", "Must be 10 or fewer in length.")
	}
	total := 0
	for i, e := range m.Embeds {
		p := fmt.Sprintf("%sembeds.%d.", prefix, i)
		total += checkEmbed(e, p, errs)
	}
	if total > 6000 {
		errs.add(prefix+"embeds", "Embed size exceeds maximum size of 6000")
	}
	if len(m.Components) > 5 {
		errs.add(prefix+"components", "Must be 5 or fewer in length.")
	}
	for i, row := range m.Components {
		p := fmt.Sprintf("%scomponents.%d.", prefix, i)
		if row.Type != 1 {
			errs.add(p+"type", "top-level components of a message are action rows (type 1)")
		}
		if len(row.Components) > 5 {
			errs.add(p+"components", "Must be 5 or fewer in length.")
		}
		for j, c := range row.Components {
			q := fmt.Sprintf("%scomponents.%d.", p, j)
			errs.length(q+"custom_id", c.CustomID, 0, 100)
			errs.length(q+"label", c.Label, 0, 80)
			if c.Type == 2 && c.CustomID == "" && c.URL == "" {
				errs.add(q+"custom_id", "This field is required")
			}
		}
	}
}

// checkEmbed checks one embed and returns its characters toward the 6,000 of a message.
// Discord trims leading and trailing white space before it counts.
func checkEmbed(e embedBody, p string, errs formErrors) int {
	n := 0
	text := func(path, v string, least, most int) {
		v = strings.TrimSpace(v)
		errs.length(path, v, least, most)
		n += utf8.RuneCountInString(v)
	}
	text(p+"title", e.Title, 0, 256)
	text(p+"description", e.Description, 0, 4096)
	if len(e.Fields) > 25 {
		errs.add(p+"fields", "Must be 25 or fewer in length.")
	}
	for i, f := range e.Fields {
		text(fmt.Sprintf("%sfields.%d.name", p, i), f.Name, 1, 256)
		text(fmt.Sprintf("%sfields.%d.value", p, i), f.Value, 1, 1024)
	}
	checkURL(p+"url", e.URL, false, errs)
	if e.Footer != nil {
		text(p+"footer.text", e.Footer.Text, 0, 2048)
		checkURL(p+"footer.icon_url", e.Footer.IconURL, true, errs)
	}
	if e.Author != nil {
		text(p+"author.name", e.Author.Name, 0, 256)
		checkURL(p+"author.url", e.Author.URL, false, errs)
		checkURL(p+"author.icon_url", e.Author.IconURL, true, errs)
	}
	if e.Image != nil {
		checkURL(p+"image.url", e.Image.URL, true, errs)
	}
	if e.Thumbnail != nil {
		checkURL(p+"thumbnail.url", e.Thumbnail.URL, true, errs)
	}
	return n
}

// checkURL: an embed's URLs are http(s), images may also be attachment://, and none is
// over 2,048 characters.
func checkURL(path, v string, image bool, errs formErrors) {
	if v == "" {
		return
	}
	if len(v) > 2048 {
		errs.add(path, "Must be 2048 or fewer in length.")
		return
	}
	u, err := url.Parse(v)
	ok := err == nil && u.Host != "" && (u.Scheme == "http" || u.Scheme == "https")
	if image && err == nil && u.Scheme == "attachment" {
		ok = true
	}
	if !ok {
		errs.add(path, "Not a well formed URL.")
	}
}

// checkChoices holds an autocomplete answer to 25 choices of 1 to 100 characters
// (https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object-autocomplete).
func checkChoices(choices []choiceBody, errs formErrors) {
	if len(choices) > 25 {
		errs.add("data.choices", "Must be 25 or fewer in length.")
	}
	for i, c := range choices {
		errs.length(fmt.Sprintf("data.choices.%d.name", i), c.Name, 1, 100)
		if v, ok := c.Value.(string); ok {
			errs.length(fmt.Sprintf("data.choices.%d.value", i), v, 0, 100)
		}
	}
}

// commandName is the rule for chat-input command and option names
// (https://discord.com/developers/docs/interactions/application-commands#application-command-object-application-command-naming).
var commandName = regexp.MustCompile(`^[-_'\p{L}\p{N}\p{Devanagari}\p{Thai}]{1,32}$`)

type commandBody struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Type        int             `json:"type"`
	Options     []commandOption `json:"options"`
}

type commandOption struct {
	Type        int             `json:"type"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Required    bool            `json:"required"`
	Choices     []choiceBody    `json:"choices"`
	Options     []commandOption `json:"options"`
}

// checkCommands holds a bulk overwrite to the documented rules
// (https://discord.com/developers/docs/interactions/application-commands#application-command-object).
func checkCommands(cmds []commandBody, errs formErrors) {
	if len(cmds) > 100 {
		errs.add("commands", "Must be 100 or fewer in length.")
	}
	seen := map[string]bool{}
	for i, c := range cmds {
		p := fmt.Sprintf("%d.", i)
		if c.Type == 0 || c.Type == 1 {
			checkName(p+"name", c.Name, errs)
			errs.length(p+"description", c.Description, 1, 100)
		}
		if seen[c.Name] {
			errs.add(p+"name", "Application command names must be unique")
		}
		seen[c.Name] = true
		checkOptions(c.Options, p+"options", errs)
	}
}

func checkOptions(opts []commandOption, p string, errs formErrors) {
	if len(opts) > 25 {
		errs.add(p, "Must be 25 or fewer in length.")
	}
	optional := false
	for i, o := range opts {
		q := fmt.Sprintf("%s.%d.", p, i)
		checkName(q+"name", o.Name, errs)
		errs.length(q+"description", o.Description, 1, 100)
		if len(o.Choices) > 25 {
			errs.add(q+"choices", "Must be 25 or fewer in length.")
		}
		for j, c := range o.Choices {
			errs.length(fmt.Sprintf("%schoices.%d.name", q, j), c.Name, 1, 100)
		}
		if o.Required && optional {
			errs.add(q+"required", "Required options must be placed before non-required options")
		}
		optional = optional || !o.Required
		checkOptions(o.Options, q+"options", errs)
	}
}

func checkName(path, name string, errs formErrors) {
	if !commandName.MatchString(name) || strings.ToLower(name) != name {
		errs.add(path, "Command name is invalid")
	}
}
