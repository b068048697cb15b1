package email

import (
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Carriers, as a reading names them.
const (
	UPS            = "UPS"
	USPS           = "USPS"
	FedEx          = "FedEx"
	DHL            = "DHL"
	AmazonLogi     = "Amazon Logistics"
	OnTrac         = "OnTrac"
	LaserShip      = "LaserShip"
	CanadaPost     = "Canada Post"
	RoyalMail      = "Royal Mail"
	unknownCarrier = ""
)

// Tracking is one tracking number and its carrier.
type Tracking struct {
	Number  string `json:"number"`
	Carrier string `json:"carrier,omitempty"`
}

// shape is a carrier's tracking number: its pattern, and whether a number of that shape
// is one wherever it stands (a check digit, a prefix no other number has) or only beside
// a word that says it is (weak: a bare 12 digits may be an order number).
type shape struct {
	carrier string
	re      *regexp.Regexp
	valid   func(string) bool
	weak    bool
}

var shapes = []shape{
	{UPS, regexp.MustCompile(`\b1Z[0-9A-Z]{16}\b`), upsCheck, false},
	{AmazonLogi, regexp.MustCompile(`\bTBA\d{12}\b`), nil, false},
	{"", regexp.MustCompile(`\b[A-Z]{2}\d{9}[A-Z]{2}\b`), s10Check, false}, // UPU S10: the country says the post
	{USPS, regexp.MustCompile(`\b9[1-5]\d{18,20}\b`), mod10Check, false},
	{OnTrac, regexp.MustCompile(`\b[CD]\d{14}\b`), nil, true},
	{LaserShip, regexp.MustCompile(`\b(1LS\d{12,15}|L[A-Z]\d{8})\b`), nil, true},
	{FedEx, regexp.MustCompile(`\b\d{12}\b`), fedex12Check, true},
	{FedEx, regexp.MustCompile(`\b\d{15}\b`), mod10Check, true},
	{CanadaPost, regexp.MustCompile(`\b\d{16}\b`), nil, true},
	{DHL, regexp.MustCompile(`\b\d{10}\b`), dhlCheck, true},
}

// trackingCue is a word that says a number near it is a tracking number.
var trackingCue = regexp.MustCompile(`(?i)track|tracking|suivi|colis|sendung|paket|seguimiento|rastreo|envío|spedizione|tracciamento|\bups\b|usps|fedex|\bdhl\b|ontrac|lasership|canada post|postes canada|royal mail|waybill|shipment|expédition|versand|envoi`)

// digitGroups is a number printed in groups of four, as USPS and FedEx numbers often are.
var digitGroups = regexp.MustCompile(`\b\d{4}(?: \d{4}){2,5}(?: \d{2,4})?\b`)

// findTracking is every tracking number of an email: those its carrier links name, then
// those of its text.
func findTracking(text string, links []string) []Tracking {
	var found []Tracking
	add := func(t Tracking) {
		if !slices.ContainsFunc(found, func(f Tracking) bool { return f.Number == t.Number }) {
			found = append(found, t)
		}
	}
	for _, link := range links {
		if t, ok := fromLink(link); ok {
			add(t)
		}
	}
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		cued := trackingCue.MatchString(line) || i > 0 && trackingCue.MatchString(lines[i-1])
		candidates := []string{strings.ToUpper(line)}
		for _, grouped := range digitGroups.FindAllString(line, -1) { // "9400 1000 0000 ..." as printed
			candidates = append(candidates, strings.ReplaceAll(grouped, " ", ""))
		}
		for _, candidate := range candidates {
			for _, s := range shapes {
				if s.weak && !cued {
					continue
				}
				for _, n := range s.re.FindAllString(candidate, -1) {
					if s.valid != nil && !s.valid(n) {
						continue
					}
					add(Tracking{Number: n, Carrier: carrierOf(s, n)})
				}
			}
		}
	}
	return found
}

func carrierOf(s shape, n string) string {
	if s.carrier != "" {
		return s.carrier
	}
	switch n[len(n)-2:] { // an S10 number's country
	case "US":
		return USPS
	case "CA":
		return CanadaPost
	case "GB":
		return RoyalMail
	}
	return unknownCarrier
}

// linkKeys are the query keys carriers' tracking pages take the number in.
var linkKeys = []string{"tracknum", "tracknumbers", "trackingnumber", "tracking_number", "trknbr", "tlabels", "awb",
	"tracking-id", "trackingid", "tracking", "pin", "number", "tn", "id"}

// carrierHosts names the carrier of a tracking page's host.
var carrierHosts = []struct{ host, carrier string }{
	{"ups.com", UPS}, {"usps.com", USPS}, {"fedex.com", FedEx}, {"dhl.", DHL}, {"ontrac.com", OnTrac},
	{"lasership.com", LaserShip}, {"canadapost", CanadaPost}, {"postescanada", CanadaPost}, {"royalmail.com", RoyalMail},
	{"track.amazon", AmazonLogi},
}

// fromLink reads a carrier's tracking link: its number from the query or the path.
func fromLink(link string) (Tracking, bool) {
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil || u.Host == "" {
		return Tracking{}, false
	}
	host := strings.ToLower(u.Host)
	carrier := ""
	for _, c := range carrierHosts {
		if strings.Contains(host, c.host) {
			carrier = c.carrier
		}
	}
	if carrier == "" {
		return Tracking{}, false
	}
	query := map[string]string{}
	for k, v := range u.Query() {
		query[strings.ToLower(k)] = v[0]
	}
	candidates := []string{}
	for _, k := range linkKeys {
		if v, ok := query[k]; ok {
			candidates = append(candidates, strings.Split(v, ",")...)
		}
	}
	path := strings.Trim(u.Path+"/"+u.Fragment, "/")
	if i := strings.LastIndex(path, "/"); i >= 0 {
		path = path[i+1:]
	}
	candidates = append(candidates, path)
	for _, c := range candidates {
		c = strings.ToUpper(strings.TrimSpace(c))
		if len(c) >= 8 && len(c) <= 34 && alnumOnly(c) && strings.ContainsAny(c, "0123456789") {
			return Tracking{Number: c, Carrier: carrier}, true
		}
	}
	return Tracking{}, false
}

func alnumOnly(s string) bool {
	for _, r := range s {
		if (r < '0' || r > '9') && (r < 'A' || r > 'Z') {
			return false
		}
	}
	return true
}

// upsCheck is the check digit of a 1Z number: its 15 characters after "1Z", letters
// counted as digits, odd places once and even places twice.
func upsCheck(n string) bool {
	body, check := n[2:17], n[17]
	sum := 0
	for i, r := range body {
		v := int(r - '0')
		if r >= 'A' && r <= 'Z' {
			v = (int(r) - 63) % 10
		}
		if i%2 == 1 {
			v *= 2
		}
		sum += v
	}
	return check >= '0' && check <= '9' && (10-sum%10)%10 == int(check-'0')
}

// mod10Check is the check digit of USPS and GS1 numbers: from the right, weights 3, 1.
func mod10Check(n string) bool {
	sum := 0
	for i := len(n) - 2; i >= 0; i-- {
		v := int(n[i] - '0')
		if (len(n)-2-i)%2 == 0 {
			v *= 3
		}
		sum += v
	}
	return (10-sum%10)%10 == int(n[len(n)-1]-'0')
}

// fedex12Check is the check digit of a 12-digit FedEx number: weights 1, 3, 7 from the
// right of the first 11, the sum's remainder by 11 (10 counts as 0).
func fedex12Check(n string) bool {
	weights := []int{1, 3, 7}
	sum := 0
	for i := 10; i >= 0; i-- {
		sum += int(n[i]-'0') * weights[(10-i)%3]
	}
	return sum%11%10 == int(n[11]-'0')
}

// dhlCheck is the check digit of a 10-digit DHL Express waybill: the first nine digits'
// remainder by 7.
func dhlCheck(n string) bool {
	v, err := strconv.Atoi(n[:9])
	return err == nil && v%7 == int(n[9]-'0')
}

// s10Check is the check digit of a UPU S10 number (EA123456789US).
func s10Check(n string) bool {
	weights := []int{8, 6, 4, 2, 3, 5, 9, 7}
	sum := 0
	for i, w := range weights {
		sum += int(n[2+i]-'0') * w
	}
	check := 11 - sum%11
	switch check {
	case 10:
		check = 0
	case 11:
		check = 5
	}
	return check == int(n[10]-'0')
}
