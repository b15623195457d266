# Pure-Rego stand-in for the kaudit.version_compare builtin, for running the
# pack under plain `opa eval` / `opa test`, which lack kaudit's Go builtin:
#
#   opa eval -d policies/kmem -d policies/lib/shim -i facts.json 'data.kaudit.kmem.results'
#
# It implements the grammars of internal/version without regular expressions
# (character classes and comprehensions over split(s, "")) for the kinds rpm,
# runc, docker, kubelet and kernel; semver uses OPA's own semver builtins. A Go
# test feeds it the Go table and fuzz corpus and requires identical answers.
# kaudit itself never loads this file: it loads ../builtin/version.rego.
package kaudit.lib.version

compare(kind, a, b) := c if {
	kind == "semver"
	c := semver.compare(_trim_v(a), _trim_v(b))
} else := c if {
	kind == "rpm"
	x := _rpm(a)
	y := _rpm(b)
	c := _rpm_cmp(x, y)
} else := c if {
	x := _parse(kind, a)
	y := _parse(kind, b)
	c := _ver_cmp(x, y)
}

valid(kind, s) if compare(kind, s, s) == 0

# ---------------------------------------------------------------- characters

_max_len := 256

# _clean(s): non-empty, at most 256 bytes, printable ASCII only.
_clean(s) if {
	is_string(s)
	s != ""
	count(s) <= _max_len
	every c in split(s, "") {
		c > " "
		c < "\u007f"
	}
}

_digit(c) if {
	c >= "0"
	c <= "9"
}

_alpha(c) if {
	c >= "a"
	c <= "z"
}

_alpha(c) if {
	c >= "A"
	c <= "Z"
}

_all_digits(s) if {
	s != ""
	every c in split(s, "") {
		_digit(c)
	}
}

_first(s) := substring(s, 0, 1)

_trim_v(s) := substring(s, 1, -1) if {
	_first(s) in {"v", "V"}
	_digit(substring(s, 1, 1))
} else := s

_trim_zeros(d) := trim_left(d, "0")

_sign(c) := -1 if c < 0

else := 1 if c > 0

else := 0

_strcmp(a, b) := -1 if a < b

else := 1 if a > b

else := 0

_cmp_digits(a, b) := _sign(count(a) - count(b)) if count(a) != count(b)

else := _strcmp(a, b)

_min_or(xs, d) := min(xs) if count(xs) > 0

else := d

_first_nonzero(xs) := x if {
	nz := [v | some v in xs; v != 0]
	count(nz) > 0
	x := nz[0]
} else := 0

_cut_plus(s) := substring(s, 0, indexof(s, "+")) if indexof(s, "+") >= 0

else := s

# ---------------------------------------------------------------- tokens

# class of a character: "n" digit, "a" letter, "~" and "^" themselves when
# special, "s" (separator) otherwise.
_class_of(c, special) := "n" if {
	_digit(c)
} else := "a" if {
	_alpha(c)
} else := c if {
	special == true
	c in {"~", "^"}
} else := "s"

# _tokens(s, special): maximal runs of digits or letters ({"t": "n"|"a", "s"})
# and, when special, each "~" or "^" as its own token; anything else separates.
_tokens(s, special) := [{"t": cls[i], "s": concat("", array.slice(cs, i, _run_end(cls, i)))} |
	some i in _starts(cls)
] if {
	cs := split(s, "")
	count(cs) > 0
	cls := [_class_of(c, special) | some c in cs]
} else := []

_starts(cls) := [i |
	some i, k in cls
	k != "s"
	_starts_run(cls, i)
]

_starts_run(_, i) if i == 0

_starts_run(cls, i) if {
	i > 0
	cls[i] != cls[i - 1]
}

_starts_run(cls, i) if {
	i > 0
	cls[i] in {"~", "^"}
}

_run_end(cls, i) := i + 1 if {
	cls[i] in {"~", "^"}
} else := _min_or([j | some j, k in cls; j > i; k != cls[i]], count(cls))

# alphanumeric identifiers of a pre-release, letters lower-cased.
_alnum(s) := [_ident(t) | some t in _tokens(s, false)]

_ident(t) := {"num": true, "s": _trim_zeros(t.s)} if t.t == "n"

else := {"num": false, "s": lower(t.s)}

# ---------------------------------------------------------------- release numbers

# _leading(s, limit): up to limit dot-separated numbers at the start of s, as
# {"nums": [digits without leading zeros], "rest": the remainder}.
_leading(s, limit) := {"nums": [_trim_zeros(x) | some x in comps], "rest": substring(s, consumed, -1)} if {
	cs := split(s, "")
	plen := _min_or([i | some i, c in cs; not _digit_or_dot(c)], count(cs))
	parts := split(substring(s, 0, plen), ".")
	take := min([limit, _min_or([i | some i, x in parts; x == ""], count(parts))])
	comps := array.slice(parts, 0, take)
	consumed := max([0, (sum([count(x) | some x in comps]) + count(comps)) - 1])
}

_digit_or_dot(c) if _digit(c)

_digit_or_dot(".")

_release(s, limit) := l if {
	l := _leading(s, limit)
	count(l.nums) >= 2
}

# ---------------------------------------------------------------- kinds

_parse(kind, s) := v if {
	_clean(s)
	v := _parse_kind(kind, s)
}

_parse_kind("runc", s) := {"nums": l.nums, "pre": pre} if {
	l := _release(_trim_v(s), 3)
	pre := _runc_pre(_cut_plus(l.rest))
}

_parse_kind("docker", s) := {"nums": l.nums, "pre": pre} if {
	l := _release(_trim_v(s), 3)
	pre := _docker_pre(_cut_plus(l.rest))
}

_parse_kind("kubelet", s) := {"nums": l.nums, "pre": pre} if {
	l := _release(_trim_v(s), 3)
	pre := _kube_pre(_cut_plus(l.rest))
}

_parse_kind("kernel", s) := {"nums": l.nums, "pre": pre} if {
	l := _release(s, 4)
	pre := _kernel_pre(l.rest)
}

# runc: "-rc10", "~rc93" (Debian), "-rc.94"; a suffix starting with a digit
# ("-0ubuntu1") is a packaging revision; the pre-release ends where one starts.
_runc_pre(rest) := [] if {
	rest == ""
} else := [] if {
	_first(rest) in {"-", "~", "."}
	_digit(substring(rest, 1, 1))
} else := pre if {
	_first(rest) in {"-", "~", "."}
	body := substring(rest, 1, -1)
	body != ""
	pre := _alnum(_before_revision(body))
	count(pre) > 0
}

_before_revision(body) := substring(body, 0, i) if {
	cs := split(body, "")
	i := min([j |
		some j, c in cs
		c in {"-", "~"}
		_digit(_at(cs, j + 1))
	])
} else := body

_docker_pre_words := ["rc", "beta", "alpha", "tp", "dev"]

# docker: editions (ce, ee) skipped; a part starting with a digit (packaging)
# or any other word (vendor) ends the suffix; an empty part is an error.
_docker_pre(rest) := [] if {
	rest == ""
} else := [] if {
	_first(rest) in {".", "~"}
} else := pre if {
	_first(rest) == "-"
	parts := split(substring(rest, 1, -1), "-")
	stop := _min_or([i | some i, p in parts; _docker_stop(p)], count(parts))
	every p in array.slice(parts, 0, stop) {
		p != ""
	}
	pre := [id |
		some p in array.slice(parts, 0, stop)
		_docker_is_pre(lower(p))
		some id in _alnum(lower(p))
	]
}

_docker_stop(p) if {
	p != ""
	_digit(_first(p))
}

_docker_stop(p) if {
	p != ""
	not _digit(_first(p))
	not lower(p) in {"ce", "ee"}
	not _docker_is_pre(lower(p))
}

_docker_is_pre(p) if {
	some w in _docker_pre_words
	startswith(p, w)
}

# kubelet: alpha/beta/rc pre-releases; other suffixes are vendor builds.
_kube_pre(rest) := [] if {
	rest == ""
} else := pre if {
	_first(rest) == "-"
	count(rest) > 1
	body := lower(substring(rest, 1, -1))
	some w in ["alpha", "beta", "rc"]
	startswith(body, w)
	pre := _alnum(_cut_dash(body))
} else := [] if {
	_first(rest) == "-"
	count(rest) > 1
}

_cut_dash(s) := substring(s, 0, indexof(s, "-")) if indexof(s, "-") >= 0

else := s

# kernel: "-rcN" is a pre-release; distro suffixes are ignored.
_kernel_pre(rest) := [] if {
	rest == ""
} else := [{"num": false, "s": "rc"}, {"num": true, "s": n}] if {
	startswith(rest, "-rc")
	_digit(substring(rest, 3, 1))
	n := _leading(substring(rest, 3, -1), 1).nums[0]
} else := [] if {
	_first(rest) in {"-", "+", ".", "_", "~"}
}

# ---------------------------------------------------------------- ordering

_at(xs, i) := xs[i] if i < count(xs)

else := ""

_ver_cmp(x, y) := c if {
	n := max([count(x.nums), count(y.nums)])
	c0 := _first_nonzero([_cmp_digits(_at(x.nums, i), _at(y.nums, i)) | some i in numbers.range(0, n - 1)])
	c := _pre_then(c0, x.pre, y.pre)
}

_pre_then(c0, a, b) := c0 if c0 != 0

else := _pre_cmp(a, b)

# SemVer order of pre-release identifiers; a release (empty) is newest.
_pre_cmp(a, b) := 0 if {
	count(a) == 0
	count(b) == 0
} else := 1 if {
	count(a) == 0
} else := -1 if {
	count(b) == 0
} else := c if {
	n := min([count(a), count(b)])
	c := _first_nonzero([_ident_cmp(a[i], b[i]) | some i in numbers.range(0, n - 1)])
	c != 0
} else := _sign(count(a) - count(b))

_ident_cmp(x, y) := _cmp_digits(x.s, y.s) if {
	x.num
	y.num
} else := -1 if {
	x.num
} else := 1 if {
	y.num
} else := _strcmp(x.s, y.s)

# ---------------------------------------------------------------- rpm

_rpm_arches := ["x86_64", "aarch64", "ppc64le", "ppc64", "s390x", "i686", "i586", "i386", "armv7hl", "noarch"]

# _rpm(s): {"epoch", "ver", "rel"} of [epoch:]version[-release][.arch].
_rpm(s) := {"epoch": epoch, "ver": parts[0], "rel": _rel(parts)} if {
	_clean(s)
	e := _rpm_epoch(s)
	epoch := e[0]
	body := _rpm_strip_arch(e[1])
	_digit(_first(body))
	every c in split(body, "") {
		_rpm_char(c)
	}
	parts := split(body, "-")
	count(parts) <= 2
}

_rel(parts) := parts[1] if count(parts) == 2

else := ""

_rpm_epoch(s) := ["", s] if {
	indexof(s, ":") < 0
} else := [_trim_zeros(e), substring(s, i + 1, -1)] if {
	i := indexof(s, ":")
	e := substring(s, 0, i)
	_all_digits(e)
}

_rpm_char(c) if _digit(c)

_rpm_char(c) if _alpha(c)

_rpm_char(c) if c in {".", "_", "+", "~", "^", "-"}

_rpm_strip_arch(s) := substring(s, 0, cuts[0]) if {
	cuts := [i |
		some a in _rpm_arches
		i := indexof(s, concat("", [".", a]))
		i > 0
		_arch_ends(s, (i + 1) + count(a))
	]
	count(cuts) > 0
} else := s

_arch_ends(s, end) if end == count(s)

_arch_ends(s, end) if substring(s, end, 1) in {".", "+"}

_rpm_cmp(x, y) := c if {
	c := _first_nonzero([
		_cmp_digits(x.epoch, y.epoch),
		_rpmvercmp(x.ver, y.ver),
		_rpmvercmp(x.rel, y.rel),
	])
}

# rpmvercmp as a walk over aligned tokens: each step consumes one token of each
# side, so the answer is the first step that is not 0.
_rpmvercmp(a, b) := 0 if {
	a == b
} else := _first_nonzero([_rpm_step(ta, tb, k) | some k in numbers.range(0, max([count(ta), count(tb)]))]) if {
	ta := _tokens(a, true)
	tb := _tokens(b, true)
}

_tt(t, k) := t[k].t if k < count(t)

else := "end"

_rpm_step(a, b, k) := 0 if {
	_tt(a, k) == "end"
	_tt(b, k) == "end"
} else := 1 if {
	"~" in {_tt(a, k), _tt(b, k)}
	_tt(a, k) != "~"
} else := -1 if {
	"~" in {_tt(a, k), _tt(b, k)}
	_tt(b, k) != "~"
} else := 0 if {
	_tt(a, k) == "~"
} else := -1 if {
	"^" in {_tt(a, k), _tt(b, k)}
	_tt(a, k) == "end"
} else := 1 if {
	"^" in {_tt(a, k), _tt(b, k)}
	_tt(b, k) == "end"
} else := 1 if {
	"^" in {_tt(a, k), _tt(b, k)}
	_tt(a, k) != "^"
} else := -1 if {
	"^" in {_tt(a, k), _tt(b, k)}
	_tt(b, k) != "^"
} else := 0 if {
	_tt(a, k) == "^"
} else := -1 if {
	_tt(a, k) == "end"
} else := 1 if {
	_tt(b, k) == "end"
} else := 1 if {
	_tt(a, k) == "n"
	_tt(b, k) == "a"
} else := -1 if {
	_tt(a, k) == "a"
	_tt(b, k) == "n"
} else := _cmp_digits(_trim_zeros(a[k].s), _trim_zeros(b[k].s)) if {
	_tt(a, k) == "n"
} else := _strcmp(a[k].s, b[k].s)
