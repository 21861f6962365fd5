module github.com/rolegraph/rbac/bench

go 1.24.0

require github.com/rolegraph/rbac v0.0.0

require (
	github.com/bmatcuk/doublestar/v4 v4.6.1 // indirect
	github.com/casbin/casbin/v2 v2.135.0
	github.com/casbin/govaluate v1.3.0 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/mikespook/gorbac/v2 v2.3.3
)

replace github.com/rolegraph/rbac => ../
