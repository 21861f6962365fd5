module github.com/rolegraph/rbac/bench

go 1.26.0

require github.com/rolegraph/rbac v0.0.0

require (
	github.com/bmatcuk/doublestar/v4 v4.6.1 // indirect
	github.com/casbin/casbin/v2 v2.135.0
	github.com/casbin/govaluate v1.3.0 // indirect
	github.com/cedar-policy/cedar-go v1.9.2
	github.com/go-json-experiment/json v1.27.2 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/mikespook/gorbac/v2 v2.3.3
	golang.org/x/exp v0.0.0-20220921023135-46d9e7742f1e // indirect
)

replace github.com/rolegraph/rbac => ../
