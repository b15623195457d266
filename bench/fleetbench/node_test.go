package main

import "testing"

func TestStatCPU(t *testing.T) {
	for _, tt := range []struct {
		name, stat string
		comm       string
		ticks      int64
		ok         bool
	}{
		{"sshd", "1234 (sshd) S 1 1234 1234 0 -1 4194560 900 7 0 0 12 3 450 61 20 0 1 0 100 9000000 500 18446744073709551615", "sshd", 12 + 3 + 450 + 61, true},
		{"comm with spaces and parens", "77 (a) b (c)) R 1 77 77 0 -1 0 0 0 0 0 1 2 3 4 20 0 1 0 5 6 7", "a) b (c)", 10, true},
		{"short", "1 (x) S 1 2 3", "", 0, false},
		{"no comm", "1 x S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15", "", 0, false},
		{"not a number", "1 (x) S 1 1 1 0 -1 0 0 0 0 0 a 2 3 4 20", "", 0, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			comm, ticks, err := statCPU([]byte(tt.stat))
			if (err == nil) != tt.ok || comm != tt.comm || ticks != tt.ticks {
				t.Errorf("statCPU = %q, %d, %v; want %q, %d, ok %v", comm, ticks, err, tt.comm, tt.ticks, tt.ok)
			}
		})
	}
}
