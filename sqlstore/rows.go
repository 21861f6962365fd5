package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/rolegraph/rbac"
)

// querier is what both a *sql.Tx and a *sql.Conn (inside a transaction
// begun by hand, for SQLite) offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// keyFilter renders "WHERE <keys> IN (...)" for n keys of the table.
func keyFilter(keyCols []string, n int) string {
	var b strings.Builder
	b.WriteString(" WHERE ")
	if len(keyCols) == 1 {
		b.WriteString(keyCols[0])
		b.WriteString(" IN (")
		for i := range n {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('?')
		}
		b.WriteByte(')')
		return b.String()
	}
	b.WriteByte('(')
	b.WriteString(strings.Join(keyCols, ", "))
	b.WriteString(") IN (")
	tuple := "(" + strings.Repeat("?, ", len(keyCols)-1) + "?)"
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(tuple)
	}
	b.WriteByte(')')
	return b.String()
}

func keyArgs(keys [][]string) []any {
	var args []any
	for _, k := range keys {
		for _, v := range k {
			args = append(args, v)
		}
	}
	return args
}

// chunks calls f with consecutive pieces of keys of at most maxRows.
func chunks(keys [][]string, f func([][]string) error) error {
	for len(keys) > 0 {
		n := min(len(keys), maxRows)
		if err := f(keys[:n]); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}

// readRecords reads the records of a table: all of them ordered by key if
// keys is nil, else those with the given keys (in no particular order).
func (s *Store) readRecords(ctx context.Context, q querier, t *entityTable, keys [][]string) ([]record, error) {
	return s.readRecordsWith(ctx, q, t, keys, newListDecoder())
}

// readRecordsWith is readRecords decoding list columns with dec.
func (s *Store) readRecordsWith(ctx context.Context, q querier, t *entityTable, keys [][]string, dec *listDecoder) ([]record, error) {
	var recs []record
	var index map[string]int // record by key, for lists in tables
	for _, l := range t.lists {
		if !l.inColumn() {
			index = make(map[string]int)
		}
	}
	if keys == nil {
		if err := s.readParents(ctx, q, t, "", nil, &recs, index, dec, nil); err != nil {
			return nil, err
		}
		for i, l := range t.lists {
			if l.inColumn() {
				continue
			}
			if err := s.readList(ctx, q, t, i, "", nil, recs, index); err != nil {
				return nil, err
			}
		}
		return recs, nil
	}
	if len(keys) >= bulkRows {
		// Many keys (an import): reading them with IN lists takes a query
		// per thousand keys, to find none in a new store. Read the table
		// whole instead when it is empty or not much larger.
		var n int
		if err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+t.name).Scan(&n); err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, nil
		}
		if n <= 2*len(keys) {
			all, err := s.readRecords(ctx, q, t, nil)
			if err != nil {
				return nil, err
			}
			wanted := make(map[string]bool, len(keys))
			for _, k := range keys {
				wanted[keyString(k)] = true
			}
			return slices.DeleteFunc(all, func(r record) bool { return !wanted[keyString(r.key)] }), nil
		}
	}
	err := chunks(keys, func(part [][]string) error {
		return s.readParents(ctx, q, t, keyFilter(t.keys, len(part)), keyArgs(part), &recs, index, dec, nil)
	})
	if err != nil || len(recs) == 0 {
		return recs, err
	}
	found := make([][]string, len(recs))
	for i, r := range recs {
		found[i] = r.key
	}
	for i, l := range t.lists {
		if l.inColumn() {
			continue
		}
		err := chunks(found, func(part [][]string) error {
			return s.readList(ctx, q, t, i, keyFilter(l.keys, len(part)), keyArgs(part), recs, index)
		})
		if err != nil {
			return nil, err
		}
	}
	return recs, nil
}

// parentColumns lists the columns of an entity's row: key, scalars, then
// the list columns.
func (t *entityTable) parentColumns() []string { return t.columnList(false) }

// selectColumns is parentColumns as readParents selects them. On SQLite
// the text columns (keys, text values, lists) are read as BLOB:
// modernc.org/sqlite looks up a TEXT column's declared type for every row
// (to parse dates), under the connection's mutex, and hands a BLOB over
// as it is; that lookup was a tenth of a large load's CPU
// (BenchmarkScale/SQLite).
func (t *entityTable) selectColumns(d Dialect) []string { return t.columnList(d == SQLite) }

func (t *entityTable) columnList(textAsBlob bool) []string {
	text := func(c string) string {
		if textAsBlob {
			return "CAST(" + c + " AS BLOB)"
		}
		return c
	}
	var cols []string
	for _, k := range t.keys {
		cols = append(cols, text(k))
	}
	for _, c := range t.cols {
		if c.typ == textCol {
			cols = append(cols, text(c.name))
		} else {
			cols = append(cols, c.name)
		}
	}
	for _, l := range t.lists {
		if l.inColumn() {
			cols = append(cols, text(l.column))
		}
	}
	return cols
}

// streamRecords calls size with the number of records of table t, then
// emit with each, decoding list columns with dec. A table whose lists are
// all in columns is counted and then streamed as its rows arrive (a load
// hands the users over while it reads them); others are read whole first,
// to gather their list tables' rows.
func (s *Store) streamRecords(ctx context.Context, q querier, t *entityTable, dec *listDecoder, size func(int), emit func(record) error) error {
	for _, l := range t.lists {
		if !l.inColumn() {
			recs, err := s.readRecordsWith(ctx, q, t, nil, dec)
			if err != nil {
				return err
			}
			size(len(recs))
			for i, r := range recs {
				recs[i] = record{} // let the rows go as they are handed over
				if err := emit(r); err != nil {
					return err
				}
			}
			return nil
		}
	}
	var n int
	if err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+t.name).Scan(&n); err != nil {
		return err
	}
	size(n)
	return s.readParents(ctx, q, t, "", nil, nil, nil, dec, emit)
}

// readParents reads entity rows, with the lists kept in their columns.
// Scalars are scanned into reused variables and list columns as raw bytes,
// decoded with interning, so a row costs its record and its lists. Records
// are appended to *recs, or passed to emit if it is not nil.
func (s *Store) readParents(ctx context.Context, q querier, t *entityTable, where string, args []any, recs *[]record, index map[string]int, dec *listDecoder, emit func(record) error) error {
	cols := t.selectColumns(s.dialect)
	query := "SELECT " + strings.Join(cols, ", ") + " FROM " + t.name + where + " ORDER BY " + strings.Join(t.keys, ", ")
	rows, err := q.QueryContext(ctx, s.dialect.rebind(query), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	nk := len(t.keys)
	key := make([]sql.RawBytes, nk)
	texts := make([]sql.RawBytes, len(t.cols))
	ints := make([]int64, len(t.cols))
	bools := make([]bool, len(t.cols))
	var listCols []int // indexes in t.lists of the lists in columns
	for i, l := range t.lists {
		if l.inColumn() {
			listCols = append(listCols, i)
		}
	}
	lists := make([]sql.RawBytes, len(listCols))
	dest := make([]any, 0, len(cols))
	for i := range key {
		dest = append(dest, &key[i])
	}
	for i, c := range t.cols {
		switch c.typ {
		case textCol:
			dest = append(dest, &texts[i])
		case intCol:
			dest = append(dest, &ints[i])
		case boolCol:
			dest = append(dest, &bools[i])
		}
	}
	for i := range lists {
		dest = append(dest, &lists[i])
	}
	// The records' small slices are cut from slabs: a few allocations per
	// thousand rows instead of three per row.
	var keySlab []string
	var valSlab []any
	var listSlab [][]string
	cut := func(n int) int { return max(n*256, 1) }
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if len(keySlab) < nk {
			keySlab = make([]string, cut(nk))
		}
		if len(valSlab) < len(t.cols) {
			valSlab = make([]any, cut(len(t.cols)))
		}
		if len(listSlab) < len(t.lists) {
			listSlab = make([][]string, cut(len(t.lists)))
		}
		r := record{key: keySlab[:nk:nk], vals: valSlab[:len(t.cols):len(t.cols)], lists: listSlab[:len(t.lists):len(t.lists)]}
		keySlab, valSlab, listSlab = keySlab[nk:], valSlab[len(t.cols):], listSlab[len(t.lists):]
		for i, k := range key {
			r.key[i] = string(k)
		}
		for i, c := range t.cols {
			switch c.typ {
			case textCol:
				r.vals[i] = dec.box(texts[i]) // account types, orgs: few values
			case intCol:
				r.vals[i] = ints[i]
			case boolCol:
				r.vals[i] = bools[i]
			}
		}
		for j, i := range listCols {
			items, err := dec.decode(lists[j], len(t.lists[i].cols))
			if err != nil {
				return &rbac.Error{Op: "load", Kind: t.kind, ID: keyString(r.key), Msg: fmt.Sprintf("column %s.%s: %v", t.name, t.lists[i].column, err), Err: rbac.ErrInvalid}
			}
			r.lists[i] = items
		}
		if emit != nil {
			if err := emit(r); err != nil {
				return err
			}
			continue
		}
		if index != nil {
			index[keyString(r.key)] = len(*recs)
		}
		*recs = append(*recs, r)
	}
	return rows.Err()
}

// readList appends the items of list table i to the records they belong
// to. Rows come ordered by parent and pos, so consecutive rows of one
// parent skip the index lookup. Columns are scanned as raw bytes and
// values interned: a million memberships of ten thousand roles make ten
// thousand strings, not a million.
func (s *Store) readList(ctx context.Context, q querier, t *entityTable, i int, where string, args []any, recs []record, index map[string]int) error {
	l := t.lists[i]
	cols := append(append([]string(nil), l.keys...), l.cols...)
	query := "SELECT " + strings.Join(cols, ", ") + " FROM " + l.name + where + " ORDER BY " + strings.Join(l.keys, ", ") + ", pos"
	rows, err := q.QueryContext(ctx, s.dialect.rebind(query), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	nk, nv := len(l.keys), len(l.cols)
	raw := make([]sql.RawBytes, nk+nv)
	dest := make([]any, nk+nv)
	for j := range raw {
		dest[j] = &raw[j]
	}
	interned := map[string]string{}
	intern := func(b []byte) string {
		if v, ok := interned[string(b)]; ok { // no allocation for the lookup
			return v
		}
		v := string(b)
		interned[v] = v
		return v
	}
	var last []byte
	at := -1
	item := make([]string, nv)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if nk == 2 || at < 0 || !bytes.Equal(raw[0], last) {
			var j int
			var ok bool
			if nk == 2 {
				j, ok = index[rbac.OwnershipKey(string(raw[0]), string(raw[1]))]
			} else {
				j, ok = index[string(raw[0])]
			}
			if !ok {
				at = -1
				continue // an orphan row: its parent is not being read
			}
			last, at = append(last[:0], raw[0]...), j
		}
		for k := range item {
			item[k] = intern(raw[nk+k])
		}
		recs[at].lists[i] = append(recs[at].lists[i], item...)
	}
	return rows.Err()
}

// deleteRecords deletes the entities with the given keys and their lists.
func (s *Store) deleteRecords(ctx context.Context, q querier, t *entityTable, keys [][]string) error {
	return chunks(keys, func(part [][]string) error {
		args := keyArgs(part)
		for _, l := range t.lists {
			if l.inColumn() {
				continue
			}
			if _, err := q.ExecContext(ctx, s.dialect.rebind("DELETE FROM "+l.name+keyFilter(l.keys, len(part))), args...); err != nil {
				return err
			}
		}
		_, err := q.ExecContext(ctx, s.dialect.rebind("DELETE FROM "+t.name+keyFilter(t.keys, len(part))), args...)
		return err
	})
}

// insertEntities inserts entities (whose keys are absent), given in the
// order of their keys, and their lists, with multi-row INSERTs. Each row is
// made as its batch is built (see batches), so a bulk write's rows are made
// while the database writes the ones before.
func (s *Store) insertEntities(ctx context.Context, q querier, t *entityTable, ents []rbac.Entity) error {
	cols := t.parentColumns()
	var buf []byte // the batch builder's
	err := s.insertRowsOf(ctx, q, t.name, cols, len(ents), func(i int, row []any) []any {
		r := t.toRecord(ents[i])
		for _, k := range r.key {
			row = append(row, k)
		}
		row = append(row, r.vals...)
		for j, l := range t.lists {
			if l.inColumn() {
				buf = appendList(buf[:0], r.lists[j], len(l.cols))
				row = append(row, string(buf))
			}
		}
		return row
	})
	if err != nil {
		return err
	}
	for i, l := range t.lists {
		if l.inColumn() {
			continue
		}
		lcols := append(append(append([]string(nil), l.keys...), "pos"), l.cols...)
		var lrows [][]any
		nv := len(l.cols)
		for _, e := range ents {
			r := t.toRecord(e)
			items := r.lists[i]
			for pos := 0; pos*nv < len(items); pos++ {
				row := make([]any, 0, len(lcols))
				for _, k := range r.key {
					row = append(row, k)
				}
				row = append(row, pos)
				for _, v := range items[pos*nv : (pos+1)*nv] {
					row = append(row, v)
				}
				lrows = append(lrows, row)
			}
		}
		if err := s.insertRows(ctx, q, l.name, lcols, lrows); err != nil {
			return err
		}
	}
	return nil
}
