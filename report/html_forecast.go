package report

import (
	"fmt"
	"strconv"
	"strings"
)

// htmlSoonestShown bounds the rows of the HTML "Soonest exhaustion" table.
const htmlSoonestShown = 50

// htmlSoonest is the HTML fleet view of the forecasts, soonest first.
type htmlSoonest struct {
	Rows []htmlSoonestRow
	More int
}

type htmlSoonestRow struct {
	Name        string
	First, Last string
	Rate        string
	Reach       string // "65,535 in ~3 days (2026-12-06)"
	Fail        bool
	N           int
	Points      string // the sparkline's polyline points
}

// htmlSoonestOf is the table of the hosts with a projected date; nil when
// none has one.
func htmlSoonestOf(r *Report) *htmlSoonest {
	hs := Soonest(r)
	if len(hs) == 0 {
		return nil
	}
	s := &htmlSoonest{}
	for i, h := range hs {
		if i == htmlSoonestShown {
			s.More = len(hs) - i
			break
		}
		f := h.Forecast
		s.Rows = append(s.Rows, htmlSoonestRow{
			Name:   cleanText(h.Name, false),
			First:  groupDigits(f.First),
			Last:   groupDigits(f.Last),
			Rate:   groupDigits(int64(f.SlopePerDay + 0.5)),
			Reach:  fmt.Sprintf("%s in ~%s days (%s)", groupDigits(f.Target), groupDigits(int64(*f.DaysToTarget+0.5)), cleanText(f.Date, false)),
			Fail:   f.Status == "fail",
			N:      len(f.Series),
			Points: sparkPoints(f.Series, 120, 24),
		})
	}
	return s
}

// sparkPoints scales a series into an SVG polyline of w x h (2 px margin),
// the cap at the top; "" with fewer than two values.
func sparkPoints(vs []int64, w, h float64) string {
	if len(vs) < 2 {
		return ""
	}
	lo, hi := vs[0], vs[0]
	for _, v := range vs {
		lo, hi = min(lo, v), max(hi, v)
	}
	span := float64(hi - lo)
	var b strings.Builder
	for i, v := range vs {
		x := 2 + (w-4)*float64(i)/float64(len(vs)-1)
		y := h / 2
		if span > 0 {
			y = h - 2 - (h-4)*float64(v-lo)/span
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.FormatFloat(x, 'f', 1, 64))
		b.WriteByte(',')
		b.WriteString(strconv.FormatFloat(y, 'f', 1, 64))
	}
	return b.String()
}
