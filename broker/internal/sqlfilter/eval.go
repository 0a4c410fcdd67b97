package sqlfilter

import (
	"strconv"
	"strings"
)

// tri is SQL's three-valued truth.
type tri uint8

const (
	triFalse tri = iota
	triTrue
	triUnknown
)

func triOf(b bool) tri {
	if b {
		return triTrue
	}
	return triFalse
}

// Lookup returns a message property's value and whether it is present. The
// string need only be valid during the call.
type Lookup func(name string) (string, bool)

// Match reports whether the message whose properties lookup reads passes
// the filter (the expression is TRUE; FALSE and unknown do not pass).
func (f *Filter) Match(lookup Lookup) bool {
	return eval(f.root, lookup) == triTrue
}

func eval(n *node, lookup Lookup) tri {
	switch n.kind {
	case nConst:
		return triOf(n.val)
	case nAnd:
		l := eval(n.left, lookup)
		if l == triFalse {
			return triFalse
		}
		r := eval(n.right, lookup)
		switch {
		case r == triFalse:
			return triFalse
		case l == triTrue && r == triTrue:
			return triTrue
		}
		return triUnknown
	case nOr:
		l := eval(n.left, lookup)
		if l == triTrue {
			return triTrue
		}
		r := eval(n.right, lookup)
		switch {
		case r == triTrue:
			return triTrue
		case l == triFalse && r == triFalse:
			return triFalse
		}
		return triUnknown
	case nNot:
		switch eval(n.left, lookup) {
		case triTrue:
			return triFalse
		case triFalse:
			return triTrue
		}
		return triUnknown
	case nIsNull:
		_, ok := lookup(n.prop)
		return triOf(ok == n.negate)
	}
	v, ok := lookup(n.prop)
	if !ok {
		return triUnknown
	}
	switch n.kind {
	case nCmp:
		return compare(n, v)
	case nBetween:
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return triUnknown
		}
		return triOf((x >= n.lo && x <= n.hi) != n.negate)
	case nIn:
		in := false
		for _, s := range n.set {
			if s == v {
				in = true
				break
			}
		}
		return triOf(in != n.negate)
	}
	return triUnknown
}

// compare evaluates prop op literal for a present property value v.
func compare(n *node, v string) tri {
	if n.litKind != tNumber {
		eq := v == n.str
		if n.litKind == tKeyword { // booleans compare case-insensitively
			eq = strings.EqualFold(v, n.str)
		}
		return triOf(eq == (n.op == "="))
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return triUnknown
	}
	switch n.op {
	case "=":
		return triOf(x == n.num)
	case "<>":
		return triOf(x != n.num)
	case ">":
		return triOf(x > n.num)
	case ">=":
		return triOf(x >= n.num)
	case "<":
		return triOf(x < n.num)
	case "<=":
		return triOf(x <= n.num)
	}
	return triUnknown
}
