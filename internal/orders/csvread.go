package orders

import (
	"fmt"
	"strings"
)

// record is one row of a CSV file as a spreadsheet reads it, and the line it starts on.
type record struct {
	fields []string
	line   int
}

// readRecords splits a CSV file into rows the way spreadsheets write and read them,
// which encoding/csv does not: a field is quoted only when it starts with a quote, ""
// inside it is a quote, and text after its closing quote belongs to it ("Ultra" 4K TV is
// Ultra 4K TV); a quote inside an unquoted field is a character (12" TV). A quote that
// would swallow the rows after it (never closed, or closed on a later line before more
// text) is read as a character on its own line instead, and said in notes, so one stray
// quote never loses the rows that follow.
func readRecords(text string, sep byte) (rows []record, notes []string) {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	line := 1
	for pos := 0; pos < len(text); {
		fields, next, lines, ok := readRecord(text, pos, sep, true)
		if !ok {
			fields, next, lines, _ = readRecord(text, pos, sep, false)
			notes = append(notes, fmt.Sprintf("line %d: a quote opens a cell and is not closed where a cell ends; the line is read as written, quote included", line))
		}
		rows = append(rows, record{fields: fields, line: line})
		line += lines
		pos = next
	}
	return rows, notes
}

// readRecord reads the row at pos: its fields, where the next row starts, how many lines
// it took, and false when quotes would make it swallow later rows.
func readRecord(text string, pos int, sep byte, quotes bool) (fields []string, next, lines int, ok bool) {
	var b strings.Builder
	i := pos
	lines = 1
	for {
		j := i
		for j < len(text) && (text[j] == ' ' || text[j] == '\t' && sep != '\t') {
			j++
		}
		if quotes && j < len(text) && text[j] == '"' {
			i = j + 1
			spanned := false
			for {
				if i >= len(text) {
					return nil, 0, 0, false // never closed
				}
				c := text[i]
				if c == '"' && i+1 < len(text) && text[i+1] == '"' {
					b.WriteByte('"')
					i += 2
					continue
				}
				if c == '"' {
					i++
					break
				}
				if c == '\n' {
					lines++
					spanned = true
				}
				b.WriteByte(c)
				i++
			}
			if spanned && i < len(text) && text[i] != sep && text[i] != '\n' {
				return nil, 0, 0, false // a quote on a later line closed it: not a cell of lines
			}
		}
		for i < len(text) && text[i] != sep && text[i] != '\n' {
			b.WriteByte(text[i])
			i++
		}
		fields = append(fields, b.String())
		b.Reset()
		switch {
		case i >= len(text):
			return fields, i, lines, true
		case text[i] == '\n':
			return fields, i + 1, lines, true
		}
		i++ // the separator
	}
}
