package history

import (
	"math"
	"testing"
	"time"
)

func pt(day float64, num int64, kernel string) Point {
	at := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC).Add(time.Duration(day * 24 * float64(time.Hour)))
	n := num
	return Point{At: at, NumCgroups: &n, KernelRelease: kernel, Status: "compliant"}
}

func TestFitCounter(t *testing.T) {
	num := func(p *Point) *int64 { return p.NumCgroups }
	tests := []struct {
		name    string
		points  []Point
		ok      bool
		n       int
		slope   float64
		first   int64
		restart string
	}{
		{"steady growth", []Point{pt(0, 48120, "k"), pt(1, 49960, "k"), pt(2, 51800, "k"), pt(3, 53640, "k"), pt(4, 55480, "k"), pt(5, 57320, "k"), pt(6, 59160, "k")}, true, 7, 1840, 48120, ""},
		{"an outlier does not move the slope", []Point{pt(0, 1000, "k"), pt(1, 2000, "k"), pt(2, 30000, "k"), pt(3, 30001, "k"), pt(4, 5000, "k"), pt(5, 6000, "k")}, true, 2, 1000, 5000, "drop"},
		{"outlier up inside a series", []Point{pt(0, 1000, "k"), pt(1, 2000, "k"), pt(2, 3000, "k"), pt(3, 4000, "k"), pt(3.5, 4600, "k"), pt(4, 5000, "k")}, true, 6, 1000, 1000, ""},
		{"restart at a reboot", []Point{pt(0, 40000, "a"), pt(1, 50000, "a"), pt(2, 60000, "b"), pt(3, 61000, "b")}, true, 2, 1000, 60000, "reboot"},
		{"restart at a drop", []Point{pt(0, 40000, "k"), pt(1, 50000, "k"), pt(2, 100, "k"), pt(3, 300, "k"), pt(4, 500, "k")}, true, 3, 200, 100, "drop"},
		{"flat", []Point{pt(0, 500, "k"), pt(1, 500, "k"), pt(2, 500, "k")}, true, 3, 0, 500, ""},
		{"one point", []Point{pt(0, 500, "k")}, false, 1, 0, 500, ""},
		{"no counter", []Point{{At: time.Unix(0, 0)}}, false, 0, 0, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := FitCounter(tt.points, num)
			if ok != tt.ok || f.Points != tt.n || math.Abs(f.SlopePerDay-tt.slope) > 1e-6 || f.First != tt.first || f.Restart != tt.restart {
				t.Errorf("FitCounter = %+v, %v; want points %d slope %v first %d restart %q ok %v", f, ok, tt.n, tt.slope, tt.first, tt.restart, tt.ok)
			}
		})
	}
}

func TestHostSeriesDropsSameTimeAndUnreachable(t *testing.T) {
	past := []Point{pt(0, 1, "k"), pt(0, 2, "k"), {At: pt(1, 0, "").At, Status: "unreachable"}, pt(2, 3, "k"), pt(3, 9, "k")}
	cur := pt(2, 4, "k")
	s := HostSeries(past, cur)
	if len(s) != 2 || *s[0].NumCgroups != 2 || *s[1].NumCgroups != 4 {
		t.Fatalf("HostSeries = %+v", s)
	}
}

func TestInput(t *testing.T) {
	in := Input([]Point{pt(0, 48120, "k"), pt(3, 53640, "k"), pt(6, 59160, "k")})
	if in["runs"] != 3 || in["span_hours"] != 144.0 {
		t.Errorf("runs/span = %v/%v", in["runs"], in["span_hours"])
	}
	f := in["num_cgroups"].(map[string]any)
	if f["slope_per_day"] != 1840.0 || f["first"] != int64(48120) || f["last"] != int64(59160) || f["points"] != 3 {
		t.Errorf("num_cgroups fit = %v", f)
	}
	if _, ok := in["dying"]; ok {
		t.Errorf("dying fit without live dirs: %v", in["dying"])
	}
	if rows := in["series"].([]any); len(rows) != 3 || rows[0].(map[string]any)["at"] != "2026-11-25T00:00:00Z" {
		t.Errorf("series = %v", rows)
	}
}
