package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// property is one key=value pair of a properties file, with its line.
type property struct {
	Key, Value string
	Line       int // 1-based line where the entry starts
}

// errProperties reports a malformed properties file.
var errProperties = errors.New("mqnamesrv: malformed properties file")

// parseProperties reads Java properties text (java.util.Properties.load),
// the format of namesrv.conf and broker.conf: blank lines and lines whose
// first non-blank character is '#' or '!' are comments; the key ends at the
// first unescaped '=', ':' or blank; a line ending in an odd number of
// backslashes continues on the next line; \t \n \r \f \uXXXX and \<char>
// escapes are decoded in keys and values. Entries come back in file order;
// a repeated key appears twice (the last one wins when applied).
func parseProperties(text string) ([]property, error) {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	var out []property
	for i := 0; i < len(lines); i++ {
		start := i + 1
		line := strings.TrimLeft(lines[i], " \t\f")
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		for continues(line) && i+1 < len(lines) {
			i++
			line = line[:len(line)-1] + strings.TrimLeft(lines[i], " \t\f")
		}
		if continues(line) {
			line = line[:len(line)-1]
		}
		p, err := splitEntry(line)
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", errProperties, start, err)
		}
		p.Line = start
		out = append(out, p)
	}
	return out, nil
}

// continues reports whether line ends in an odd number of backslashes.
func continues(line string) bool {
	n := 0
	for i := len(line) - 1; i >= 0 && line[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// splitEntry splits one logical line into its unescaped key and value.
func splitEntry(line string) (property, error) {
	end := len(line)
	for i := 0; i < len(line); i++ {
		c := line[i]
		if c == '\\' {
			i++
			continue
		}
		if c == '=' || c == ':' || c == ' ' || c == '\t' || c == '\f' {
			end = i
			break
		}
	}
	rawKey, rest := line[:end], line[end:]
	rest = strings.TrimLeft(rest, " \t\f")
	if rest != "" && (rest[0] == '=' || rest[0] == ':') {
		rest = strings.TrimLeft(rest[1:], " \t\f")
	}
	key, err := unescape(rawKey)
	if err != nil {
		return property{}, err
	}
	value, err := unescape(rest)
	if err != nil {
		return property{}, err
	}
	return property{Key: key, Value: value}, nil
}

// unescape decodes the properties escapes in s.
func unescape(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if i+5 > len(s) {
				return "", fmt.Errorf("short \\u escape in %q", s)
			}
			n, err := strconv.ParseUint(s[i+1:i+5], 16, 16)
			if err != nil {
				return "", fmt.Errorf("bad \\u escape in %q", s)
			}
			b.WriteRune(rune(n))
			i += 4
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), nil
}
