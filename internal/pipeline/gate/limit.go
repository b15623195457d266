package gate

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Limit is a rule's bound on a number of hosts: a count, or a percentage of
// the hosts it applies to. The zero Limit is "0 hosts".
type Limit struct {
	Count     int
	Percent   float64
	IsPercent bool
}

// ParseLimit parses "3" or "10%" (0 to 100, decimals allowed).
func ParseLimit(s string) (Limit, error) {
	s = strings.TrimSpace(s)
	if p, ok := strings.CutSuffix(s, "%"); ok {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || f < 0 || f > 100 {
			return Limit{}, fmt.Errorf("%q is not a percentage from 0%% to 100%%", s)
		}
		return Limit{Percent: f, IsPercent: true}, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return Limit{}, fmt.Errorf("%q is neither a count nor a percentage", s)
	}
	return limitOfCount(f)
}

func limitOfCount(f float64) (Limit, error) {
	if f < 0 || f != math.Trunc(f) || f > math.MaxInt32 {
		return Limit{}, errors.New("a count must be a whole number, 0 or more")
	}
	return Limit{Count: int(f)}, nil
}

// Allowed is the number of hosts the limit allows out of n: the count, or
// the percentage of n rounded down (10% of 5 hosts allows 0).
func (l Limit) Allowed(n int) int {
	if !l.IsPercent {
		return l.Count
	}
	// A tiny epsilon keeps 10% of 30 at 3 despite binary floating point.
	return int(math.Floor(float64(n)*l.Percent/100 + 1e-9))
}

// String is the limit as written: "2" or "10%".
func (l Limit) String() string {
	if l.IsPercent {
		return strconv.FormatFloat(l.Percent, 'f', -1, 64) + "%"
	}
	return strconv.Itoa(l.Count)
}

// Describe is the limit applied to n hosts: "2", or "10% of 30 = 3".
func (l Limit) Describe(n int) string {
	if !l.IsPercent {
		return l.String()
	}
	return fmt.Sprintf("%s of %d = %d", l, n, l.Allowed(n))
}
