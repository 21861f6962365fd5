// Package bench compares rolegraph with Casbin and gorbac.
package bench
