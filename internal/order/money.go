package order

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Money is an exact amount in hundredths of its currency's unit (cents for dollars and
// euros). Floats cannot hold 0.10 exactly, so sums of many prices would drift; integers
// never do. JSON shows it as a plain number with two decimals, such as 299.99, and reads
// any JSON number or numeric string exactly.
type Money int64

// ErrNotAmount is returned for text that is not a finite amount ROMS can hold.
var ErrNotAmount = errors.New("not an amount")

// maxMoney keeps every amount, and a price times any sane quantity, far from overflow.
const maxMoney = Money(1_000_000_000_000_00) // one trillion

// ParseMoney reads a decimal amount such as "1299.99", "12.5" or "1e3". More than two
// decimals are rounded to the nearest cent, halves away from zero.
func ParseMoney(s string) (Money, error) {
	s = strings.TrimSpace(s)
	if m, ok := plainCents(s); ok {
		return m, nil
	}
	return ratCents(s)
}

// ratCents is ParseMoney for any decimal big.Rat reads.
func ratCents(s string) (Money, error) {
	// big.Rat also reads fractions ("1/3"), hexadecimal and binary exponents ("9p2" is
	// 36): none of them is an amount a person writes.
	if strings.ContainsFunc(s, func(r rune) bool { return !strings.ContainsRune("0123456789.-+eE", r) }) {
		return 0, fmt.Errorf("%q: %w", s, ErrNotAmount)
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0, fmt.Errorf("%q: %w", s, ErrNotAmount)
	}
	cents := new(big.Rat).Mul(r, big.NewRat(100, 1))
	// Round half away from zero: add or subtract one half, then truncate.
	half := big.NewRat(1, 2)
	if cents.Sign() < 0 {
		cents.Sub(cents, half)
	} else {
		cents.Add(cents, half)
	}
	n := new(big.Int).Quo(cents.Num(), cents.Denom())
	if !n.IsInt64() || Money(n.Int64()) > maxMoney || Money(n.Int64()) < -maxMoney {
		return 0, fmt.Errorf("%q is too large: %w", s, ErrNotAmount)
	}
	return Money(n.Int64()), nil
}

// plainCents reads the amounts people write, such as "299.99", "-5" and "12.5", without
// the arbitrary precision ParseMoney needs for the rest (exponents, long fractions).
func plainCents(s string) (Money, bool) {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(whole) > 15 || len(frac) > 2 || !allDigits(whole) || !allDigits(frac) {
		return 0, false
	}
	var cents int64
	for _, c := range whole {
		cents = cents*10 + int64(c-'0')
	}
	cents *= 100
	switch len(frac) {
	case 1:
		cents += int64(frac[0]-'0') * 10
	case 2:
		cents += int64(frac[0]-'0')*10 + int64(frac[1]-'0')
	}
	if Money(cents) > maxMoney {
		return 0, false // the slow path says why
	}
	if neg {
		cents = -cents
	}
	return Money(cents), true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// String is the amount with two decimals: "299.99", "-5.00".
func (m Money) String() string {
	sign := ""
	v := int64(m)
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// Times is the amount for a quantity, and false when the product is out of range.
func (m Money) Times(qty int) (Money, bool) {
	if qty < 0 || (qty > 0 && math.Abs(float64(m)) > float64(maxMoney)/float64(qty)) {
		return 0, false
	}
	return m * Money(qty), true
}

// Ptr returns a pointer to a copy of m, for optional fields.
func (m Money) Ptr() *Money { return &m }

// MarshalJSON writes the amount as a JSON number with two decimals.
func (m Money) MarshalJSON() ([]byte, error) {
	return []byte(m.String()), nil
}

// UnmarshalJSON reads a JSON number or a numeric string exactly.
func (m *Money) UnmarshalJSON(b []byte) error {
	text := string(b)
	if unquoted, err := strconv.Unquote(text); err == nil {
		text = unquoted
	}
	v, err := ParseMoney(text)
	if err != nil {
		return err
	}
	*m = v
	return nil
}
