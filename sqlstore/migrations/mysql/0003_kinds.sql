-- Declared resource kinds (rbac.Kind): once any is declared, requests,
-- plans, ownership rules and stored owners must name one of them.
CREATE TABLE IF NOT EXISTS rbac_kinds (
    name VARCHAR(128) NOT NULL,
    title TEXT NOT NULL,
    PRIMARY KEY (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
