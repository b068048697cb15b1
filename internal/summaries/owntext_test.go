package summaries

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestOwnTextFindsTheOrdersWhoseTextHoldsANeedle checks the buffer against a plain search
// of each row's current text, through updates, texts that shrink and grow, and the
// rebuilds that stale segments cause.
func TestOwnTextFindsTheOrdersWhoseTextHoldsANeedle(t *testing.T) {
	var own ownText
	current := map[int]string{}
	set := func(row int, text string) {
		own.set(row, text)
		current[row] = text
	}
	for row := range 300 {
		set(row, fmt.Sprintf("bby01-%04d", row))
	}
	for round := range 5 { // every row gets tracking numbers, again and again: rebuilds
		for row := range 300 {
			if (row+round)%3 == 0 {
				set(row, fmt.Sprintf("bby01-%04d\n1z%03d\n%d", row, row*round, round))
			}
		}
	}
	set(7, "x") // shorter
	set(8, current[8])
	for _, needle := range []string{"bby01-00", "1z0", "0\n1", "x", "-0299", "1z", "nothing", "4\n"} {
		hits := own.find(needle, 300)
		var got, want []int
		for row := range 300 {
			if hits[row/64]&(1<<(row%64)) != 0 {
				got = append(got, row)
			}
			if strings.Contains(current[row], needle) {
				want = append(want, row)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q: found %v, want %v", needle, got, want)
		}
	}
	if own.stale > len(own.buf)/2 {
		t.Errorf("%d of %d bytes stale: the buffer was not rebuilt", own.stale, len(own.buf))
	}
}
