module github.com/rolegraph/rbac/integration

go 1.24.0

require github.com/rolegraph/rbac v0.0.0

replace github.com/rolegraph/rbac => ../
