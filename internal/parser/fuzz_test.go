package parser

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

var plainPassword = regexp.MustCompile(`^[A-Za-z0-9]{6,}$`)

// FuzzParse checks that no input panics the parser, that readable text always parses, and
// that a proxy password planted anywhere in a message never comes out of it.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.txt")
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(raw), "hunter22")
	}
	f.Add("Order Number: #A-1\nNotes\nfirst line\n", "s3cretpass")
	f.Add("Successfully checked out!\n[Track Order](https://t.test/1)\nPrice\n€1.299,00\n", "abcdef")
	f.Fuzz(func(t *testing.T, text, password string) {
		if plainPassword.MatchString(password) {
			text += "\nProxy Details\nResi | 203.0.113.9:8080:someuser:" + password + "\n"
		}
		msg, err := Parse(text)
		if err != nil {
			if utf8.ValidString(text) && !strings.ContainsFunc(text, isBinary) && strings.TrimSpace(strings.Map(dropInvisible, text)) != "" {
				t.Fatalf("readable text failed to parse: %v", err)
			}
			return
		}
		out, _ := json.Marshal(msg)
		if plainPassword.MatchString(password) && strings.Contains(string(out), "someuser:"+password) {
			t.Fatalf("proxy credentials survived: %s", out)
		}
		if msg.Fields.Price != nil && *msg.Fields.Price < 0 {
			t.Fatalf("negative price %v", *msg.Fields.Price)
		}
	})
}
