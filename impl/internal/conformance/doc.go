// Package conformance is impl's pattern test kit, in the style of mangos'
// internal/test: one Verify function per pattern that exercises it over real
// sockets, run by each pattern's tests over every transport of
// testkit.Matrix (inproc, tcp, tls+tcp).
package conformance
