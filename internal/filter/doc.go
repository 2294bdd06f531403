// Package filter implements ss(8)'s filter language (iproute2 6.1 is the
// reference) and the fields sockscope adds to it: a lexer and parser to an
// expression tree, a canonical printer, an evaluator over sockets.Socket
// with ss's exact semantics, and a planner that splits an expression into
// what the kernel filters (a state mask and inet_diag bytecode), what runs
// after the dump, and what runs after owner attribution.
//
// The grammar, precedence and every field are described in docs/filters.md.
// In short: and/or are of equal precedence and group from the left, as in
// ss ("a or b and c" is "(a or b) and c"); not binds to the next term.
package filter
