package transport

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

func TestPlainHost(t *testing.T) {
	for _, tt := range []struct {
		name, want string
		ok         bool
	}{
		{"db1", "db1:22", true},
		{"10.0.0.1", "10.0.0.1:22", true},
		{"[10.0.0.1]:2222", "10.0.0.1:2222", true},
		{"[db1]:22", "db1:22", true},
		{"::1", "[::1]:22", true},
		{"[::1]:2222", "[::1]:2222", true},
		{"|1|c2FsdA==|aGFzaA==", "", false},
		{"*.internal", "", false},
		{"db?", "", false},
		{"!db1", "", false},
		{"[db1", "", false},
		{"", "", false},
	} {
		got, ok := plainHost(tt.name)
		if got != tt.want || ok != tt.ok {
			t.Errorf("plainHost(%q) = %q, %v; want %q, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func testKey(t testing.TB, i int, ecdsaKey bool) ssh.PublicKey {
	t.Helper()
	if ecdsaKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		pk, err := ssh.NewPublicKey(&k.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		return pk
	}
	seed := make([]byte, ed25519.SeedSize)
	seed[0], seed[1], seed[2] = byte(i), byte(i>>8), byte(i>>16)
	pk, err := ssh.NewPublicKey(ed25519.NewKeyFromSeed(seed).Public())
	if err != nil {
		t.Fatal(err)
	}
	return pk
}

// TestAlgorithmsIndex: the key types asked for come from the index when it
// is exact, and are the ones the knownhosts probe reports — for plain
// files, and (through the probe) for files with hashed names, patterns or
// markers.
func TestAlgorithmsIndex(t *testing.T) {
	ed, ec := testKey(t, 1, false), testKey(t, 2, true)
	plain := knownhosts.Line([]string{"db1"}, ed) + "\n" + knownhosts.Line([]string{"db1"}, ec) + "\n" +
		knownhosts.Line([]string{"[db2]:2222", "10.0.0.2"}, ec) + "\n# comment\n\n"
	hashed := plain + knownhosts.Line([]string{knownhosts.HashHostname("db3")}, ed) + "\n"
	pattern := plain + "*.internal " + strings.TrimPrefix(knownhosts.Line([]string{"x"}, ed), "x ") + "\n"
	ca := plain + "@cert-authority *.corp " + strings.TrimPrefix(knownhosts.Line([]string{"x"}, ec), "x ") + "\n"
	for _, tt := range []struct {
		name, file string
		complex    bool
	}{{"plain", plain, false}, {"hashed", hashed, true}, {"pattern", pattern, true}, {"cert-authority", ca, true}} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "known_hosts")
			if err := os.WriteFile(path, []byte(tt.file), 0o600); err != nil {
				t.Fatal(err)
			}
			k := newHostKeys()
			db, err := k.loadDB([]string{path}, false)
			if err != nil {
				t.Fatal(err)
			}
			if db.complex != tt.complex {
				t.Errorf("complex = %v, want %v", db.complex, tt.complex)
			}
			for _, ep := range []*endpoint{
				{host: "db1", port: 22, knownHosts: []string{path}},
				{host: "db2", port: 2222, knownHosts: []string{path}},
				{host: "10.0.0.2", port: 22, knownHosts: []string{path}},
				{host: "db3", port: 22, knownHosts: []string{path}},
				{host: "a.internal", port: 22, knownHosts: []string{path}},
				{host: "unknown", port: 22, knownHosts: []string{path}},
			} {
				got := k.algorithms(ep)
				// what the probe alone answers
				fresh := newHostKeys()
				fdb, _ := fresh.loadDB([]string{path}, false)
				fdb.complex = true
				want := fresh.algorithms(ep)
				if !slices.Equal(got, want) {
					t.Errorf("%s: algorithms %v, the probe says %v", ep.addr(), got, want)
				}
			}
		})
	}
	// the index answers without the probe: a plain file's types
	path := filepath.Join(t.TempDir(), "kh")
	if err := os.WriteFile(path, []byte(plain), 0o600); err != nil {
		t.Fatal(err)
	}
	db, _ := newHostKeys().loadDB([]string{path}, false)
	if types, ok := db.knownTypes("db1:22"); !ok || !slices.Equal(types, []string{ed.Type(), ec.Type()}) {
		t.Errorf("db1 types %v %v", types, ok)
	}
	if _, ok := db.knownTypes("unknown:22"); ok {
		t.Error("an unknown host answered from the index")
	}
}

// BenchmarkAlgorithms: asking for a host's known key types with one
// known_hosts line per host (what accept-new writes for a fleet).
func BenchmarkAlgorithms(b *testing.B) {
	for _, n := range []int{2000, 20000} {
		for _, mode := range []string{"index", "probe"} {
			b.Run(fmt.Sprintf("%s/lines=%d", mode, n), func(b *testing.B) {
				var sb strings.Builder
				for i := range n {
					sb.WriteString(knownhosts.Line([]string{fmt.Sprintf("10.%d.%d.%d", i>>16, (i>>8)&255, i&255)}, testKey(b, i+1, false)) + "\n")
				}
				path := filepath.Join(b.TempDir(), "known_hosts")
				if err := os.WriteFile(path, []byte(sb.String()), 0o600); err != nil {
					b.Fatal(err)
				}
				k := newHostKeys()
				db, err := k.loadDB([]string{path}, false)
				if err != nil {
					b.Fatal(err)
				}
				db.complex = mode == "probe"
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					j := (i * 7919) % n
					ep := &endpoint{host: fmt.Sprintf("10.%d.%d.%d", j>>16, (j>>8)&255, j&255), port: 22, knownHosts: []string{path}}
					if a := k.algorithms(ep); len(a) != 1 || a[0] != ssh.KeyAlgoED25519 {
						b.Fatalf("algorithms %v", a)
					}
				}
			})
		}
	}
}
