package embedtext

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/roms-dev/roms/internal/parser"
)

var contentTypes = []string{"application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""}

var plainPassword = regexp.MustCompile(`^[A-Za-z0-9]{6,}$`)

// FuzzBody checks that no body of any declared type panics the converter, and that a
// proxy password planted in an embed (as a proxy field, a password field, or a line of
// the description) never reaches what is parsed from it.
func FuzzBody(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw, "Order Number: A-1", "hunter22", uint8(0))
	}
	f.Add([]byte("content=Order+Number%3A+F-2"), "**Store:** Target", "s3cretpass", uint8(2))
	f.Add([]byte(`{"order_number":"V2-1","proxy":"a.b:1:u:p"}`), "", "abcdef", uint8(4))
	f.Fuzz(func(t *testing.T, body []byte, description, password string, kind uint8) {
		_, _ = Body(contentTypes[int(kind)%len(contentTypes)], body)

		if !plainPassword.MatchString(password) || strings.Contains(description, password) {
			return
		}
		planted := map[string]any{"embeds": []map[string]any{{
			"title":       "Successful Checkout | Target",
			"description": description + "\n**Password:** " + password,
			"fields": []map[string]string{
				{"name": "Order Number", "value": "F-1"},
				{"name": "Proxy Details", "value": fmt.Sprintf("||[2001:db8::1]:8080:someuser:%s||", password)},
				{"name": "🔑 Proxy Password", "value": password},
			},
		}}}
		raw, _ := json.Marshal(planted)
		checkouts, err := Body("application/json", raw)
		if err != nil {
			t.Fatalf("a Discord payload was refused: %v", err)
		}
		reader, _ := parser.NewReader(nil)
		for _, c := range checkouts {
			msg, _, err := c.Read(reader, time.UTC)
			if err != nil {
				continue
			}
			out, _ := json.Marshal(msg)
			if strings.Contains(string(out), password) {
				t.Fatalf("password survived conversion and parsing:\n%s", out)
			}
		}
	})
}
