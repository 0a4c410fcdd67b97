package main

import (
	"strings"
	"testing"
)

// escapeProperty writes s so that parseProperties reads it back unchanged.
func escapeProperty(s string, key bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\f':
			b.WriteString(`\f`)
		case key && (c == '=' || c == ':' || c == ' '):
			b.WriteByte('\\')
			b.WriteByte(c)
		case (key || i == 0) && (c == ' ' || c == '#' || c == '!'):
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// FuzzParseProperties checks that any text parses without panicking, that
// entry lines lie within the text, and that entries written back with
// escapes parse to the same keys and values.
func FuzzParseProperties(f *testing.F) {
	f.Add("listenPort=9876\n# c\nkvConfigPath : /a/b\n")
	f.Add("a\\\n  b=c\\\\\n")
	f.Add("k=\\u0041\\t\r\n!x\n")
	f.Add("")
	f.Add("\\")
	f.Fuzz(func(t *testing.T, text string) {
		props, err := parseProperties(text)
		if err != nil {
			return
		}
		lines := strings.Count(text, "\n") + 1
		var b strings.Builder
		for _, p := range props {
			if p.Line < 1 || p.Line > lines {
				t.Fatalf("line %d outside 1..%d", p.Line, lines)
			}
			if p.Key == "" {
				continue // "=v" has an empty key; it cannot be written back as is
			}
			b.WriteString(escapeProperty(p.Key, true) + "=" + escapeProperty(p.Value, false) + "\n")
		}
		again, err := parseProperties(b.String())
		if err != nil {
			t.Fatalf("re-parse %q: %v", b.String(), err)
		}
		i := 0
		for _, p := range props {
			if p.Key == "" {
				continue
			}
			if i >= len(again) || again[i].Key != p.Key || again[i].Value != p.Value {
				t.Fatalf("entry %q=%q did not round-trip via %q: %+v", p.Key, p.Value, b.String(), again)
			}
			i++
		}
	})
}
