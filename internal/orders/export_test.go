package orders

import "testing"

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
