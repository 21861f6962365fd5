-- Declared resource kinds (rbac.Kind): once any is declared, requests,
-- plans, ownership rules and stored owners must name one of them.
CREATE TABLE IF NOT EXISTS rbac_kinds (
    name TEXT COLLATE "C" NOT NULL,
    title TEXT NOT NULL,
    PRIMARY KEY (name)
);
