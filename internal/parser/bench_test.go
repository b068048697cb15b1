package parser

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// refractMessage is the sample Refract message the benchmarks read.
func refractMessage(b *testing.B) string {
	raw, err := os.ReadFile("testdata/refract-success.txt")
	if err != nil {
		b.Fatal(err)
	}
	return string(raw)
}

// BenchmarkLineScan is the baseline the parser's figures are read against: one pass over
// the same message that splits and trims its lines, as any parser must.
func BenchmarkLineScan(b *testing.B) {
	text := refractMessage(b)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for line := range strings.Lines(text) {
			if strings.TrimSpace(line) != "" {
				n++
			}
		}
		if n == 0 {
			b.Fatal("no lines")
		}
	}
}

func BenchmarkParseRefractMessage(b *testing.B) {
	text := refractMessage(b)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(text); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRedact measures an ordinary Discord message body (a Refract embed as JSON),
// and the worst inputs the webhook accepts: 1 MiB of prose without proxy notation, and
// 1 MiB of proxy lines that all need redacting, as text and as one JSON string. Compare
// with BenchmarkParseRefractMessage, the work the redaction guards.
func BenchmarkRedact(b *testing.B) {
	embed, err := os.ReadFile("../embedtext/testdata/refract-success-message.json")
	if err != nil {
		b.Fatal(err)
	}
	proxies := strings.Repeat("203.0.113.7:8080:someuser:somepass\n", 1<<20/36)
	inputs := map[string]string{
		"embed-json":        string(embed),
		"1MiB-proxies-json": `{"content":"` + proxies + `"}`,
		"1MiB-prose":        strings.Repeat("Checkout note: all good, nothing to see here.\n", 1<<20/46),
		"1MiB-proxies":      strings.Repeat("203.0.113.7:8080:someuser:somepass\n", 1<<20/35),
	}
	for name, text := range inputs {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				Redact(text)
			}
		})
	}
}

// BenchmarkRepeatedLabels parses messages of 1,000 and 16,000 repeated labels, the kind
// and unknown: MB/s that stays level across the sizes shows the cost grows with the size.
func BenchmarkRepeatedLabels(b *testing.B) {
	for _, unit := range []string{"Notes\nx\n", "Size: 10\n"} {
		for _, n := range []int{1000, 16000} {
			text := "Successful Checkout | T\nOrder Number: A\nNotes\nfirst\n" + strings.Repeat(unit, n)
			b.Run(fmt.Sprintf("%s-%d", strings.Trim(strings.Fields(unit)[0], ":"), n), func(b *testing.B) {
				b.SetBytes(int64(len(text)))
				for b.Loop() {
					if _, err := Parse(text); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
