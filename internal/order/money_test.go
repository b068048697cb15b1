package order

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
)

func TestParseMoneyIsExact(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Money
		err  bool
	}{
		{"299.99", 29999, false},
		{"0.1", 10, false},
		{"1299", 129900, false},
		{"12.345", 1235, false},
		{"-12.345", -1235, false},
		{"1e3", 100000, false},
		{"NaN", 0, true},
		{"Inf", 0, true},
		{"1e300", 0, true},
		{"", 0, true},
		{"twelve", 0, true},
		{"9P2", 0, true}, // big.Rat reads 36: a binary exponent, not an amount
		{"0x1F", 0, true},
		{"1/3", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseMoney(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseMoney(%q) = %d, %v", tt.in, got, err)
		}
		if err != nil && !errors.Is(err, ErrNotAmount) {
			t.Errorf("ParseMoney(%q) error %v is not ErrNotAmount", tt.in, err)
		}
	}
}

func TestMoneySumsDoNotDrift(t *testing.T) {
	t.Parallel()
	var sum Money
	for range 1000 {
		sum += 10 // 0.10, which float64 cannot hold
	}
	if sum.String() != "100.00" {
		t.Errorf("sum %s", sum)
	}
	if v, ok := Money(9999).Times(3); !ok || v.String() != "299.97" {
		t.Errorf("times: %s %v", v, ok)
	}
	if _, ok := maxMoney.Times(1000); ok {
		t.Error("overflowing product accepted")
	}
}

func TestMoneyJSONKeepsTheNumberShape(t *testing.T) {
	t.Parallel()
	var v struct {
		A Money  `json:"a"`
		B *Money `json:"b"`
		C Money  `json:"c"`
	}
	if err := json.Unmarshal([]byte(`{"a": 299.99, "b": null, "c": "12.50"}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.A != 29999 || v.B != nil || v.C != 1250 {
		t.Errorf("decoded %+v", v)
	}
	out, _ := json.Marshal(v)
	if string(out) != `{"a":299.99,"b":null,"c":12.50}` {
		t.Errorf("encoded %s", out)
	}
}

// TestPlainCentsAgreesWithExactParsing holds the fast path to the exact one.
func TestPlainCentsAgreesWithExactParsing(t *testing.T) {
	t.Parallel()
	inputs := []string{"0", "-0", "1", "1.", "1.5", "1.05", "-12.34", "299.99", "999999999999999", "9999999999999.99",
		"007.10", "123456789012345.99", "1234567890123456"}
	for i := 0; i < 2000; i++ {
		inputs = append(inputs, fmt.Sprintf("%d.%02d", i*7919%1000003, i%100), fmt.Sprintf("-%d.%d", i*31, i%10))
	}
	for _, in := range inputs {
		fast, ok := plainCents(in)
		if !ok {
			continue
		}
		exact, err := ratCents(in)
		if err != nil || fast != exact {
			t.Errorf("%q: fast %d, exact %d %v", in, fast, exact, err)
		}
	}
}
