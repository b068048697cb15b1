package email

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds any bytes to Parse and Read: they never panic, and every tracking
// number read is in the email's text or one of its links.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.eml"))
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := Parse(raw)
		if err != nil {
			return
		}
		r := Read(m)
		all := strings.ToUpper(strings.ReplaceAll(m.Text+" "+strings.Join(m.Links, " "), " ", ""))
		for _, tr := range r.Tracking {
			if !strings.Contains(all, tr.Number) {
				t.Fatalf("tracking %s is in neither the text nor the links of %q", tr.Number, raw)
			}
		}
	})
}
