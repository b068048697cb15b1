package parser

import "strings"

// retailers are stores our users check out at, as their names are written, folded (lower
// case, no accents). A post that names no store in a field often names it in its title
// ("Supreme Success", "El Corte Ingles order checker") or as a field's name.
var retailers = strings.Split("amazon|best buy|bestbuy|target|walmart|gamestop|costco|sam's club|"+
	"pokemon center|foot locker|footlocker|champs|champs sports|finish line|jd sports|nike|snkrs|"+
	"adidas|yeezy supply|supreme|kith|newegg|b&h|micro center|dick's sporting goods|"+
	"hibbett|undefeated|zalando|courir|snipes|footpatrol|solebox|offspring|end clothing|smyths|"+
	"argos|john lewis|currys|el corte ingles|fnac|mediamarkt|media markt|saturn|otto|topps|"+
	"fanatics|funko|lego|panini|mattel creations|ticketmaster|amd|nvidia|asda|tesco|uniqlo|"+
	"palace|bape|stussy|sneakersnstuff|size?|hollister|shopdisney|disney store|best buy ca|"+
	"canada computers|the source|ebgames|eb games|jb hi-fi|big w|kmart|mecca|zavvi|"+
	"barnes & noble|pacsun|aritzia|new balance|asics|puma|reebok|converse|vans|ssense|farfetch|"+
	"mr porter|net-a-porter|stockx|flight club|stadium goods|bol.com|coolblue", "|")

// retailerIn finds a retailer's name in text, as a whole word or words, and returns it as
// the text writes it; "" when there is none. The longest name wins ("Best Buy CA" over
// "Best Buy").
func retailerIn(text string) string {
	folded, at := fold(text)
	best := ""
	for _, name := range retailers {
		i := wordIndex(folded, name)
		if i < 0 || len(name) <= len(best) {
			continue
		}
		best = text[at[i]:at[i+len(name)]]
	}
	return strings.TrimSpace(best)
}

// isRetailer reports whether a label is nothing but a retailer's name.
func isRetailer(label string) bool {
	text := labelText(label)
	return text != "" && retailerIn(text) == text
}

// wordIndex is where word starts in text, standing alone (not inside a longer word), or -1.
func wordIndex(text, word string) int {
	for from := 0; from < len(text); {
		i := strings.Index(text[from:], word)
		if i < 0 {
			return -1
		}
		i += from
		end := i + len(word)
		if (i == 0 || !isWordByte(text[i-1])) && (end == len(text) || !isWordByte(text[end])) {
			return i
		}
		from = i + 1
	}
	return -1
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 0x80
}
