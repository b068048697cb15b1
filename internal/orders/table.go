package orders

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxImportRows bounds one import; a larger file is refused before anything changes.
const maxImportRows = 100_000

// Errors of a file that cannot be read as a table.
var (
	ErrEmptyFile  = errors.New("the file is empty")
	ErrBinaryFile = errors.New("the file is not text: export it from your spreadsheet as CSV (UTF-8)")
)

// table is a spreadsheet export: a header and rows, cells tidied.
type table struct {
	header []string // normalised names
	rows   [][]string
	lines  []int // the file line each row started on, for messages
	// notes say which lines were read otherwise than a strict CSV reader would.
	notes []string
}

// readTable reads a CSV as spreadsheets and banks export it: a byte order mark, ';' or tab
// separators, ="..." wrappers that keep numbers as text, and ragged rows are all fine.
func readTable(data []byte) (table, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if err := checkText(data); err != nil {
		return table{}, err
	}
	records, notes := readRecords(string(data), byte(separator(data)))
	t := table{notes: notes}
	for _, rec := range records {
		record, line := rec.fields, rec.line
		for i := range record {
			record[i] = cell(record[i])
		}
		if blank(record) {
			continue
		}
		if t.header == nil {
			for _, name := range record {
				t.header = append(t.header, headerName(name))
			}
			continue
		}
		if len(t.rows) == maxImportRows {
			return table{}, fmt.Errorf("the file has more than %d rows; split it", maxImportRows)
		}
		t.rows, t.lines = append(t.rows, record), append(t.lines, line)
	}
	if t.header == nil {
		return table{}, ErrEmptyFile
	}
	return t, nil
}

func checkText(data []byte) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return ErrEmptyFile
	}
	if bytes.IndexByte(data, 0) >= 0 || !utf8.Valid(data) {
		return ErrBinaryFile
	}
	return nil
}

// separator guesses the field separator from the first line: Excel in many countries
// writes ';', some banks tabs.
func separator(data []byte) rune {
	first, _, _ := bytes.Cut(data, []byte("\n"))
	best, count := ',', bytes.Count(first, []byte(","))
	for _, c := range []rune{';', '\t'} {
		if n := bytes.Count(first, []byte(string(c))); n > count {
			best, count = c, n
		}
	}
	return best
}

// cell tidies one value: spaces, the ="..." wrapper spreadsheets use to keep a long
// number such as an order number from turning into 1.23E+11, and the ' that ROMS's export
// puts before a cell (or a ;-part of one) that would run as a formula.
func cell(s string) string {
	s = strings.TrimSpace(s)
	if inner, ok := strings.CutPrefix(s, `="`); ok && strings.HasSuffix(inner, `"`) {
		s = strings.TrimSuffix(inner, `"`)
	}
	parts := strings.Split(s, ";")
	for i, p := range parts {
		if len(p) > 1 && p[0] == '\'' && startsFormula(p[1:]) {
			parts[i] = p[1:]
		}
	}
	return strings.TrimSpace(strings.Join(parts, ";"))
}

func blank(record []string) bool {
	for _, c := range record {
		if c != "" {
			return false
		}
	}
	return true
}

// headerName is how a column name is matched: any case, '_' as a space, single spaces.
func headerName(s string) string {
	s = strings.ToLower(strings.ReplaceAll(s, "_", " "))
	return strings.Join(strings.Fields(s), " ")
}

// column returns the index of the first column with one of the names, or -1.
func (t table) column(names ...string) int {
	for _, n := range names {
		for i, h := range t.header {
			if h == n {
				return i
			}
		}
	}
	return -1
}

// at is a row's value in a column, "" when the column or the cell is missing.
func at(row []string, col int) string {
	if col < 0 || col >= len(row) {
		return ""
	}
	return row[col]
}

// Column names the imports know, as headerName writes them.
var (
	orderColumns       = []string{"order number", "order", "order #", "order no", "order no.", "ordernumber", "order num"}
	trackingColumns    = []string{"tracking number", "tracking", "tracking #", "tracking numbers", "tracking no", "tracking id"}
	receivedColumns    = []string{"qty received", "quantity received", "received", "units received", "received qty", "qty recv"}
	totalColumns       = []string{"total", "order total", "amount"}
	commissionColumns  = []string{"commission", "profit"}
	statusColumns      = []string{"status", "order status"}
	dateColumns        = []string{"posted date", "post date", "posting date", "date", "transaction date", "trans date"}
	referenceColumns   = []string{"reference", "reference number", "reference #", "ref", "ref #", "reference no"}
	descriptionColumns = []string{"description", "merchant", "details", "memo", "name", "payee", "transaction"}
	reasonColumns      = []string{"reason", "cancel reason", "note", "notes"}
)
