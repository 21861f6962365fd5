module github.com/rolegraph/rbac/examples

go 1.24.0

require (
	github.com/google/go-cmp v0.7.0
	github.com/rolegraph/rbac v0.0.0
)

require gopkg.in/yaml.v3 v3.0.1 // indirect

replace github.com/rolegraph/rbac => ../
