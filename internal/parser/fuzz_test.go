package parser

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

var plainPassword = regexp.MustCompile(`^[A-Za-z0-9]{6,}$`)

// FuzzParse checks that no input panics the parser, that readable text always parses, and
// that a proxy password planted anywhere in a message never comes out of it.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.txt")
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(raw), "hunter22")
	}
	f.Add("Order Number: #A-1\nNotes\nfirst line\n", "s3cretpass")
	f.Add("Successfully checked out!\n[Track Order](https://t.test/1)\nPrice\n€1.299,00\n", "abcdef")
	f.Add("Supreme Success\nNuméro de commande\n#RM-1\nMAIL\nbuyer%40example.com\nTotal Amount\n£59.98\nInfo\nPedido enviado\n", "abcdef")
	f.Add("Kodai Success\nSupreme\nBox Logo Tee (M)\nOrder Confirmed\nhttps://s.test/orderConfirmation/300123456\n", "abcdef")
	f.Fuzz(func(t *testing.T, text, password string) {
		if plainPassword.MatchString(password) {
			text += "\nProxy Details\nResi | 203.0.113.9:8080:someuser:" + password + "\n"
		}
		for line := range strings.Lines(text) {
			if key, ok := asciiKey(line, make([]byte, 0, maxLabel)); ok && string(key) != labelKey(line) {
				t.Fatalf("asciiKey(%q) = %q, labelKey gives %q", line, key, labelKey(line))
			}
		}
		msg, err := Parse(text)
		if err != nil {
			if utf8.ValidString(text) && !strings.ContainsFunc(text, isBinary) && strings.TrimSpace(strings.Map(dropInvisible, text)) != "" {
				t.Fatalf("readable text failed to parse: %v", err)
			}
			return
		}
		out, _ := json.Marshal(msg)
		if plainPassword.MatchString(password) && strings.Contains(string(out), "someuser:"+password) {
			t.Fatalf("proxy credentials survived: %s", out)
		}
		if msg.Fields.Price != nil && *msg.Fields.Price < 0 {
			t.Fatalf("negative price %v", *msg.Fields.Price)
		}
		checkInferredFromText(t, text, msg)
	})
}

// checkInferredFromText is the fuzz property of inference: it never invents. Every
// inferred text field's letters and digits are in the post (decoded, cleaned and redacted
// as values are), and an inferred amount's digits too.
func checkInferredFromText(t *testing.T, text string, msg Message) {
	t.Helper()
	var decoded strings.Builder
	for line := range strings.Lines(text) {
		for word := range strings.FieldsSeq(line) {
			decoded.WriteString(decode(word) + " ")
		}
		decoded.WriteString(decode(strings.TrimSpace(line)) + "\n")
		decoded.WriteString(cleanValue("", line) + "\n") // markdown as values lose it: [a](url) is a
	}
	// As redacted too: a value is read from the post once its secrets are out, and taking
	// out "user@" of "p://user@3" leaves "p://3", which is not invented.
	post := alnum(decoded.String() + text + Redact(text))
	for _, name := range msg.Inferred {
		value := fieldText(msg, name)
		switch name {
		case fPrice, fTotal:
			// Only the whole part is written as it is ("12,50 €" is 12.50).
			value = strings.SplitN(value, ".", 2)[0]
			if value == "0" {
				continue // "Free"
			}
		case fQuantity:
			continue // a default of 1 need not be written
		case fStatus:
			// A status is a word of ROMS's own ("enviado" is shipped): one of the post's
			// lines must say it.
			if !slices.ContainsFunc(strings.Split(text, "\n"), func(line string) bool {
				return trackerStatus(decode(line)) == value || NormaliseStatus(line) == value
			}) {
				t.Fatalf("status %q was inferred but no line of the post %q says it", value, text)
			}
			continue
		}
		if v := alnum(value); v != "" && !strings.Contains(post, v) {
			t.Fatalf("%s = %q was inferred but is not in the post %q", name, value, text)
		}
	}
}

// alnum is text's letters and digits, folded, without anything between them.
func alnum(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteString(foldRune(r))
		}
	}
	return b.String()
}

// plantings are the shapes a proxy password takes in a message, %s standing for it.
var plantings = []string{
	"203.0.113.9:8080:someuser:%s",
	"Resi | ||localhost:8080:someuser:%s||",
	"[2001:db8::1]:3128:someuser:%s",
	"proxy.example.com:5959:someuser:%s extra words",
	"someuser:%s@203.0.113.9:8080",
	"http://someuser:%s@[2001:db8::1]:8080/",
	"someuser:%s:proxy.example.com:8080",
	"**Proxy Password:** %s",
	"🔑 Password\n%s",
	"Password:\n\n%s",
	"someuser:%s@proxy.example.com",
	"203.0.113.9:8080@someuser:%s",
	"203.0.113.9 8080 someuser %s",
	"203.0.113.9：8080：someuser：%s",
	"Account Password: %s",
	"Store Password = %s",
	"Login Password - %s",
	"Passwort: %s",
	"Mot de passe : %s",
	"pw: %s",
	"buyer@example.com/%s",
	"buyer@example.com | %s",
	"123 Main St, password: %s",
}

// FuzzRedact plants a password in each shape inside arbitrary text, sent as text, as a
// JSON body and as a form-encoded body, and checks that it never comes out of Redact.
func FuzzRedact(f *testing.F) {
	f.Add("Successful Checkout | Best Buy US\nProduct\nWidget\nOrder Number\n#A-1", "hunter22", uint8(0))
	f.Add(`{"embeds":[{"fields":[{"name":"Order","value":"A"}]}]}`, "s3cretpass", uint8(8))
	f.Add("Password", "abcdef", uint8(3))
	f.Add("content=a%3Ab&x=1", "zzzzzz", uint8(1))
	f.Fuzz(func(t *testing.T, text, password string, shape uint8) {
		if !plainPassword.MatchString(password) || strings.Contains(text, password) || strings.Contains(strings.ToLower(text), "redacted") {
			return
		}
		planted := text + "\n" + fmt.Sprintf(plantings[int(shape)%len(plantings)], password) + "\n" + text
		asJSON, _ := json.Marshal(map[string]string{"content": planted})
		form := "content=" + url.QueryEscape(planted) + "&username=bot"
		// Bodies are checked decoded: an escape's digits next to the text's ("\u0000" then
		// "00") can spell the password in the encoded bytes without holding it.
		if out := Redact(planted); strings.Contains(out, password) {
			t.Fatalf("text body: password survived:\n%s", out)
		}
		var decoded map[string]string
		if err := json.Unmarshal([]byte(Redact(string(asJSON))), &decoded); err != nil {
			t.Fatalf("redaction broke a JSON body: %v", err)
		}
		if strings.Contains(decoded["content"], password) {
			t.Fatalf("JSON body: password survived:\n%s", decoded["content"])
		}
		values, err := url.ParseQuery(Redact(form))
		if err != nil {
			t.Fatalf("redaction broke a form body: %v", err)
		}
		if strings.Contains(values.Get("content"), password) {
			t.Fatalf("form body: password survived:\n%s", values.Get("content"))
		}
	})
}
