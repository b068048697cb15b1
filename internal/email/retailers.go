package email

import (
	"regexp"
	"strings"
)

// retailer is a store that writes to its buyers, known by its sender's domain, with the
// shape of its own order numbers.
type retailer struct {
	domains []string
	Store   string // as the parser names the store
	Pattern *regexp.Regexp
}

var retailers = []retailer{
	{[]string{"bestbuy.com", "bestbuy.ca"}, "Best Buy US", regexp.MustCompile(`\bBBY01-\d{12}\b`)},
	{[]string{"target.com"}, "Target", regexp.MustCompile(`\b\d{15}\b`)},
	{[]string{"walmart.com", "walmart.ca"}, "Walmart", regexp.MustCompile(`\b\d{7}-\d{7}\b|\b\d{15}\b`)},
	{[]string{"amazon.com", "amazon.ca", "amazon.co.uk", "amazon.de", "amazon.fr", "amazon.es", "amazon.it"}, "Amazon",
		regexp.MustCompile(`\b\d{3}-\d{7}-\d{7}\b`)},
	{[]string{"nike.com", "official.nike.com"}, "Nike", regexp.MustCompile(`\bC\d{11}\b`)},
	{[]string{"footlocker.com", "footlocker.ca", "champssports.com", "eastbay.com"}, "Foot Locker", regexp.MustCompile(`\bP\d{10}\b`)},
	{[]string{"pokemoncenter.com", "em.pokemoncenter.com"}, "Pokémon Center", regexp.MustCompile(`\bP\d{9}\b`)},
	{[]string{"costco.com", "costco.ca"}, "Costco", regexp.MustCompile(`\b\d{10}\b`)},
	{[]string{"apple.com", "email.apple.com", "orders.apple.com"}, "Apple", regexp.MustCompile(`\bW\d{9,10}\b`)},
	{[]string{"shopify.com", "shopifyemail.com"}, "", shopifyNumber},
}

// shopifyNumber is a Shopify store's order name: # and its number, with the store's own
// prefix when it has one (#1001, #KITH1001).
var shopifyNumber = regexp.MustCompile(`#[A-Z]{0,6}\d{4,}\b`)

// shopifyStore reports whether an email is a Shopify store's: its images and links are
// on Shopify's hosts.
func shopifyStore(m Message) bool {
	for _, l := range m.Links {
		if strings.Contains(strings.ToLower(l), "shopify") {
			return true
		}
	}
	return strings.Contains(strings.ToLower(m.Text), "cdn.shopify.com")
}

// storeOfDomain is a Shopify store named by its sender's domain: orders@kith.com is Kith.
func storeOfDomain(from string) retailer {
	_, domain, _ := strings.Cut(from, "@")
	parts := strings.Split(domain, ".")
	name := parts[0]
	if len(parts) > 2 && (name == "mail" || name == "email" || name == "orders" || name == "shop" || name == "store") {
		name = parts[1]
	}
	if name != "" {
		name = strings.ToUpper(name[:1]) + name[1:]
	}
	return retailer{Store: name, Pattern: shopifyNumber}
}

// retailerOf is the retailer of a sender's address.
func retailerOf(from string) (retailer, bool) {
	_, domain, ok := strings.Cut(from, "@")
	if !ok {
		return retailer{}, false
	}
	for _, r := range retailers {
		for _, d := range r.domains {
			if domain == d || strings.HasSuffix(domain, "."+d) {
				return r, true
			}
		}
	}
	return retailer{}, false
}
