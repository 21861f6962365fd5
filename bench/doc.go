// Package bench compares rolegraph with Casbin, gorbac and cedar-go.
package bench
