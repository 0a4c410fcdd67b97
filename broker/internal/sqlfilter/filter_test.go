package sqlfilter

import (
	"errors"
	"strings"
	"testing"
)

func lookupIn(props map[string]string) Lookup {
	return func(name string) (string, bool) {
		v, ok := props[name]
		return v, ok
	}
}

func TestMatch(t *testing.T) {
	props := map[string]string{"a": "10", "b": "x", "TAGS": "TagA", "flag": "true", "s": "it's", "f": "2.5"}
	f := func(expr string, want bool) {
		t.Helper()
		flt, err := Compile(expr)
		if err != nil {
			t.Fatalf("%q: %v", expr, err)
		}
		if got := flt.Match(lookupIn(props)); got != want {
			t.Errorf("%q = %v, want %v", expr, got, want)
		}
	}
	f("a > 5", true)
	f("a >= 10 AND a <= 10", true)
	f("a < 5", false)
	f("a = 10", true)
	f("a <> 10", false)
	f("f BETWEEN 2 AND 3", true)
	f("a NOT BETWEEN 1 AND 20", false)
	f("b = 'x'", true)
	f("b <> 'x'", false)
	f("TAGS IN ('TagA', 'TagB')", true)
	f("TAGS NOT IN ('TagA')", false)
	f("s = 'it''s'", true)
	f("missing IS NULL", true)
	f("a IS NOT NULL", true)
	f("missing = 1", false)
	f("NOT (missing = 1)", false) // unknown stays unknown
	f("missing = 1 OR a = 10", true)
	f("missing = 1 AND a = 10", false)
	f("b > 1", false) // not a number: unknown
	f("flag = TRUE", true)
	f("flag = false", false)
	f("(a > 5 AND b = 'x') OR TAGS = 'none'", true)
	f("not a > 5", false)
	f("TRUE", true)
	f("a > -1.5e1", true)
}

func TestCompileErrors(t *testing.T) {
	for _, bad := range []string{"", "a >", "a > 'x'", "a = 1 AND", "(a = 1", "a IN ()", "a IN (1)", "a BETWEEN 1", "a NOT = 1",
		"'x' = a", "a = 'unterminated", "a ! 1", "a = 1 b = 2", strings.Repeat("(", 300) + "a=1" + strings.Repeat(")", 300),
		strings.Repeat("a", maxExprLen+1)} {
		if _, err := Compile(bad); !errors.Is(err, ErrSyntax) {
			t.Errorf("Compile(%q) = %v, want ErrSyntax", bad, err)
		}
	}
}

func TestMatchAllocatesNothing(t *testing.T) {
	flt, err := Compile("(a > 5 AND b = 'x') OR TAGS IN ('TagA', 'TagB') OR f BETWEEN 1 AND 2")
	if err != nil {
		t.Fatal(err)
	}
	props := map[string]string{"a": "1", "b": "x", "TAGS": "TagC", "f": "3"}
	lookup := lookupIn(props)
	if n := testing.AllocsPerRun(1000, func() { flt.Match(lookup) }); n != 0 {
		t.Fatalf("Match allocates %.1f times", n)
	}
}

// FuzzCompile: any text compiles or fails with ErrSyntax, never panics; a
// compiled filter evaluates without panicking and identically twice.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{"a > 5", "TAGS IN ('a','b') AND NOT (x IS NULL)", "a BETWEEN 1 AND 2 OR b = 'x'", "((((", "a = 'it''s'", "-", ".e5 = a"} {
		f.Add(s, "5")
	}
	f.Fuzz(func(t *testing.T, expr, value string) {
		flt, err := Compile(expr)
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("error %v does not wrap ErrSyntax", err)
			}
			return
		}
		lookup := func(name string) (string, bool) { return value, len(name)%2 == 0 }
		if flt.Match(lookup) != flt.Match(lookup) {
			t.Fatal("Match not deterministic")
		}
		if flt.String() != expr {
			t.Fatal("String does not return the source")
		}
	})
}
