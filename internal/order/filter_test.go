package order

import (
	"strings"
	"testing"
)

func TestContainsAgreesWithLowerCasing(t *testing.T) {
	t.Parallel()
	values := []string{"", "Best Buy US", "BEST", "aaab", "Pokémon Center", "KELVIN \u212a", "abcABCabc", "x"}
	parts := []string{"", "best", "buy us", "aab", "ab", "pokémon", "k", "abca", "xyz", "us "}
	for _, v := range values {
		for _, p := range parts {
			if got, want := contains(v, p), strings.Contains(strings.ToLower(v), p); got != want {
				t.Errorf("contains(%q, %q) = %v, want %v", v, p, got, want)
			}
		}
	}
}
