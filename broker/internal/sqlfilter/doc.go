// Package sqlfilter compiles and evaluates RocketMQ's SQL92 message filters
// (the "SQL92" expression type of a subscription), as RocketMQ's filter
// module does over message properties:
//
//	expr   := or
//	or     := and { OR and }
//	and    := not { AND not }
//	not    := NOT not | cmp
//	cmp    := ident op literal | ident [NOT] BETWEEN num AND num
//	        | ident [NOT] IN ( string {, string} ) | ident IS [NOT] NULL
//	        | ( expr ) | TRUE | FALSE
//	op     := = | <> | > | >= | < | <=
//
// Identifiers name message properties (TAGS among them). Literals are
// numbers (123, -4, 3.14), single-quoted strings ('it”s') and TRUE/FALSE.
// A property is a string; compared with a number it is read as one (a value
// that is not a number makes the comparison false). A missing property makes
// every comparison false, as SQL's NULL does; only IS NULL is true for it.
// Keywords are case-insensitive.
//
// Compile returns a *Filter; Filter.Match evaluates it against a lookup
// function and allocates nothing. Callers: broker's pull path, for
// subscriptions whose expression type is SQL92.
package sqlfilter
