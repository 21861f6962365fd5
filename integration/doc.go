// Package integration runs the store conformance suite against real databases.
package integration
