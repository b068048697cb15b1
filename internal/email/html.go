package email

import (
	"html"
	"regexp"
	"strings"
)

// htmlText is an HTML email as text, the way a person reads it: without scripts, styles
// and comments; block elements (paragraphs, rows, cells, line breaks) on lines of their
// own; entities decoded. links are the href of every link, decoded.
func htmlText(doc string) (text string, links []string) {
	doc = dropped.ReplaceAllString(doc, " ")
	var b strings.Builder
	for len(doc) > 0 {
		lt := strings.IndexByte(doc, '<')
		if lt < 0 {
			b.WriteString(doc)
			break
		}
		b.WriteString(doc[:lt])
		gt := strings.IndexByte(doc[lt:], '>')
		if gt < 0 {
			break // an unclosed tag ends the text
		}
		tag := doc[lt+1 : lt+gt]
		doc = doc[lt+gt+1:]
		name := ""
		if words := strings.Fields(tag); len(words) > 0 { // "< >" has no name
			name = strings.ToLower(strings.TrimLeft(words[0], "/"))
		}
		if blockTags[name] {
			b.WriteString("\n")
		} else if name == "td" || name == "th" {
			b.WriteString(" ")
		}
		if name == "a" {
			if m := href.FindStringSubmatch(tag); m != nil {
				links = append(links, html.UnescapeString(strings.TrimSpace(m[1]+m[2])))
			}
		}
		if name == "img" { // an image's words ("Shipped") may be all a banner says
			if m := alt.FindStringSubmatch(tag); m != nil {
				b.WriteString(" " + m[1] + m[2] + " ")
			}
		}
	}
	return tidy(html.UnescapeString(b.String())), links
}

var (
	dropped = regexp.MustCompile(`(?is)<(script|style|head|title)\b.*?</(script|style|head|title)\s*>|<!--.*?-->`)
	href    = regexp.MustCompile(`(?i)\bhref\s*=\s*(?:"([^"]*)"|'([^']*)')`)
	alt     = regexp.MustCompile(`(?i)\balt\s*=\s*(?:"([^"]*)"|'([^']*)')`)
	spaces  = regexp.MustCompile(`[ \t\x{a0}\x{200b}\x{200c}\x{feff}]+`)
)

var blockTags = map[string]bool{"br": true, "p": true, "div": true, "tr": true, "table": true, "li": true, "ul": true,
	"ol": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "hr": true, "section": true,
	"header": true, "footer": true, "tbody": true, "thead": true, "center": true}

// tidy collapses runs of spaces and of empty lines.
func tidy(s string) string {
	var out []string
	blank := false
	for line := range strings.Lines(s) {
		line = strings.TrimSpace(spaces.ReplaceAllString(line, " "))
		if line == "" {
			if !blank && len(out) > 0 {
				out = append(out, "")
			}
			blank = true
			continue
		}
		blank = false
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}
