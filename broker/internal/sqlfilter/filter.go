package sqlfilter

import (
	"fmt"
	"strconv"
	"strings"
)

// Filter is a compiled expression. It is immutable and safe for concurrent
// use.
type Filter struct {
	root *node
	text string
}

// String returns the source expression.
func (f *Filter) String() string { return f.text }

type nodeKind int

const (
	nConst nodeKind = iota
	nAnd
	nOr
	nNot
	nCmp     // prop op literal
	nBetween // prop [NOT] BETWEEN lo AND hi
	nIn      // prop [NOT] IN (...)
	nIsNull  // prop IS [NOT] NULL
)

type node struct {
	kind        nodeKind
	left, right *node
	prop        string
	op          string // for nCmp
	str         string // string literal
	num         float64
	litKind     tokKind // tString, tNumber or tKeyword (TRUE/FALSE)
	lo, hi      float64
	set         []string
	negate      bool // NOT BETWEEN, NOT IN, IS NOT NULL
	val         bool // nConst
}

// Compile parses expr.
func Compile(expr string) (*Filter, error) {
	toks, err := lex(expr)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	root, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.errorf(t, "unexpected %q", t.text)
	}
	return &Filter{root: root, text: expr}, nil
}

type parser struct {
	toks  []token
	i     int
	depth int
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}
func (p *parser) keyword(k string) bool {
	if t := p.peek(); t.kind == tKeyword && t.text == k {
		p.i++
		return true
	}
	return false
}
func (p *parser) errorf(t token, format string, args ...any) error {
	return fmt.Errorf("%w at %d: %s", ErrSyntax, t.pos, fmt.Sprintf(format, args...))
}

func (p *parser) or() (*node, error) {
	left, err := p.and()
	for err == nil && p.keyword("OR") {
		var right *node
		if right, err = p.and(); err == nil {
			left = &node{kind: nOr, left: left, right: right}
		}
	}
	return left, err
}

func (p *parser) and() (*node, error) {
	left, err := p.not()
	for err == nil && p.keyword("AND") {
		var right *node
		if right, err = p.not(); err == nil {
			left = &node{kind: nAnd, left: left, right: right}
		}
	}
	return left, err
}

func (p *parser) not() (*node, error) {
	if p.depth++; p.depth > 200 {
		return nil, p.errorf(p.peek(), "nested too deeply")
	}
	defer func() { p.depth-- }()
	if p.keyword("NOT") {
		n, err := p.not()
		if err != nil {
			return nil, err
		}
		return &node{kind: nNot, left: n}, nil
	}
	return p.primary()
}

func (p *parser) primary() (*node, error) {
	t := p.next()
	switch {
	case t.kind == tLParen:
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tRParen {
			return nil, p.errorf(c, "want )")
		}
		return n, nil
	case t.kind == tKeyword && (t.text == "TRUE" || t.text == "FALSE"):
		return &node{kind: nConst, val: t.text == "TRUE"}, nil
	case t.kind == tIdent:
		return p.predicate(t.text)
	}
	return nil, p.errorf(t, "unexpected %q", t.text)
}

// predicate parses what follows a property name.
func (p *parser) predicate(prop string) (*node, error) {
	negate := p.keyword("NOT")
	switch {
	case p.keyword("BETWEEN"):
		lo, err := p.number()
		if err != nil {
			return nil, err
		}
		if !p.keyword("AND") {
			return nil, p.errorf(p.peek(), "want AND in BETWEEN")
		}
		hi, err := p.number()
		if err != nil {
			return nil, err
		}
		return &node{kind: nBetween, prop: prop, lo: lo, hi: hi, negate: negate}, nil
	case p.keyword("IN"):
		return p.in(prop, negate)
	case negate:
		return nil, p.errorf(p.peek(), "want BETWEEN or IN after NOT")
	case p.keyword("IS"):
		not := p.keyword("NOT")
		if !p.keyword("NULL") {
			return nil, p.errorf(p.peek(), "want NULL")
		}
		return &node{kind: nIsNull, prop: prop, negate: not}, nil
	}
	op := p.next()
	if op.kind != tOp {
		return nil, p.errorf(op, "want a comparison after %s", prop)
	}
	lit := p.next()
	n := &node{kind: nCmp, prop: prop, op: op.text, litKind: lit.kind}
	switch {
	case lit.kind == tNumber:
		v, err := strconv.ParseFloat(lit.text, 64)
		if err != nil {
			return nil, p.errorf(lit, "bad number %q", lit.text)
		}
		n.num = v
	case lit.kind == tString || (lit.kind == tKeyword && (lit.text == "TRUE" || lit.text == "FALSE")):
		if op.text != "=" && op.text != "<>" {
			return nil, p.errorf(op, "strings and booleans compare only with = and <>")
		}
		n.str = lit.text
		if lit.kind == tKeyword {
			n.str = strings.ToLower(lit.text)
		}
	default:
		return nil, p.errorf(lit, "want a literal")
	}
	return n, nil
}

func (p *parser) number() (float64, error) {
	t := p.next()
	if t.kind != tNumber {
		return 0, p.errorf(t, "want a number")
	}
	v, err := strconv.ParseFloat(t.text, 64)
	if err != nil {
		return 0, p.errorf(t, "bad number %q", t.text)
	}
	return v, nil
}

func (p *parser) in(prop string, negate bool) (*node, error) {
	if t := p.next(); t.kind != tLParen {
		return nil, p.errorf(t, "want ( after IN")
	}
	n := &node{kind: nIn, prop: prop, negate: negate}
	for {
		t := p.next()
		if t.kind != tString {
			return nil, p.errorf(t, "want a string in IN")
		}
		n.set = append(n.set, t.text)
		switch t := p.next(); t.kind {
		case tComma:
			continue
		case tRParen:
			return n, nil
		default:
			return nil, p.errorf(t, "want , or )")
		}
	}
}
