package order

import "slices"

// Pager finds the page a filter asks for among matches given in any order, keeping only
// the positions that can be on it (a bounded heap): a page of a million matches costs no
// sort of them all. It gives the same pages as sorting every match and counting off the page.
type Pager struct {
	f     Filter
	asc   bool // the sort's direction
	after *Position
	keep  int
	heap  []Position // the best keep positions so far; the worst at the top
	Total int        // every match, on all pages
}

// NewPager starts the page f asks for; an unreadable cursor is ErrBadCursor.
func NewPager(f Filter) (*Pager, error) {
	f = f.WithDefaults()
	p := &Pager{f: f, asc: f.Sort == SortDateAsc || f.Sort == SortPriceAsc, keep: max(f.Offset, 0) + f.Limit + 1}
	if f.After != "" {
		after, err := ParseCursor(f.Sort, f.After)
		if err != nil {
			return nil, err
		}
		p.after, p.keep = &after, f.Limit+1
	}
	return p, nil
}

// Add counts a match and keeps its position if it can be on the page.
func (p *Pager) Add(pos Position) {
	p.Total++
	// Most matches of a long list come after the page: once the heap is full, one
	// comparison with its worst turns them away.
	full := len(p.heap) == p.keep
	if full && compare(p.asc, pos, p.heap[0]) >= 0 || p.after != nil && compare(p.asc, pos, *p.after) <= 0 {
		return
	}
	if !full {
		p.heap = append(p.heap, pos)
		p.up(len(p.heap) - 1)
		return
	}
	p.heap[0] = pos
	p.down(0)
}

// Bar is the position a match must come before to be kept, once the pager holds all it
// keeps (ok is false until then). A caller with many matches to give compares them with
// it and counts those that do not come before it (Skip) instead of adding each.
func (p *Pager) Bar() (bar Position, ok bool) {
	if len(p.heap) < p.keep {
		return Position{}, false
	}
	return p.heap[0], true
}

// Skip counts n matches that come after the bar.
func (p *Pager) Skip(n int) { p.Total += n }

// Merge adds what another pager of the same filter found (over other matches) to p.
func (p *Pager) Merge(q *Pager) {
	total := p.Total + q.Total
	for _, pos := range q.heap {
		p.Add(pos)
	}
	p.Total = total
}

// Window is the page's positions, in order, and the cursor of the next page ("" on the
// last).
func (p *Pager) Window() ([]Position, string) {
	sorted := slices.Clone(p.heap)
	slices.SortFunc(sorted, func(a, b Position) int { return compare(p.asc, a, b) })
	start := 0
	if p.after == nil {
		start = min(max(p.f.Offset, 0), len(sorted))
	}
	end := min(start+p.f.Limit, len(sorted))
	next := ""
	if end < len(sorted) {
		next = Cursor(p.f.Sort, sorted[end-1])
	}
	return sorted[start:end], next
}

// worse reports whether the position at i comes after the one at j: the heap keeps the
// one that comes last on top.
func (p *Pager) worse(i, j int) bool { return compare(p.asc, p.heap[i], p.heap[j]) > 0 }

func (p *Pager) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !p.worse(i, parent) {
			return
		}
		p.heap[i], p.heap[parent] = p.heap[parent], p.heap[i]
		i = parent
	}
}

func (p *Pager) down(i int) {
	for {
		worst, l, r := i, 2*i+1, 2*i+2
		if l < len(p.heap) && p.worse(l, worst) {
			worst = l
		}
		if r < len(p.heap) && p.worse(r, worst) {
			worst = r
		}
		if worst == i {
			return
		}
		p.heap[i], p.heap[worst] = p.heap[worst], p.heap[i]
		i = worst
	}
}
