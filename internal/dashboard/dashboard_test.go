package dashboard

import (
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/roms-dev/roms/internal/parser"
)

// TestFieldsAreTheParsers: the Needs a look page offers every field a label can name.
func TestFieldsAreTheParsers(t *testing.T) {
	raw, err := os.ReadFile("static/app.js")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile(`(?s)const FIELDS = \[(.*?)\];`).FindSubmatch(raw)
	if block == nil {
		t.Fatal("app.js has no FIELDS")
	}
	var fields []string
	for _, m := range regexp.MustCompile(`'([a-z_]+)'`).FindAllSubmatch(block[1], -1) {
		fields = append(fields, string(m[1]))
	}
	if !slices.Equal(fields, parser.FieldNames()) {
		t.Errorf("app.js FIELDS %v, the parser's %v", fields, parser.FieldNames())
	}
}
