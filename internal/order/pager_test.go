package order

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestPagerGivesThePagesOfPageWindow pages through shuffled positions, with ties and
// missing prices, in every sort, by cursor and by offset, with every match added or those
// after the bar skipped: the same pages as sorting them all.
func TestPagerGivesThePagesOfPageWindow(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	var all []Position
	for id := uint64(1); id <= 300; id++ {
		p := Position{ID: id, Value: int64(r.IntN(40))}
		if r.IntN(10) == 0 {
			p = Position{ID: id, None: true}
		}
		all = append(all, p)
	}
	for _, sort := range Sorts {
		sorted := slices.Clone(all)
		slices.SortFunc(sorted, func(a, b Position) int { return Compare(sort, a, b) })
		for _, limit := range []int{1, 7, 50, 400} {
			f := Filter{Sort: sort, Limit: limit}
			for page := 0; ; page++ {
				want, err := PageWindow(sorted, f)
				if err != nil {
					t.Fatal(err)
				}
				p, _ := NewPager(f)
				for _, i := range r.Perm(len(all)) {
					// On odd pages, as a caller with many matches does: those that do not
					// come before the bar are only counted.
					if bar, full := p.Bar(); page%2 == 1 && full && Compare(sort, all[i], bar) >= 0 {
						p.Skip(1)
						continue
					}
					p.Add(all[i])
				}
				got, next := p.Window()
				if !slices.Equal(got, sorted[want.Start:want.End]) || next != want.Next || p.Total != len(all) {
					t.Fatalf("%s, limit %d, page %d: got %d positions next %q, want %d next %q", sort, limit, page, len(got), next, want.End-want.Start, want.Next)
				}
				if next == "" {
					break
				}
				f.After = next
			}
			f = Filter{Sort: sort, Limit: limit, Offset: 2 * limit}
			want, _ := PageWindow(sorted, f)
			p, _ := NewPager(f)
			for _, pos := range all {
				p.Add(pos)
			}
			if got, _ := p.Window(); !slices.Equal(got, sorted[want.Start:want.End]) {
				t.Errorf("%s, limit %d, by offset: %v, want %v", sort, limit, got, sorted[want.Start:want.End])
			}
		}
	}
}

// Window is the part of a sorted list of matches that one page of f shows: matches
// [Start, End), and the cursor of the next page ("" on the last).
type Window struct {
	Start, End int
	Next       string
}

// PageWindow is the plain way to find the page f asks for: in every match, sorted. The
// Pager is held to it.
func PageWindow(positions []Position, f Filter) (Window, error) {
	f = f.WithDefaults()
	start := min(max(f.Offset, 0), len(positions))
	if f.After != "" {
		after, err := ParseCursor(f.Sort, f.After)
		if err != nil {
			return Window{}, err
		}
		start, _ = slices.BinarySearchFunc(positions, after, func(p, target Position) int {
			return Compare(f.Sort, p, target)
		})
		if start < len(positions) && positions[start] == after {
			start++
		}
	}
	w := Window{Start: start, End: min(start+f.Limit, len(positions))}
	if w.End < len(positions) {
		w.Next = Cursor(f.Sort, positions[w.End-1])
	}
	return w, nil
}
