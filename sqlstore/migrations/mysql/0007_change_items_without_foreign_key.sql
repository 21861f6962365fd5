-- Schema 7 (mysql): rbac_change_items loses its foreign key to
-- rbac_changes, as on PostgreSQL. sqlstore writes a change set's items in
-- the transaction that writes the set, and Prune deletes them before the
-- sets, so the key checked nothing that the store does not already ensure,
-- and it cost a parent lookup and lock per logged change. (MySQL has no
-- DROP FOREIGN KEY IF EXISTS: Migrate takes error 1091 on a re-run as done.)
ALTER TABLE rbac_change_items DROP FOREIGN KEY rbac_change_items_ibfk_1;
