package httpapi

import (
	"encoding/json"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// The API docs are rendered here from the OpenAPI document, on the server, with no
// script and nothing fetched from elsewhere: they work on a machine without internet,
// which is where many users run ROMS. The machine-readable document is /openapi.json.

type docParam struct {
	Name, In, Type, Description string
	Required                    bool
}

type docField struct {
	Media, Type string
	Status      string
	Description string
}

type docOp struct {
	ID, Method, Path, Summary, Description string
	Secured                                bool
	Params                                 []docParam
	Bodies, Responses                      []docField
}

type docTag struct {
	Name string
	Ops  []docOp
}

type docProp struct {
	Name, Type, Description string
	Required                bool
}

type docSchema struct {
	Name, Description string
	Props             []docProp
}

type docPage struct {
	Title, Version, Description string
	Tags                        []docTag
	Schemas                     []docSchema
}

// docsPage builds the page from the OpenAPI document once all routes are registered.
func docsPage(doc *huma.OpenAPI) (docPage, error) {
	raw, err := json.Marshal(doc)
	if err != nil {
		return docPage{}, err
	}
	var d struct {
		Info struct {
			Title, Version, Description string
		}
		Paths      map[string]map[string]map[string]any
		Components struct {
			Schemas map[string]map[string]any
		}
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return docPage{}, err
	}
	page := docPage{Title: d.Info.Title, Version: d.Info.Version, Description: d.Info.Description}
	tags := map[string]*docTag{}
	var order []string
	for _, path := range slices.Sorted(maps.Keys(d.Paths)) {
		for _, method := range []string{"get", "post", "put", "patch", "delete"} {
			op, ok := d.Paths[path][method]
			if !ok {
				continue
			}
			o := docOp{ID: str(op["operationId"]), Method: strings.ToUpper(method), Path: path, Summary: str(op["summary"]),
				Description: str(op["description"]), Secured: op["security"] != nil}
			for _, p := range list(op["parameters"]) {
				o.Params = append(o.Params, docParam{Name: str(p["name"]), In: str(p["in"]), Type: typeOf(obj(p["schema"])),
					Description: str(p["description"]), Required: p["required"] == true})
			}
			if body := obj(op["requestBody"]); body != nil {
				for _, media := range slices.Sorted(maps.Keys(obj(body["content"]))) {
					o.Bodies = append(o.Bodies, docField{Media: media, Type: typeOf(obj(obj(obj(body["content"])[media])["schema"]))})
				}
			}
			responses := obj(op["responses"])
			for _, status := range slices.Sorted(maps.Keys(responses)) {
				r := obj(responses[status])
				f := docField{Status: status, Description: str(r["description"])}
				for _, media := range slices.Sorted(maps.Keys(obj(r["content"]))) {
					f.Media, f.Type = media, typeOf(obj(obj(obj(r["content"])[media])["schema"]))
					break
				}
				o.Responses = append(o.Responses, f)
			}
			tag := "Other"
			if ts, ok := op["tags"].([]any); ok && len(ts) > 0 {
				tag = str(ts[0])
			}
			if tags[tag] == nil {
				tags[tag] = &docTag{Name: tag}
				order = append(order, tag)
			}
			tags[tag].Ops = append(tags[tag].Ops, o)
		}
	}
	// What users reach for first comes first; any other tag follows in path order.
	first := []string{"Webhook", "Orders", "Imports", "Live", "Discord", "Admin", "Health"}
	slices.SortStableFunc(order, func(a, b string) int { return rank(first, a) - rank(first, b) })
	for _, t := range order {
		page.Tags = append(page.Tags, *tags[t])
	}
	for _, name := range slices.Sorted(maps.Keys(d.Components.Schemas)) {
		sc := d.Components.Schemas[name]
		s := docSchema{Name: name, Description: str(sc["description"])}
		required := map[string]bool{}
		for _, r := range anyList(sc["required"]) {
			required[str(r)] = true
		}
		props := obj(sc["properties"])
		for _, p := range slices.Sorted(maps.Keys(props)) {
			s.Props = append(s.Props, docProp{Name: p, Type: typeOf(obj(props[p])), Description: str(obj(props[p])["description"]), Required: required[p]})
		}
		page.Schemas = append(page.Schemas, s)
	}
	return page, nil
}

func rank(list []string, s string) int {
	if i := slices.Index(list, s); i >= 0 {
		return i
	}
	return len(list)
}

// typeOf describes a schema in a few words: a type, a link to a named schema, a list of.
func typeOf(s map[string]any) string {
	if s == nil {
		return ""
	}
	if ref := str(s["$ref"]); ref != "" {
		return "{" + strings.TrimPrefix(ref, "#/components/schemas/") + "}"
	}
	var t string
	switch v := s["type"].(type) {
	case string:
		t = v
	case []any:
		var parts []string
		for _, p := range v {
			if str(p) != "null" {
				parts = append(parts, str(p))
			}
		}
		t = strings.Join(parts, " or ")
		if len(parts) < len(v) {
			t += " (or null)"
		}
	}
	if t == "array" {
		t = "list of " + typeOf(obj(s["items"]))
	}
	if f := str(s["format"]); f != "" {
		t += " (" + f + ")"
	}
	if enum := anyList(s["enum"]); len(enum) > 0 {
		var vals []string
		for _, e := range enum {
			vals = append(vals, fmt.Sprint(e))
		}
		t += ": " + strings.Join(vals, ", ")
	}
	if d, ok := s["default"]; ok {
		t += fmt.Sprintf(" (default %v)", d)
	}
	return t
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func anyList(v any) []any {
	l, _ := v.([]any)
	return l
}

func list(v any) []map[string]any {
	var out []map[string]any
	for _, e := range anyList(v) {
		if m := obj(e); m != nil {
			out = append(out, m)
		}
	}
	return out
}

// schemaLinks turns {Name} into a link to the schema's section.
func schemaLinks(t string) template.HTML {
	var b strings.Builder
	for {
		i := strings.Index(t, "{")
		j := strings.Index(t, "}")
		if i < 0 || j < i {
			b.WriteString(template.HTMLEscapeString(t))
			return template.HTML(b.String())
		}
		name := t[i+1 : j]
		b.WriteString(template.HTMLEscapeString(t[:i]))
		fmt.Fprintf(&b, `<a href="#schema-%s">%s</a>`, template.HTMLEscapeString(name), template.HTMLEscapeString(name))
		t = t[j+1:]
	}
}

var docsTemplate = template.Must(template.New("docs").Funcs(template.FuncMap{"types": schemaLinks, "lower": strings.ToLower}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} {{.Version}}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d2330;background:#fafbfc}
header{background:#1d2330;color:#fff;padding:1em 1.5em}header a{color:#9cc3ff}
main{max-width:72em;margin:0 auto;padding:1em 1.5em}
nav{columns:26em;font-size:14px;margin-bottom:1.5em}nav div{break-inside:avoid;margin-bottom:.6em}
nav a{display:block;text-decoration:none;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
section.op{background:#fff;border:1px solid #dde2ea;border-radius:6px;margin:1em 0;padding:.8em 1em;overflow-x:auto}
.m{display:inline-block;min-width:4.5em;font-weight:700;font-family:ui-monospace,monospace}
.get{color:#0a7b36}.post{color:#1f5fbf}.patch{color:#a15c00}.delete{color:#b3261e}
code,.path{font-family:ui-monospace,monospace}table{border-collapse:collapse;width:100%;margin:.4em 0;font-size:14px}
td,th{border-top:1px solid #eef0f4;padding:.25em .5em;text-align:left;vertical-align:top}th{color:#5b6477;font-weight:600}
.req{color:#b3261e}.lock{color:#5b6477;font-size:13px}p.d{white-space:pre-wrap;margin:.3em 0}
</style></head><body>
<header><h1>{{.Title}} <small>{{.Version}}</small></h1><p>{{.Description}} The document itself: <a href="/openapi.json">/openapi.json</a>.</p></header>
<main>
<nav>{{range .Tags}}<div><strong>{{.Name}}</strong>{{range .Ops}}<a href="#{{.ID}}"><span class="m {{lower .Method}}">{{.Method}}</span> <span class="path">{{.Path}}</span></a>{{end}}</div>{{end}}</nav>
{{range .Tags}}<h2>{{.Name}}</h2>{{range .Ops}}
<section class="op" id="{{.ID}}"><h3><span class="m {{lower .Method}}">{{.Method}}</span> <span class="path">{{.Path}}</span></h3>
<p>{{.Summary}}{{if .Secured}} <span class="lock">(needs the token when http.token is set)</span>{{end}}</p>
{{if .Description}}<p class="d">{{.Description}}</p>{{end}}
{{if .Params}}<table><tr><th>Parameter</th><th>In</th><th>Type</th><th>Description</th></tr>{{range .Params}}<tr><td><code>{{.Name}}</code>{{if .Required}} <span class="req">required</span>{{end}}</td><td>{{.In}}</td><td>{{types .Type}}</td><td>{{.Description}}</td></tr>{{end}}</table>{{end}}
{{if .Bodies}}<table><tr><th>Body</th><th>Type</th></tr>{{range .Bodies}}<tr><td><code>{{.Media}}</code></td><td>{{types .Type}}</td></tr>{{end}}</table>{{end}}
<table><tr><th>Answer</th><th>Type</th><th>Description</th></tr>{{range .Responses}}<tr><td>{{.Status}}</td><td>{{if .Media}}<code>{{.Media}}</code> {{types .Type}}{{end}}</td><td>{{.Description}}</td></tr>{{end}}</table>
</section>{{end}}{{end}}
<h2>Schemas</h2>{{range .Schemas}}<section class="op" id="schema-{{.Name}}"><h3>{{.Name}}</h3>{{if .Description}}<p>{{.Description}}</p>{{end}}
{{if .Props}}<table><tr><th>Field</th><th>Type</th><th>Description</th></tr>{{range .Props}}<tr><td><code>{{.Name}}</code>{{if .Required}} <span class="req">required</span>{{end}}</td><td>{{types .Type}}</td><td>{{.Description}}</td></tr>{{end}}</table>{{end}}</section>{{end}}
</main></body></html>
`))

// serveDocs writes the rendered docs.
func serveDocs(page docPage) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		_ = docsTemplate.Execute(w, page)
	}
}
