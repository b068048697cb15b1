package parser

import (
	"strings"
	"testing"
)

// TestRedactEveryProxyShape plants the password "Zq9!x y;z,(w\"" or a plain one in each
// shape a proxy or its credentials take, and checks that no part of it is left.
func TestRedactEveryProxyShape(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want, secret string
	}{
		{"ipv4", "203.0.113.7:8080:user1:hunter22", "203.0.113.7:8080", "hunter22"},
		{"dotless host", "localhost:8080:user1:hunter22", "localhost:8080", "hunter22"},
		{"dotless host with digits", "resi-pool2:5959:user1:hunter22", "resi-pool2:5959", "hunter22"},
		{"ipv6", "[2001:db8::1]:8080:user1:hunter22", "[2001:db8::1]:8080", "hunter22"},
		{"ipv6 user first", "user1:hunter22@[2001:db8::1]:8080", "[2001:db8::1]:8080", "hunter22"},
		{"ipv6 in a URL", "http://user1:hunter22@[2001:db8::1]:8080", "http://[2001:db8::1]:8080", "hunter22"},
		{"password with a space", "203.0.113.7:8080:user1:hunt er22", "203.0.113.7:8080", "er22"},
		{"password with punctuation", `203.0.113.7:8080:user1:h;u,n(t"e'r`, "203.0.113.7:8080", `"e'r`},
		{"behind a label and spoiler", "Resi | ||proxy.example.com:3128:user1:a b;c||", "Resi | ||proxy.example.com:3128||", "a b;c"},
		{"user:pass:host:port", "user1:hunter22:proxy.example.com:3128", "proxy.example.com:3128", "hunter22"},
		{"inline password label", "Password: hunter22", "Password: [redacted]", "hunter22"},
		{"bold inline password label", "**Proxy Password:** hunter22", "**Proxy Password:** [redacted]", "hunter22"},
		{"emoji label", "🔑 Password: hunt er22", "🔑 Password: [redacted]", "er22"},
		{"separate lines", "Proxy\n203.0.113.7:8080\nUsername\nuser1\nPassword\nhunter22\n", "Proxy\n203.0.113.7:8080\nUsername\n[redacted]\nPassword\n[redacted]\n", "hunter22"},
		{"separate lines, blank between", "Password:\n\n  hunter22\nOrder Number\nA", "Password:\n\n[redacted]\nOrder Number\nA", "hunter22"},
		{"JSON embed field", `{"embeds":[{"fields":[{"name":"Password","value":"hunter22","inline":true}]}]}`, `{"embeds":[{"fields":[{"name":"Password","value":"[redacted]","inline":true}]}]}`, "hunter22"},
		{"JSON escaped colons", `{"content":"Proxy: 203.0.113.7\u003a8080\u003auser1\u003ahunter22"}`, `{"content":"Proxy: 203.0.113.7:8080"}`, "hunter22"},
		{"JSON escaped quote in password", `{"value":"203.0.113.7:8080:user1:hun\"ter22"}`, `{"value":"203.0.113.7:8080"}`, "ter22"},
		{"JSON description lines", `{"description":"**Password**\nhunter22\n**Order**\nA"}`, `{"description":"**Password**\n[redacted]\n**Order**\nA"}`, "hunter22"},
		{"JSON credential key", `{"order_number":"A","proxy_password":"hunter22","username":"Refract"}`, `{"order_number":"A","proxy_password":"[redacted]","username":"Refract"}`, "hunter22"},
		{"JSON numeric password", `{"order_number":"A","password": 12345678,"n":1}`, `{"order_number":"A","password": "[redacted]","n":1}`, "12345678"},
		{"form body", "content=Proxy%3A+203.0.113.7%3A8080%3Auser1%3Ahunter22&username=Refract", "content=Proxy%3A+203.0.113.7%3A8080&username=%5Bredacted%5D", "hunter22"},
		{"store login", "Account: buyer@example.com:hunter22", "Account: buyer@example.com", "hunter22"},
		{"store login in a spoiler", "||buyer@example.com:hunt3r||", "||buyer@example.com||", "hunt3r"},
		{"store login in JSON", `{"value":"buyer@example.com:hunter22"}`, `{"value":"buyer@example.com"}`, "hunter22"},
		{"form password field", "order=A-1&proxy_password=hunter22", "order=A-1&proxy_password=%5Bredacted%5D", "hunter22"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Redact(tt.in)
			if got != tt.want {
				t.Errorf("Redact(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
			if strings.Contains(got, tt.secret) {
				t.Errorf("secret %q survived in %q", tt.secret, got)
			}
		})
	}
}

func TestRedactLeavesOtherTextAlone(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"woozy_byes28@icloud.com",
		"2026-11-20T18:04:05.123000+00:00",
		"Order Time: 18:04:05",
		"12:30:45:99",
		"Lennar #8-$48-@07",
		`{"content":"a:b","time":"18:04:05"}`,
		`{"username":"Refract","content":"Successful Checkout"}`,
		"mailto:someone@example.com",
		"Proxy: localhost:8080",
		"Proxy: [2001:db8::1]:8080",
		"http://resi.example.com:5959/",
		"Password reset emails: 3",
		"User: @someone",
		"name=Widget&price=10",
		"someone@example.com:8080",
		"Email: someone@example.com: see above",
	} {
		if got := Redact(s); got != s {
			t.Errorf("Redact(%q) = %q, want unchanged", s, got)
		}
	}
	in := `{"name":"Proxy","value":"||203.0.113.7:8080:user123:pass456||"}`
	if got, want := Redact(in), `{"name":"Proxy","value":"||203.0.113.7:8080||"}`; got != want {
		t.Errorf("Redact in JSON = %s, want %s", got, want)
	}
}

// TestRedactByMeaning plants a password in each shape that used to be stored: proxies
// without a port, with the credentials after the host, with spaces or full-width colons;
// password labels of other words and languages, written with = or -; a password after a
// store login's address; credential keys of every spelling; a password inside a line.
func TestRedactByMeaning(t *testing.T) {
	t.Parallel()
	const pw = "hunter22x"
	for _, in := range []string{
		"someuser:" + pw + "@proxy.example.com",
		"http://someuser:" + pw + "@proxy.example.com",
		"203.0.113.9:8080@someuser:" + pw,
		"203.0.113.9 8080 someuser " + pw,
		"203.0.113.9：8080：someuser：" + pw,
		"Account Password: " + pw,
		"Store Password = " + pw,
		"Login Password - " + pw,
		"Passwort: " + pw,
		"Mot de passe : " + pw,
		"Contraseña: " + pw,
		"Senha: " + pw,
		"pw: " + pw,
		"PIN: " + pw,
		"buyer@example.com/" + pw,
		"buyer@example.com | " + pw,
		"123 Main St, password: " + pw,
		`{"proxyPassword": "` + pw + `"}`,
		`{"accountPassword": "` + pw + `"}`,
		`{"secret": "` + pw + `"}`,
		`{"auth": "` + pw + `"}`,
		`{"userpass": "` + pw + `"}`,
		`{"pass\u0077ord": "` + pw + `"}`,
		`{"Passwort des Kontos": "` + pw + `"}`,
		"account_password=" + pw + "&order=A-1",
	} {
		if got := Redact(in); strings.Contains(got, pw) {
			t.Errorf("Redact(%q) = %q: the password survived", in, got)
		}
	}
	for _, s := range []string{
		"Password reset emails: 3",
		"Passport: on file",
		"Shipping: Standard",
		"Author: Refract",
		"Email: buyer@example.com | Profile 2",
		"mailto:buyer@example.com",
		"Resi | http://resi.example.com:5959/",
		"Order 203.0.113.9 placed",
		"Pinned: yes",
	} {
		if got := Redact(s); got != s {
			t.Errorf("Redact(%q) = %q, want unchanged", s, got)
		}
	}
}
