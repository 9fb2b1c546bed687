// Package interop holds the tests that check impl against the C reference
// implementation, Debian's nngcat (package nng-utils): that any NNG peer can
// speak the envelope over the wire. It has no code of its own.
package interop
