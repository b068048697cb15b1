package parser

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// Reader reads messages with one label table: the labels ROMS knows, plus the ones a user
// taught it with the parser.aliases setting. It is safe for concurrent use.
type Reader struct {
	labels labels
}

// builtin reads with the labels ROMS knows.
var builtin = &Reader{labels: aliases}

// NewReader returns a reader that also knows extra, which maps label spellings as a bot
// writes them ("Billing Profile") to the field they name: a field's name ("profile") or
// any label ROMS already knows for it ("Order Number"). A spelling ROMS knows is taught
// anew, so a user can also move a label to another field.
func NewReader(extra map[string]string) (*Reader, error) {
	if len(extra) == 0 {
		return builtin, nil
	}
	table := maps.Clone(aliases)
	for _, label := range slices.Sorted(maps.Keys(extra)) {
		key := labelKey(label)
		if key == "" {
			return nil, fmt.Errorf("%q is not a label", label)
		}
		field, ok := fieldNamed(extra[label])
		if !ok {
			return nil, fmt.Errorf("%q: %q is no field; use one of %s",
				label, extra[label], strings.Join(FieldNames(), ", "))
		}
		table[key] = field
	}
	return &Reader{labels: table}, nil
}

// fieldNamed finds the field a user means: "order_number", "Order Number" or "order #".
func fieldNamed(name string) (string, bool) {
	key := labelKey(strings.ReplaceAll(name, "_", " "))
	if slices.Contains(FieldNames(), strings.ReplaceAll(key, " ", "_")) {
		return strings.ReplaceAll(key, " ", "_"), true
	}
	field, ok := aliases[key]
	return field, ok && field != fCartItem
}

// FieldNames lists the fields a label can name, for settings and their errors.
func FieldNames() []string {
	names := map[string]bool{}
	for _, f := range aliases {
		names[f] = true
	}
	return slices.Sorted(maps.Keys(names))
}

// Embed is a Discord embed as the parser reads it: each field's name and value kept
// together, so that a field the parser does not know never shifts the pairing of the
// others.
type Embed struct {
	Title       string       `json:"title,omitempty"`
	Author      string       `json:"author,omitempty"`
	Description string       `json:"description,omitempty"`
	Fields      []EmbedField `json:"fields,omitempty"`
	Image       string       `json:"image,omitempty"`
}

// EmbedField is one field of an embed.
type EmbedField struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// ParseEmbed reads one embed with the labels ROMS knows.
func ParseEmbed(e Embed) (Message, error) { return builtin.ParseEmbed(e) }

// ParseEmbed reads one embed: the title and author as the header, the description's lines
// as text (bots put "**Label:** value" lines there), and each field by its name, through
// the same label table and steps as text. Credentials are redacted first.
func (r *Reader) ParseEmbed(e Embed) (Message, error) {
	e, err := cleanEmbed(e)
	if err != nil {
		return Message{}, err
	}
	msg := Message{labels: r.labels}
	title, author := firstLine(e.Title), firstLine(e.Author)
	var loose []string
	if kind, _ := splitHeader(title); kind == KindUnknown && author != "" {
		if byAuthor, _ := splitHeader(author); byAuthor != KindUnknown {
			// Orbit titles the product and says what happened in the author line.
			loose, title, author = []string{title}, author, ""
		}
	}
	fields, described := r.labels.group(nonBlankLines(e.Description))
	loose = append(loose, described...)
	slab := make([]field, 0, 2*len(e.Fields)+1) // a field gives at most two
	for _, f := range e.Fields {
		start := len(slab)
		slab = r.labels.embedField(slab, f)
		for i := start; i < len(slab); i++ {
			fields = append(fields, &slab[i])
		}
	}
	if e.Image != "" {
		slab = append(slab, field{name: fImageURL, label: "Image", lines: []string{e.Image}})
		fields = append(fields, &slab[len(slab)-1])
	}
	if title == "" && author == "" && len(fields) == 0 && len(loose) == 0 {
		return Message{}, ErrEmpty
	}
	msg.read(title, author, fields, loose)
	return msg, nil
}

// embedField turns one embed field into the fields it holds. A known name takes the
// value: its first line for a one-line field, the other lines kept as an extra field
// under the same name (Sniped stacks the login's address under the profile). A blank
// name (Discord users write a zero-width space) holds text to read as lines, such as
// Ganesh's "[Track Order](...)". Any other name is a field ROMS does not know, kept whole.
func (l labels) embedField(slab []field, f EmbedField) []field {
	lines := nonBlankLines(f.Value)
	if strings.TrimSpace(f.Name) == "" {
		fields, loose := l.group(lines)
		for _, g := range fields {
			slab = append(slab, *g)
		}
		if len(loose) > 0 {
			slab = append(slab, field{label: "field", lines: loose})
		}
		return slab
	}
	name, _ := l.lookup(f.Name)
	if name == "" && l.isCart(f.Name) {
		name = fCartItem
	}
	if name == "" || name == fCartItem || multiLine[name] || len(lines) <= 1 {
		return append(slab, field{name: name, label: f.Name, lines: lines})
	}
	return append(slab, field{name: name, label: f.Name, lines: lines[:1]}, field{label: f.Name, lines: lines[1:]})
}

// cleanEmbed checks and cleans every text of an embed as splitLines does a message's:
// valid UTF-8, no binary, invisible characters dropped, credentials redacted.
func cleanEmbed(e Embed) (Embed, error) {
	var err error
	clean := func(s string) string {
		if err != nil {
			return ""
		}
		if !utf8.ValidString(s) {
			err = ErrNotUTF8
		} else if strings.ContainsFunc(s, isBinary) {
			err = ErrBinary
		}
		if isASCII(s) { // the invisible characters are all outside ASCII
			return s
		}
		return strings.Map(dropInvisible, s)
	}
	out := Embed{Title: Redact(clean(e.Title)), Author: Redact(clean(e.Author)),
		Description: Redact(clean(e.Description)), Image: Redact(clean(e.Image))}
	for _, f := range e.Fields {
		name := clean(f.Name)
		out.Fields = append(out.Fields, EmbedField{Name: name, Value: RedactField(name, clean(f.Value))})
	}
	return out, err
}

// nonBlankLines are the trimmed, non-blank lines of s.
func nonBlankLines(s string) []string {
	lines := make([]string, 0, strings.Count(s, "\n")+1)
	for line := range strings.Lines(s) {
		if line = strings.TrimSpace(line); line != "" {
			lines = append(lines, line)
		}
	}
	return lines
}

func firstLine(s string) string {
	if lines := nonBlankLines(s); len(lines) > 0 {
		return lines[0]
	}
	return ""
}
