// Package summaries keeps the summary of every order in memory, so that a store answers
// lists, filters, totals and exports without decoding its orders: a store encodes each
// order's summary beside the order (Encode), loads them all when it opens (Load), keeps
// the index up to date after every commit (Put), and asks it which orders a query wants
// (DatePage, Page, Tally, Sorted), reading only those from its file.
//
// Files by concern: index.go the columns and how a row is put; encoding.go the stored
// form and the row flags; symbols.go interned texts and memoised tests of them;
// postings.go the orders of each status, store and profile; owntext.go the searchable
// text that is each order's own; filter.go a filter as a test of rows; visit.go which
// rows a pass visits and how it is split between the cores; query.go the answers.
//
// Invariants, which every Put keeps and Load makes, and which FuzzTheIndexAgreesWithTheModel
// checks against a plain scan of the orders:
//   - Row id-1 of every column is order id's; flags has flagPresent for every id put, and
//     a row without it is not an order (ids may have gaps).
//   - flagTracked and flagReceived say what the row's tracking numbers and units say;
//     they are worked out when a row is set, never read from a stored summary.
//   - byDate holds every present id once, sorted by (date, id); live counts the present
//     rows without flagDeleted.
//   - byStatus, byStore and byProfile hold every present id once, under the symbol of its
//     row's text, each list sorted by id.
//   - own's current segment of each row is its number and tracking numbers, lowered.
//
// An Index is safe for concurrent use: queries share a read lock, a Put takes the write
// lock, so a query sees every Put before it whole and none after it.
package summaries
