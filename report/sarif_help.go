package report

import (
	"regexp"
	"strings"

	"github.com/kaudit/kaudit/policies"
)

// sarifRepo is where the repository's own docs cited by sources live.
const sarifRepo = "https://github.com/kaudit/kaudit/blob/main/"

var (
	sarifURL     = regexp.MustCompile(`https?://[^\s,;()<>\x60]+[^\s,;()<>.\x60]`)
	sarifDocPath = regexp.MustCompile(`(^|[\s(,])((?:docs|testdata|examples|policies)/[\w./-]*[\w/])`)
)

// sarifHelp is a rule's help: the description, the remediation and the
// sources, as text and as markdown. In markdown, each remediation step
// ("; "-separated, or the whole text when it has lines) is a code block
// under its label ("label: commands"), and the sources' URLs and
// repository paths are links. Nil when there is nothing to say.
func sarifHelp(d policies.CheckDoc) map[string]any {
	desc, rem := sarifText(d.Description), sarifText(d.Remediation)
	if desc == "" && rem == "" && len(d.Sources) == 0 {
		return nil
	}
	var text, md strings.Builder
	if desc != "" {
		text.WriteString(desc + "\n\n")
		md.WriteString(mdEscape(desc) + "\n\n")
	}
	if rem != "" {
		text.WriteString("Remediation: " + rem + "\n\n")
		md.WriteString("**Remediation**\n\n")
		for _, step := range remediationSteps(rem) {
			label, cmd := step[0], step[1]
			if label != "" {
				md.WriteString(mdEscape(label) + ":\n\n")
			}
			md.WriteString(mdFence(cmd) + "\n\n")
		}
	}
	if len(d.Sources) > 0 {
		text.WriteString("Sources:\n")
		md.WriteString("**Sources**\n\n")
		for _, src := range d.Sources {
			src = sarifText(src)
			text.WriteString("- " + src + "\n")
			md.WriteString("- " + mdLinks(src) + "\n")
		}
	}
	return map[string]any{"text": strings.TrimSpace(text.String()), "markdown": strings.TrimSpace(md.String())}
}

// remediationSteps splits a remediation into (label, commands) steps.
func remediationSteps(rem string) [][2]string {
	if strings.Contains(rem, "\n") {
		return [][2]string{{"", rem}}
	}
	var out [][2]string
	for _, step := range strings.Split(rem, "; ") {
		step = strings.TrimSpace(step)
		if step == "" {
			continue
		}
		label, cmd, ok := strings.Cut(step, ": ")
		if !ok || len(label) > 60 || strings.ContainsAny(label, "/=|&>") && !strings.Contains(label, " ") {
			label, cmd = "", step
		}
		out = append(out, [2]string{label, cmd})
	}
	return out
}

// mdFence puts s in a fenced code block longer than any backtick run in s.
func mdFence(s string) string {
	fence := "```"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	return fence + "sh\n" + s + "\n" + fence
}

// mdEscape escapes markdown's inline syntax in plain text.
func mdEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "<", `\<`, ">", `\>`, "#", `\#`, "|", `\|`)
	return r.Replace(s)
}

// mdLinks escapes s and turns its URLs and repository paths into links.
func mdLinks(s string) string {
	var b strings.Builder
	for s != "" {
		u := sarifURL.FindStringIndex(s)
		p := sarifDocPath.FindStringSubmatchIndex(s)
		switch {
		case u != nil && (p == nil || u[0] <= p[4]):
			b.WriteString(mdEscape(s[:u[0]]))
			url := s[u[0]:u[1]]
			b.WriteString("[" + mdEscape(url) + "](" + url + ")")
			s = s[u[1]:]
		case p != nil:
			b.WriteString(mdEscape(s[:p[4]]))
			path := s[p[4]:p[5]]
			b.WriteString("[" + mdEscape(path) + "](" + sarifRepo + path + ")")
			s = s[p[5]:]
		default:
			b.WriteString(mdEscape(s))
			s = ""
		}
	}
	return b.String()
}
