package embedtext

import (
	"os"
	"testing"
	"time"

	"github.com/roms-dev/roms/internal/parser"
)

// BenchmarkEmbed reads Refract's sample checkout as Discord sends it, against reading the
// same checkout as text (the baseline, in the same run): "structure" is the parser alone
// on the embed's fields, "json body" the whole path from the webhook's bytes.
func BenchmarkEmbed(b *testing.B) {
	body, err := os.ReadFile("testdata/refract-success-message.json")
	if err != nil {
		b.Fatal(err)
	}
	checkouts, err := Body("application/json", body)
	if err != nil || len(checkouts) != 1 || checkouts[0].Embed == nil {
		b.Fatalf("sample: %v", err)
	}
	c := checkouts[0]
	reader, _ := parser.NewReader(nil)
	b.Run("text", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := reader.Parse(c.Text); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("structure", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := reader.ParseEmbed(*c.Embed); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json body", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			found, err := Body("application/json", body)
			if err != nil {
				b.Fatal(err)
			}
			if _, _, err := found[0].Read(reader, time.UTC); err != nil {
				b.Fatal(err)
			}
		}
	})
}
