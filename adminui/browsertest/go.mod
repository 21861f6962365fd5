module github.com/rolegraph/rbac/adminui/browsertest

go 1.25

require (
	github.com/chromedp/chromedp v0.23.0
	github.com/rolegraph/rbac v0.0.0
)

require (
	github.com/chromedp/cdproto v0.159.0 // indirect
	github.com/go-json-experiment/json v0.0.0-20260213210345-44df1a37e875 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)

replace github.com/rolegraph/rbac => ../..
