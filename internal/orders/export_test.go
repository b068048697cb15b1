package orders

import (
	"context"
	"encoding/csv"
	"slices"
	"strings"
	"testing"

	"github.com/roms-dev/roms/internal/order"
)

// TestNeutraliseEveryFormulaShape: whatever hides the "=" (white space, a no-break space,
// a zero-width space, a BOM, full-width signs, a ";" that a ;-separated spreadsheet
// splits on), the cell is shown as text; numbers and plain text stay as they are.
func TestNeutraliseEveryFormulaShape(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`=HYPERLINK("http://x")`: `'=HYPERLINK("http://x")`,
		" =1+1":                  "' =1+1",
		"\u00a0=1+1":             "'\u00a0=1+1",
		"\u200b=1+1":             "'\u200b=1+1",
		"\ufeff@SUM(A1)":         "'\ufeff@SUM(A1)",
		"＝1+1":                   "'＝1+1",
		"＋cmd":                   "'＋cmd",
		"Tee;=cmd|' /C calc'!A0": "Tee;'=cmd|' /C calc'!A0",
		"Tee; +1":                "Tee;' +1",
		"\tTab":                  "'\tTab",
		"-5":                     "-5",
		"-12.50":                 "-12.50",
		"Pokémon ETB":            "Pokémon ETB",
		"Size 10; colour: black": "Size 10; colour: black",
		"":                       "",
	} {
		if got := neutralise(in); got != want {
			t.Errorf("neutralise(%q) = %q, want %q", in, got, want)
		}
		if got := cell(neutralise(in)); in != "" && got != cell(in) && in[0] != ' ' {
			t.Errorf("re-import of %q gives %q", in, got)
		}
	}
}

// TestExportNumbersWritesTheSelection: the picked orders in the order picked, each once;
// unknown numbers, deleted orders and those the filter leaves out are not written.
func TestExportNumbersWritesTheSelection(t *testing.T) {
	t.Parallel()
	s, _ := newService(t, now)
	seedForImports(t, s)
	ctx := context.Background()
	if _, err := s.Delete(ctx, "WM-55", order.ActorAPI); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, numbers string
		f             order.Filter
		want          []string
	}{
		{"picked order, any case and #", "tgt-1001, #BBY01-807102506907 NOPE-1;TGT-1001", order.Filter{}, []string{"TGT-1001", "BBY01-807102506907"}},
		{"deleted left out", "WM-55 BBY01-900", order.Filter{}, []string{"BBY01-900"}},
		{"and the filter", "TGT-1001 BBY01-900", order.Filter{Statuses: []string{"review_hold"}}, []string{"BBY01-900"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			n, err := s.ExportNumbers(ctx, order.SplitList(tt.numbers), tt.f, &b)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(b.String(), utf8BOM))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rows[1:] {
				got = append(got, r[slices.Index(rows[0], "Order Number")])
			}
			if n != len(tt.want) || !slices.Equal(got, tt.want) {
				t.Errorf("wrote %d: %q, want %q", n, got, tt.want)
			}
		})
	}
}
