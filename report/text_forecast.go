package report

import (
	"fmt"
	"strconv"
)

// soonestShown bounds the "soonest exhaustion" lines without --verbose.
const soonestShown = 5

// soonest prints the hosts whose memory cgroups are forecast to reach the
// target, soonest first (every one with verbose).
func (o *textOut) soonest(r *Report, verbose bool) {
	hs := Soonest(r)
	if len(hs) == 0 {
		return
	}
	o.line(o.c(ansiBold, fmt.Sprintf("SOONEST EXHAUSTION  %d host(s) with a forecast", len(hs))))
	for i, h := range hs {
		if i == soonestShown && !verbose {
			o.line(o.c(ansiDim, fmt.Sprintf("  … %d more (--verbose)", len(hs)-i)))
			break
		}
		f := h.Forecast
		color := ""
		if f.Status == "fail" {
			color = ansiRed
		}
		o.line(o.c(color, fmt.Sprintf("  %s  %s reached in ~%s days (%s): %s → %s at %s/day", clip(h.Name, 60),
			groupDigits(f.Target), groupDigits(int64(*f.DaysToTarget+0.5)), f.Date, groupDigits(f.First), groupDigits(f.Last),
			groupDigits(int64(f.SlopePerDay+0.5)))))
	}
	o.line("")
}

// groupDigits prints n with thousands separators.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3+1)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}
