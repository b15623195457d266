package parse

import "strings"

// shellAssignments parses NAME=value lines the way sh would for the simple
// forms found in /etc/os-release and /etc/default/grub: "double" (with \ escapes
// and $NAME / ${NAME} expansion from env and earlier lines), 'single' and bare
// words, concatenated. Lines that are not assignments (comments, commands,
// `if`) are skipped; $(...) and `...` are kept literally. env, when not nil, is
// read and updated (so that later files see earlier values).
func shellAssignments(body []byte, env map[string]string) map[string]string {
	if env == nil {
		env = map[string]string{}
	}
	for _, l := range lines(body) {
		l = strings.TrimSpace(l)
		l = strings.TrimPrefix(l, "export ")
		eq := strings.IndexByte(l, '=')
		if eq <= 0 || !isName(l[:eq]) {
			continue
		}
		v, ok := shellWord(l[eq+1:], env)
		if !ok {
			continue
		}
		env[l[:eq]] = v
	}
	return env
}

func isName(s string) bool {
	for i, c := range s {
		if c != '_' && (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return s != ""
}

// shellWord reads one shell word from s (up to unquoted blank or #). It
// reports false for an unterminated quote.
func shellWord(s string, env map[string]string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == ';':
			return b.String(), true
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return "", false
			}
			b.WriteString(s[i+1 : i+1+j])
			i += j + 1
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				switch {
				case s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0:
					i++
					b.WriteByte(s[i])
				case s[i] == '$':
					v, n := expand(s[i:], env)
					b.WriteString(v)
					i += n - 1
				default:
					b.WriteByte(s[i])
				}
			}
			if i >= len(s) {
				return "", false
			}
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case c == '$':
			v, n := expand(s[i:], env)
			b.WriteString(v)
			i += n - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), true
}

// expand expands a $NAME or ${NAME} at the start of s; it returns the value
// and the number of bytes consumed. Anything else is kept literally.
func expand(s string, env map[string]string) (string, int) {
	if strings.HasPrefix(s, "${") {
		j := strings.IndexByte(s, '}')
		if j > 2 && isName(s[2:j]) {
			return env[s[2:j]], j + 1
		}
		return "$", 1
	}
	j := 1
	for j < len(s) && isName(s[1:j+1]) {
		j++
	}
	if j == 1 {
		return "$", 1
	}
	return env[s[1:j]], j
}
