# shellcheck shell=bash
# Sourced by .ci/run: makes PostgreSQL and MariaDB available for the
# integration tests and exports their DSNs. It installs a server that is
# absent (apt-get), starts one that is down, waits until it accepts
# connections, and creates a test user that may create and drop the
# per-test databases. RBAC_TEST_REQUIRE_DBS=1 makes a missing database fail
# the tests instead of skipping them.

rbac_ci_log() { echo "databases: $*" >&2; }

rbac_ci_wait() { # command... : retry for up to 60s
	local i
	for i in $(seq 1 120); do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.5
	done
	rbac_ci_log "gave up waiting for: $*"
	return 1
}

rbac_ci_apt() {
	rbac_ci_log "installing $*"
	apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

rbac_ci_postgres() {
	if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
		rbac_ci_apt postgresql postgresql-client
	fi
	if ! pg_isready -q -h 127.0.0.1 -p 5432; then
		local version
		version=$(ls /etc/postgresql | sort -V | tail -n 1)
		rbac_ci_log "starting PostgreSQL $version"
		pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
	fi
	rbac_ci_wait pg_isready -q -h 127.0.0.1 -p 5432 || return 1
	# As the superuser: over TCP if it trusts us, else through the socket.
	local sql="DO \$\$ BEGIN
		IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rbac_test') THEN
			CREATE ROLE rbac_test LOGIN CREATEDB PASSWORD 'rbac_test';
		END IF;
	END \$\$;"
	psql -q -h 127.0.0.1 -U postgres -d postgres -c "$sql" >/dev/null 2>&1 ||
		runuser -u postgres -- psql -q -d postgres -c "$sql" >/dev/null
	export RBAC_TEST_POSTGRES_DSN="postgres://rbac_test:rbac_test@127.0.0.1:5432/postgres?sslmode=disable"
}

rbac_ci_mariadb() {
	if ! [ -x /usr/sbin/mariadbd ]; then
		rbac_ci_apt mariadb-server mariadb-client
	fi
	if ! mysqladmin --protocol=tcp -h 127.0.0.1 -u root ping >/dev/null 2>&1 &&
		! mysqladmin ping >/dev/null 2>&1; then
		rbac_ci_log "starting MariaDB"
		mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
		start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
	fi
	rbac_ci_wait mysqladmin ping || rbac_ci_wait mysqladmin --protocol=tcp -h 127.0.0.1 -u root ping || return 1
	# The test user creates, drops and kills inside its own rbac_test_*
	# databases; root may only be reachable through the socket.
	local sql="CREATE USER IF NOT EXISTS 'rbac_test'@'127.0.0.1' IDENTIFIED BY 'rbac_test';
		CREATE USER IF NOT EXISTS 'rbac_test'@'localhost' IDENTIFIED BY 'rbac_test';
		GRANT ALL PRIVILEGES ON \`rbac\\_test\\_%\`.* TO 'rbac_test'@'127.0.0.1';
		GRANT ALL PRIVILEGES ON \`rbac\\_test\\_%\`.* TO 'rbac_test'@'localhost';"
	mysql -u root -e "$sql" 2>/dev/null || mysql --protocol=tcp -h 127.0.0.1 -u root -e "$sql"
	export RBAC_TEST_MYSQL_DSN="rbac_test:rbac_test@tcp(127.0.0.1:3306)/"
}

rbac_ci_postgres || rbac_ci_log "PostgreSQL is not available"
rbac_ci_mariadb || rbac_ci_log "MariaDB is not available"
export RBAC_TEST_REQUIRE_DBS=1
rbac_ci_log "postgres: ${RBAC_TEST_POSTGRES_DSN:-unset}; mariadb: ${RBAC_TEST_MYSQL_DSN:-unset}"
