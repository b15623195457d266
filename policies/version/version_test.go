package version

import (
	"errors"
	"slices"
	"testing"
)

func TestCompare(t *testing.T) {
	tests := []struct {
		kind, a, b string
		want       int
	}{
		// RPM kernel releases (rpmvercmp on version then release; arch ignored).
		{KindRPM, "3.10.0-1127.19.1.el7.x86_64", "3.10.0-1075.el7", 1},
		{KindRPM, "3.10.0-862.el7.x86_64", "3.10.0-1075.el7", -1},
		{KindRPM, "3.10.0-1062.el7.x86_64", "3.10.0-1062.el7", 0},
		{KindRPM, "3.10.0-1160.el7.x86_64", "3.10.0-1160.2.1.el7.x86_64", -1}, // numeric segment beats alpha
		{KindRPM, "3.10.0-514.el7.x86_64", "3.10.0-693.el7.x86_64", -1},
		{KindRPM, "3.10.0-1127.el7.x86_64.debug", "3.10.0-1127.el7", 0},
		{KindRPM, "3.10.0-957.el7_9", "3.10.0-957.el7", 1},
		{KindRPM, "4.18.0-305.el8.aarch64", "3.10.0-1160.el7.x86_64", 1},
		{KindRPM, "1:3.10.0-1", "3.10.0-2", 1},
		{KindRPM, "1.0~rc1-1", "1.0-1", -1},
		{KindRPM, "1.0^git1-1", "1.0-1", 1},
		{KindRPM, "1.0-1", "1.0", 1},
		{KindRPM, "3.10.0-01127.el7", "3.10.0-1127.el7", 0},

		// runc: rc pre-releases below the release, numeric rc order, +build ignored.
		{KindRunc, "1.0.0-rc9", "1.0.0-rc10", -1},
		{KindRunc, "1.0.0-rc10", "1.0.0-rc93", -1},
		{KindRunc, "1.0.0-rc93", "1.0.0-rc94", -1},
		{KindRunc, "1.0.0-rc94", "1.0.0", -1},
		{KindRunc, "1.0.0", "1.1.5+ds1", -1},
		{KindRunc, "1.0.0-rc3", "1.0.0-rc2", 1},
		{KindRunc, "1.0.0-rc5+dev", "1.0.0-rc5", 0},
		{KindRunc, "1.0.0-rc.94", "1.0.0-rc94", 0},
		{KindRunc, "1.0.0~rc93+ds1-5", "1.0.0-rc93", 0},
		{KindRunc, "1.1.12-0ubuntu2~22.04.1", "1.1.12", 0},
		{KindRunc, "v1.1.5", "1.1.5", 0},
		{KindRunc, "1.0.0-rc92+dev", "1.0.0-rc94", -1},
		{KindRunc, "1.0.0-rc10", "1.0.0-rc3", 1},

		// strict semver: pre-release identifiers compared as SemVer says.
		{KindSemver, "1.0.0-alpha", "1.0.0-alpha.1", -1},
		{KindSemver, "1.0.0-alpha.1", "1.0.0-alpha.beta", -1},
		{KindSemver, "1.0.0-beta.2", "1.0.0-beta.11", -1},
		{KindSemver, "1.0.0-rc.1", "1.0.0", -1},
		{KindSemver, "1.0.0+build.5", "1.0.0", 0},
		{KindSemver, "v2.0.0", "1.99.99", 1},
		{KindSemver, "1.0.0-rc10", "1.0.0-rc9", -1}, // the trap: SemVer compares "rc10" < "rc9" lexically

		// docker
		{KindDocker, "18.06.1-ce", "18.09.1", -1},
		{KindDocker, "18.09.1", "18.09.1-ce", 0},
		{KindDocker, "1.13.1", "18.06.1-ce", -1},
		{KindDocker, "20.10.7", "24.0.5", -1},
		{KindDocker, "17.03.0-ce-rc1", "17.03.0-ce", -1},
		{KindDocker, "18.09.0-beta3", "18.09.0", -1},
		{KindDocker, "23.0.0-rc.1", "23.0.0", -1},
		{KindDocker, "1.13.1-208.git7d71120.el7_9", "1.13.1", 0},
		{KindDocker, "20.10.25+azure-2", "20.10.25", 0},
		{KindDocker, "19.03.14", "19.3.14", 0},

		// kubelet
		{KindKubelet, "v1.15.5", "1.22.0", -1},
		{KindKubelet, "v1.22.0", "1.22", 0},
		{KindKubelet, "v1.8.0", "1.8", 0},
		{KindKubelet, "v1.7.16", "1.8", -1},
		{KindKubelet, "v1.22.0-rc.0", "1.22.0", -1},
		{KindKubelet, "v1.21.5-eks-bc4871b", "1.21.5", 0},
		{KindKubelet, "v1.18.3+k3s1", "1.18.3", 0},
		{KindKubelet, "v1.12.3", "1.14", -1},

		// upstream kernel
		{KindKernel, "4.4.6", "4.4.18", -1},
		{KindKernel, "4.6.6", "4.7", -1},
		{KindKernel, "4.7", "4.7.0", 0},
		{KindKernel, "4.7-rc1", "4.7", -1},
		{KindKernel, "5.15.0-91-generic", "5.15", 0},
		{KindKernel, "2.6.32.71", "2.6.32", 1},
		{KindKernel, "3.10.0", "4.4.0", -1},
	}
	for _, tt := range tests {
		got, err := Compare(tt.kind, tt.a, tt.b)
		if err != nil {
			t.Errorf("Compare(%s, %q, %q): %v", tt.kind, tt.a, tt.b, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Compare(%s, %q, %q) = %d, want %d", tt.kind, tt.a, tt.b, got, tt.want)
		}
		if back, _ := Compare(tt.kind, tt.b, tt.a); back != -tt.want {
			t.Errorf("Compare(%s, %q, %q) = %d, want %d", tt.kind, tt.b, tt.a, back, -tt.want)
		}
	}
}

// TestOrderings checks whole chains, each strictly increasing.
func TestOrderings(t *testing.T) {
	chains := map[string][]string{
		KindRunc:    {"1.0.0-rc2", "1.0.0-rc3", "1.0.0-rc5+dev", "1.0.0-rc9", "1.0.0-rc10", "1.0.0-rc93", "1.0.0-rc94", "1.0.0-rc95", "1.0.0", "1.1.5+ds1", "1.1.12"},
		KindRPM:     {"3.10.0-514.el7.x86_64", "3.10.0-693.el7.x86_64", "3.10.0-862.el7.x86_64", "3.10.0-1062.el7.x86_64", "3.10.0-1075.el7", "3.10.0-1127.el7.x86_64", "3.10.0-1127.19.1.el7.x86_64", "3.10.0-1160.el7.x86_64"},
		KindDocker:  {"1.13.1", "17.03.0-ce-rc1", "17.03.0-ce", "17.06.0-ce", "18.06.1-ce", "18.09.1", "19.03.14", "20.10.7", "23.0.0-rc.1", "23.0.0", "24.0.5"},
		KindKubelet: {"v1.7.16", "1.8", "v1.9.11", "v1.12.3", "1.14", "v1.15.5", "v1.21.14", "v1.22.0-rc.0", "1.22.0", "v1.28.2"},
		KindKernel:  {"3.10.0", "4.4.0", "4.4.6", "4.4.17", "4.4.18", "4.5", "4.6.5", "4.6.6", "4.7-rc1", "4.7", "5.15.131"},
		KindSemver:  {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0"},
	}
	for kind, chain := range chains {
		for i := range chain {
			for j := range chain {
				got, err := Compare(kind, chain[i], chain[j])
				if err != nil {
					t.Fatalf("Compare(%s, %q, %q): %v", kind, chain[i], chain[j], err)
				}
				want := 0
				if i < j {
					want = -1
				} else if i > j {
					want = 1
				}
				if got != want {
					t.Errorf("Compare(%s, %q, %q) = %d, want %d", kind, chain[i], chain[j], got, want)
				}
			}
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ kind, s string }{
		{KindRPM, ""},
		{KindRPM, "el7"},
		{KindRPM, "x:3.10.0-1"},
		{KindRPM, "3.10.0-1-2"},
		{KindRPM, "3.10.0 -1"},
		{KindRPM, "3.10.0-1$"},
		{KindRunc, "unknown"},
		{KindRunc, "1"},
		{KindRunc, "1.0.0-"},
		{KindRunc, "1.0.0_rc9"},
		{KindRunc, "runc version 1.0.0"},
		{KindSemver, "1.0"},
		{KindSemver, "01.0.0"},
		{KindSemver, "1.0.0-01"},
		{KindSemver, "1.0.0-"},
		{KindSemver, "1.0.0+"},
		{KindSemver, "1.0.0-a..b"},
		{KindDocker, "ce"},
		{KindDocker, "18.06.1ce"},
		{KindDocker, "18.06.1--ce"},
		{KindKubelet, "Kubernetes v1.15.5"},
		{KindKubelet, "v1"},
		{KindKubelet, "v1.15.5_x"},
		{KindKernel, "4"},
		{KindKernel, "4.4abc"},
		{KindKernel, "Ubuntu 4.4.0-21.37-generic 4.4.6"},
		{"npm", "1.0.0"},
		{KindRunc, "1.0.0\x00"},
		{KindRunc, "1.0.0-rc9\u00e9"},
	}
	for _, tt := range tests {
		if v, err := Parse(tt.kind, tt.s); err == nil {
			t.Errorf("Parse(%s, %q) = %+v, want an error", tt.kind, tt.s, v)
		}
		if _, err := Compare(tt.kind, tt.s, "1.0.0"); err == nil {
			t.Errorf("Compare(%s, %q, 1.0.0): no error", tt.kind, tt.s)
		}
	}
	if _, err := Parse("npm", "1.0.0"); !errors.Is(err, ErrUnknownKind) {
		t.Errorf("unknown kind: got %v, want ErrUnknownKind", err)
	}
	long := make([]byte, maxLen+1)
	for i := range long {
		long[i] = '1'
	}
	if Valid(KindKernel, string(long)) {
		t.Error("an over-long version parsed")
	}
}

func TestAccessors(t *testing.T) {
	v, err := Parse(KindRunc, "1.0.0-rc10")
	if err != nil {
		t.Fatal(err)
	}
	if v.Kind() != KindRunc || v.String() != "1.0.0-rc10" || !v.Prerelease() {
		t.Errorf("accessors: %q %q %v", v.Kind(), v.String(), v.Prerelease())
	}
	if got := v.Release(); !slices.Equal(got, []string{"1", "0", "0"}) {
		t.Errorf("Release() = %q", got)
	}
	w, _ := Parse(KindDocker, "1.0.0")
	if v.Compare(w) == 0 || v.Compare(w) != -w.Compare(v) {
		t.Error("different kinds must not compare equal and must stay antisymmetric")
	}
	if len(Kinds()) != 6 {
		t.Errorf("Kinds() = %v", Kinds())
	}
}

// FuzzCompare checks that Compare never panics, is antisymmetric and
// reflexive on every kind.
func FuzzCompare(f *testing.F) {
	seeds := [][2]string{
		{"3.10.0-1127.19.1.el7.x86_64", "3.10.0-1075.el7"},
		{"3.10.0-862.el7.x86_64", "3.10.0-514.el7.x86_64"},
		{"1.0.0-rc9", "1.0.0-rc10"},
		{"1.0.0-rc93", "1.0.0-rc94"},
		{"1.0.0", "1.1.5+ds1"},
		{"1.0.0-rc5+dev", "1.0.0~rc93+ds1-5"},
		{"18.06.1-ce", "18.09.1"},
		{"1.13.1", "20.10.7"},
		{"24.0.5", "17.03.0-ce-rc1"},
		{"v1.15.5", "1.22.0"},
		{"v1.22.0-rc.0", "v1.21.5-eks-bc4871b"},
		{"4.4.6", "4.4.18"},
		{"4.7-rc1", "5.15.0-91-generic"},
		{"1.0~rc1-1", "1.0^git1-1"},
		{"1:2.0-1", "1.0-a.b"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, kind := range Kinds() {
			ab, errA := Compare(kind, a, b)
			ba, errB := Compare(kind, b, a)
			if (errA == nil) != (errB == nil) {
				t.Fatalf("%s: error asymmetry for %q, %q: %v / %v", kind, a, b, errA, errB)
			}
			if errA != nil {
				continue
			}
			if ab != -ba {
				t.Fatalf("%s: Compare(%q, %q) = %d but Compare(%q, %q) = %d", kind, a, b, ab, b, a, ba)
			}
			if c, _ := Compare(kind, a, a); c != 0 {
				t.Fatalf("%s: Compare(%q, %q) = %d", kind, a, a, c)
			}
		}
	})
}
