package sqlfilter

import (
	"errors"
	"fmt"
	"strings"
)

// ErrSyntax is returned, wrapped with the position, for an expression that
// does not parse.
var ErrSyntax = errors.New("sqlfilter: syntax error")

// maxExprLen bounds an expression's length (and so the parser's recursion).
const maxExprLen = 4096

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tString
	tNumber
	tOp     // = <> > >= < <=
	tLParen // (
	tRParen // )
	tComma
	tKeyword // AND OR NOT BETWEEN IN IS NULL TRUE FALSE
)

type token struct {
	kind tokKind
	text string // identifier, unquoted string, number, operator, upper-cased keyword
	pos  int
}

var keywords = map[string]bool{"AND": true, "OR": true, "NOT": true, "BETWEEN": true, "IN": true,
	"IS": true, "NULL": true, "TRUE": true, "FALSE": true}

// lex splits an expression into tokens.
func lex(s string) ([]token, error) {
	if len(s) > maxExprLen {
		return nil, fmt.Errorf("%w: expression longer than %d bytes", ErrSyntax, maxExprLen)
	}
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			out, i = append(out, token{tLParen, "(", i}), i+1
		case c == ')':
			out, i = append(out, token{tRParen, ")", i}), i+1
		case c == ',':
			out, i = append(out, token{tComma, ",", i}), i+1
		case c == '=':
			out, i = append(out, token{tOp, "=", i}), i+1
		case c == '<' || c == '>':
			op := string(c)
			if i+1 < len(s) && (s[i+1] == '=' || (c == '<' && s[i+1] == '>')) {
				op += string(s[i+1])
			}
			out, i = append(out, token{tOp, op, i}), i+len(op)
		case c == '\'':
			str, n, err := lexString(s[i:])
			if err != nil {
				return nil, fmt.Errorf("%w at %d: %v", ErrSyntax, i, err)
			}
			out, i = append(out, token{tString, str, i}), i+n
		case c == '-' || c == '.' || (c >= '0' && c <= '9'):
			j := i + 1
			for j < len(s) && (s[j] == '.' || s[j] == 'e' || s[j] == 'E' || (s[j] >= '0' && s[j] <= '9')) {
				j++
			}
			out, i = append(out, token{tNumber, s[i:j], i}), j
		case isIdentStart(c):
			j := i + 1
			for j < len(s) && isIdentPart(s[j]) {
				j++
			}
			word := s[i:j]
			if up := strings.ToUpper(word); keywords[up] {
				out = append(out, token{tKeyword, up, i})
			} else {
				out = append(out, token{tIdent, word, i})
			}
			i = j
		default:
			return nil, fmt.Errorf("%w at %d: unexpected %q", ErrSyntax, i, c)
		}
	}
	return append(out, token{tEOF, "", len(s)}), nil
}

// lexString reads a single-quoted string (” is a quote) and returns it
// and the bytes consumed.
func lexString(s string) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] != '\'' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		return b.String(), i + 1, nil
	}
	return "", 0, errors.New("unterminated string")
}

func isIdentStart(c byte) bool {
	return c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentPart(c byte) bool {
	return isIdentStart(c) || (c >= '0' && c <= '9') || c == '.' || c == '#'
}
