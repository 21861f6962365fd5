// LISTEN/NOTIFY wake-ups for sqlstore followers on PostgreSQL: a module of
// its own so that sqlstore imports no driver (this one imports pgx).
module github.com/rolegraph/rbac/sqlstore/pgnotify

go 1.25

require (
	github.com/jackc/pgx/v5 v5.8.0
	github.com/rolegraph/rbac v0.0.0
)

require (
	github.com/jackc/pgpassfile v1.0.0 // indirect
	github.com/jackc/pgservicefile v0.0.0-20240606120523-5a60cdf6a761 // indirect
	github.com/kr/text v0.2.0 // indirect
	github.com/rogpeppe/go-internal v1.16.0 // indirect
	golang.org/x/text v0.29.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)

replace github.com/rolegraph/rbac => ../../
