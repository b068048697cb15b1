// Package dashboard is the web page at "/": orders live as they arrive, an order's
// history and corrections, totals, imports and export, and health. It is plain HTML, CSS
// and JavaScript embedded in the binary: nothing to build, nothing fetched from elsewhere,
// and it uses only the public API (with the browser session when a token is set).
package dashboard

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed static
var static embed.FS

// Handler serves the page and its assets. Nothing is cached for long: a new binary's page
// is seen at the next load.
func Handler() http.Handler {
	files, _ := fs.Sub(static, "static") // the directory is embedded above
	server := http.FileServerFS(files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		server.ServeHTTP(w, r)
	})
}
