package rbac

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// Policy is a whole access-control model: what a Store holds, what a
// policy file describes, what Validate checks.
type Policy struct {
	// Manages lists the sections that Import makes the store hold
	// exactly; Import leaves the store's other sections as they are (users
	// and their memberships kept in the console, say). Empty: every
	// section. It belongs to the file: a store does not keep it.
	Manages []Section `yaml:"manages,omitempty"`
	// Principals says that users come from tokens (Request.Principal), not
	// from the store: Lint then expects no users and does not warn about
	// roles that no stored user holds. Like Manages, a store does not keep
	// it.
	Principals bool `yaml:"principals,omitempty"`

	AccountTypes   []AccountTypeDef `yaml:"account_types,omitempty"`
	Permissions    []PermissionDef  `yaml:"permissions,omitempty"`
	Roles          []Role           `yaml:"roles,omitempty"`
	Groups         []Group          `yaml:"groups,omitempty"`
	Workgroups     []Workgroup      `yaml:"workgroups,omitempty"`
	Users          []User           `yaml:"users,omitempty"`
	Constraints    []Constraint     `yaml:"constraints,omitempty"`
	Approvals      []Approval       `yaml:"approvals,omitempty"`
	Campaigns      []Campaign       `yaml:"campaigns,omitempty"`
	Kinds          []Kind           `yaml:"kinds,omitempty"`
	OwnershipRules []OwnershipRule  `yaml:"ownership,omitempty"`
	Ownerships     []Ownership      `yaml:"owners,omitempty"`
	Elevations     []Elevation      `yaml:"elevations,omitempty"`
	// Tests are expectations run by policytest.Run in a go test and by
	// "rbac test" (cmd/rbac); they are validated with the policy (a test
	// naming an unknown user, role, permission or workgroup is an error)
	// and never written to a store.
	Tests []PolicyTest `yaml:"tests,omitempty"`

	// where maps an entity to its source position, "file:line".
	where map[entityRef]string
	// refs maps a value inside an entity (a role in contains, a group in a
	// user's groups, ...) to its own position, so that an error about a
	// reference points at the entry, not at the entity it names.
	refs map[refPos]string
}

// refPos is one value of one field of an entity.
type refPos struct {
	entityRef
	field, value string
}

// whereRef returns the position of value in the field of an entity, or
// the entity's own position.
func (p *Policy) whereRef(kind EntityKind, key, field, value string) string {
	if p == nil {
		return ""
	}
	if w, ok := p.refs[refPos{entityRef{kind, key}, field, value}]; ok {
		return w
	}
	return p.Where(kind, key)
}

// PolicyTest is one expectation about a policy: the decision a request
// must get.
type PolicyTest struct {
	Name    string      `yaml:"name"`
	Request Request     `yaml:"request"`
	Expect  Expectation `yaml:"expect"`
	Where   string      `yaml:"-"` // "file:line", when loaded from a file
}

// Expectation is what a PolicyTest wants. Scope and Reason are checked
// only when set.
type Expectation struct {
	Allowed bool   `yaml:"allowed"`
	Scope   Scope  `yaml:"scope,omitempty"`
	Reason  Reason `yaml:"reason,omitempty"`
}

type entityRef struct {
	kind EntityKind
	key  string
}

// Where returns the source position ("file:line") of an entity loaded from
// a policy file, or "".
func (p *Policy) Where(kind EntityKind, key string) string {
	if p == nil || p.where == nil {
		return ""
	}
	return p.where[entityRef{kind, key}]
}

// Clone returns a deep copy, positions included.
func (p *Policy) Clone() *Policy {
	if p == nil {
		return nil
	}
	q := &Policy{
		Manages:        slices.Clone(p.Manages),
		Principals:     p.Principals,
		AccountTypes:   cloneAll(p.AccountTypes),
		Permissions:    cloneAll(p.Permissions),
		Roles:          cloneAll(p.Roles),
		Groups:         cloneAll(p.Groups),
		Workgroups:     cloneAll(p.Workgroups),
		Users:          cloneAll(p.Users),
		Constraints:    cloneAll(p.Constraints),
		Approvals:      cloneAll(p.Approvals),
		Campaigns:      cloneAll(p.Campaigns),
		Kinds:          cloneAll(p.Kinds),
		OwnershipRules: cloneAll(p.OwnershipRules),
		Ownerships:     cloneAll(p.Ownerships),
		Elevations:     cloneAll(p.Elevations),
	}
	for _, t := range p.Tests {
		t.Request = t.Request.clone()
		q.Tests = append(q.Tests, t)
	}
	if p.where != nil {
		q.where = make(map[entityRef]string, len(p.where))
		for k, v := range p.where {
			q.where[k] = v
		}
	}
	if p.refs != nil {
		q.refs = make(map[refPos]string, len(p.refs))
		for k, v := range p.refs {
			q.refs[k] = v
		}
	}
	return q
}

func cloneAll[T interface{ Clone() T }](in []T) []T {
	if in == nil {
		return nil
	}
	out := make([]T, len(in))
	for i, v := range in {
		out[i] = v.Clone()
	}
	return out
}

func (r Request) clone() Request {
	r.ActiveRoles = append([]RoleID(nil), r.ActiveRoles...)
	if r.Principal != nil {
		u := r.Principal.Clone()
		r.Principal = &u
	}
	if r.Resource != nil {
		res := *r.Resource
		res.Owners = append([]OrgSlug(nil), res.Owners...)
		res.Assignees = append([]UserID(nil), res.Assignees...)
		res.Workgroups = append([]WorkgroupID(nil), res.Workgroups...)
		r.Resource = &res
	}
	return r
}

// Add appends e to the list of its kind, as it is (not a copy): the
// inverse of Entities, with which a Store's Load builds the policy it
// returns.
func (p *Policy) Add(e Entity) {
	switch v := e.(type) {
	case AccountTypeDef:
		p.AccountTypes = append(p.AccountTypes, v)
	case PermissionDef:
		p.Permissions = append(p.Permissions, v)
	case Role:
		p.Roles = append(p.Roles, v)
	case Group:
		p.Groups = append(p.Groups, v)
	case Workgroup:
		p.Workgroups = append(p.Workgroups, v)
	case User:
		p.Users = append(p.Users, v)
	case Constraint:
		p.Constraints = append(p.Constraints, v)
	case Approval:
		p.Approvals = append(p.Approvals, v)
	case Campaign:
		p.Campaigns = append(p.Campaigns, v)
	case Kind:
		p.Kinds = append(p.Kinds, v)
	case OwnershipRule:
		p.OwnershipRules = append(p.OwnershipRules, v)
	case Ownership:
		p.Ownerships = append(p.Ownerships, v)
	case Elevation:
		p.Elevations = append(p.Elevations, v)
	}
}

// Entities returns every entity of the policy as puts, in dependency order
// (EntityKinds): the change set that writes the policy into an empty store.
func (p *Policy) Entities() []Entity {
	out := make([]Entity, 0, len(p.Permissions)+len(p.Roles)+len(p.AccountTypes)+len(p.Workgroups)+len(p.Groups)+
		len(p.Users)+len(p.Constraints)+len(p.Approvals)+len(p.Campaigns)+len(p.Kinds)+len(p.OwnershipRules)+len(p.Ownerships)+len(p.Elevations))
	add := func(e Entity) { out = append(out, CloneEntity(e)) }
	for _, k := range entityKinds {
		switch k {
		case EntityPermission:
			for _, v := range p.Permissions {
				add(v)
			}
		case EntityRole:
			for _, v := range p.Roles {
				add(v)
			}
		case EntityAccountType:
			for _, v := range p.AccountTypes {
				add(v)
			}
		case EntityWorkgroup:
			for _, v := range p.Workgroups {
				add(v)
			}
		case EntityGroup:
			for _, v := range p.Groups {
				add(v)
			}
		case EntityUser:
			for _, v := range p.Users {
				add(v)
			}
		case EntityConstraint:
			for _, v := range p.Constraints {
				add(v)
			}
		case EntityApproval:
			for _, v := range p.Approvals {
				add(v)
			}
		case EntityCampaign:
			for _, v := range p.Campaigns {
				add(v)
			}
		case EntityResourceKind:
			for _, v := range p.Kinds {
				add(v)
			}
		case EntityOwnershipRule:
			for _, v := range p.OwnershipRules {
				add(v)
			}
		case EntityOwnership:
			for _, v := range p.Ownerships {
				add(v)
			}
		case EntityElevation:
			for _, v := range p.Elevations {
				add(v)
			}
		}
	}
	return out
}

// Limits on policy input, so that hostile files fail fast and clearly.
const (
	MaxPolicyBytes = 64 << 20 // one policy file
	maxYAMLDepth   = 32       // nesting of YAML collections
)

// LoadPolicyFile reads and validates a policy file. Errors name the file
// and line.
func LoadPolicyFile(path string) (*Policy, error) {
	f, err := openPolicyFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return loadPolicy(f, path, true)
}

// openPolicyFile opens a policy file. A missing file is ErrNotFound and
// fs.ErrNotExist (errors.Is finds both); any other failure is ErrInvalid
// with the operating system's cause.
func openPolicyFile(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err == nil {
		return f, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &Error{Op: "load policy", Where: path, Msg: "the file does not exist", Err: causedBy{ErrNotFound, err}}
	}
	cause := err
	var pe *fs.PathError
	if errors.As(err, &pe) {
		cause = pe.Err
	}
	return nil, &Error{Op: "load policy", Where: path, Msg: cause.Error(), Err: causedBy{ErrInvalid, err}}
}

// causedBy is a sentinel with the lower-level error that caused it: it
// prints as the sentinel, and errors.Is finds both.
type causedBy struct{ sentinel, cause error }

func (c causedBy) Error() string   { return c.sentinel.Error() }
func (c causedBy) Unwrap() []error { return []error{c.sentinel, c.cause} }

// LoadPolicyFiles reads several files into one policy; a later file may
// not redefine an id of an earlier one. The merged policy is validated.
func LoadPolicyFiles(paths ...string) (*Policy, error) {
	merged, err := DecodePolicyFiles(paths...)
	if err != nil {
		return nil, err
	}
	if err := merged.Validate(); err != nil {
		return nil, err
	}
	return merged, nil
}

// LoadPolicy reads and validates a policy from r. Errors name the line
// ("policy:12").
func LoadPolicy(r io.Reader) (*Policy, error) { return loadPolicy(r, "policy", true) }

// DecodePolicy reads a policy without validating it, so that a caller can
// inspect or repair a broken one. Syntax errors and unknown keys are still
// errors.
func DecodePolicy(r io.Reader, name string) (*Policy, error) { return loadPolicy(r, name, false) }

// merge appends q to p. The sections managed are those that either file
// declares (a file without manages, such as one holding only tests, adds
// none), and users come from tokens if either file says so.
func (p *Policy) merge(q *Policy) {
	for _, s := range q.Manages {
		if !slices.Contains(p.Manages, s) {
			p.Manages = append(p.Manages, s)
		}
	}
	p.Principals = p.Principals || q.Principals
	p.AccountTypes = append(p.AccountTypes, q.AccountTypes...)
	p.Permissions = append(p.Permissions, q.Permissions...)
	p.Roles = append(p.Roles, q.Roles...)
	p.Groups = append(p.Groups, q.Groups...)
	p.Workgroups = append(p.Workgroups, q.Workgroups...)
	p.Users = append(p.Users, q.Users...)
	p.Constraints = append(p.Constraints, q.Constraints...)
	p.Approvals = append(p.Approvals, q.Approvals...)
	p.Campaigns = append(p.Campaigns, q.Campaigns...)
	p.Kinds = append(p.Kinds, q.Kinds...)
	p.OwnershipRules = append(p.OwnershipRules, q.OwnershipRules...)
	p.Ownerships = append(p.Ownerships, q.Ownerships...)
	p.Elevations = append(p.Elevations, q.Elevations...)
	p.Tests = append(p.Tests, q.Tests...)
	for k, v := range q.where {
		if p.where == nil {
			p.where = make(map[entityRef]string)
		}
		// Keep the first position; a duplicate is reported by Validate with both.
		if old, dup := p.where[k]; dup {
			p.where[k] = old + " and " + v
		} else {
			p.where[k] = v
		}
	}
	for k, v := range q.refs {
		if p.refs == nil {
			p.refs = make(map[refPos]string)
		}
		if _, dup := p.refs[k]; !dup {
			p.refs[k] = v
		}
	}
}

func loadPolicy(r io.Reader, name string, validate bool) (*Policy, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxPolicyBytes+1))
	if err != nil {
		return nil, &Error{Op: "load policy", Where: name, Msg: err.Error(), Err: ErrInvalid}
	}
	if len(data) > MaxPolicyBytes {
		return nil, &Error{Op: "load policy", Where: name, Msg: fmt.Sprintf("file is larger than %d bytes", MaxPolicyBytes), Err: ErrInvalid}
	}
	var root yaml.Node
	nodes := yaml.NewDecoder(bytes.NewReader(data))
	if err := nodes.Decode(&root); err != nil && !errors.Is(err, io.EOF) {
		return nil, yamlError(name, data, err)
	}
	if len(root.Content) == 0 {
		// An empty file (or only comments) is most often a mistake — a wrong
		// path, a truncated write — and would deny everyone without a word.
		// A policy that is meant to be empty says so: "roles: []".
		return nil, &Error{Op: "load policy", Where: name, Msg: emptyPolicyMsg, Err: ErrInvalid}
	}
	var second yaml.Node
	if err := nodes.Decode(&second); err == nil {
		return nil, &Error{Op: "load policy", Where: fmt.Sprintf("%s:%d", name, documentLine(data, second.Line)), Msg: secondDocumentMsg, Err: ErrInvalid}
	} else if !errors.Is(err, io.EOF) {
		return nil, yamlError(name, data, err)
	}
	if err := checkNodes(&root, name); err != nil {
		return nil, err
	}
	p := &Policy{}
	if len(root.Content) > 0 {
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(p); err != nil && !errors.Is(err, io.EOF) {
			return nil, yamlError(name, data, err)
		}
		recordPositions(p, &root, name)
	}
	if validate {
		if err := p.Validate(); err != nil {
			return nil, err
		}
	}
	return p, nil
}

const (
	emptyPolicyMsg    = "the file is empty: a policy needs at least one section (roles:, users:, ...); write \"roles: []\" for a policy that is meant to be empty"
	secondDocumentMsg = "a second YAML document (after ---): a policy file holds one document; put each part in its own file and load them together (LoadPolicyFiles, or several files given to the rbac command)"
)

// documentLine returns the line of the "---" that starts the document
// whose first node is at line, or line itself.
func documentLine(data []byte, line int) int {
	lines := bytes.Split(data, []byte("\n"))
	for n := min(line, len(lines)); n >= 1; n-- {
		if bytes.HasPrefix(lines[n-1], []byte("---")) {
			return n
		}
	}
	return line
}

// checkNodes rejects aliases (no alias bombs), excessive nesting and more
// than one document, iteratively.
func checkNodes(root *yaml.Node, name string) error {
	if root.Kind == yaml.DocumentNode && len(root.Content) > 1 {
		return &Error{Op: "load policy", Where: name, Msg: secondDocumentMsg, Err: ErrInvalid}
	}
	type item struct {
		n     *yaml.Node
		depth int
	}
	stack := []item{{root, 0}}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := it.n
		where := fmt.Sprintf("%s:%d", name, n.Line)
		if n.Kind == yaml.AliasNode || n.Anchor != "" {
			return &Error{Op: "load policy", Where: where, Msg: "YAML anchors and aliases are not allowed in policy files", Err: ErrInvalid}
		}
		if it.depth > maxYAMLDepth {
			return &Error{Op: "load policy", Where: where, Msg: fmt.Sprintf("nested deeper than %d levels", maxYAMLDepth), Err: ErrInvalid}
		}
		for _, c := range n.Content {
			stack = append(stack, item{c, it.depth + 1})
		}
	}
	return nil
}

var (
	yamlLineRE     = regexp.MustCompile(`^line (\d+): (.*)$`)
	yamlFieldRE    = regexp.MustCompile(`^field (\S+) not found in type (\S+)$`)
	yamlUnmarshRE  = regexp.MustCompile("^cannot unmarshal !!(\\w+)(?: `(.*)`)? into (\\S+)$")
	yamlGoTypeRE   = regexp.MustCompile(`\b(?:\[\])?(?:\*)?rbac\.[A-Za-z]+\b`)
	yamlTabPrefix  = "found a tab character"
	yamlNoTokenMsg = "found character that cannot start any token"
)

// yamlError turns a yaml.v3 error into *Errors whose Where is file:line and
// whose message speaks of the policy file, not of Go types: an unknown key
// names the nearest known one, a tab is explained. Several problems are
// joined, each with its own line.
func yamlError(name string, data []byte, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n")
	var errs []error
	for _, l := range strings.Split(msg, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		where := name
		line := 0
		if m := yamlLineRE.FindStringSubmatch(l); m != nil {
			line, _ = strconv.Atoi(m[1])
			where = fmt.Sprintf("%s:%d", name, line)
			l = m[2]
		}
		msg := yamlMessage(l, data, line)
		if msg == tabMsg {
			if at := tabLine(data, line); at > 0 {
				line, where = at, fmt.Sprintf("%s:%d", name, at)
			}
		}
		errs = append(errs, &Error{Op: "load policy", Where: where, Msg: msg, Err: ErrInvalid})
	}
	if len(errs) == 0 {
		return &Error{Op: "load policy", Where: name, Msg: msg, Err: ErrInvalid}
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}

// yamlMessage rewrites one yaml.v3 message about line (0: unknown).
func yamlMessage(msg string, data []byte, line int) string {
	if m := yamlFieldRE.FindStringSubmatch(msg); m != nil {
		key, typ := m[1], m[2]
		known := yamlKeys()[typ]
		out := fmt.Sprintf("unknown key %q in %s", key, yamlTypeName(typ))
		if near := nearestKey(key, known); near != "" {
			out += fmt.Sprintf("; did you mean %q?", near)
		}
		if len(known) > 0 {
			out += " (known keys: " + strings.Join(known, ", ") + ")"
		}
		return out
	}
	if m := yamlUnmarshRE.FindStringSubmatch(msg); m != nil {
		found := yamlTagName(m[1])
		if m[2] != "" {
			found += fmt.Sprintf(" %q", m[2])
		}
		return fmt.Sprintf("expected %s, found %s", yamlExpected(m[3]), found)
	}
	if strings.HasPrefix(msg, yamlTabPrefix) || (strings.Contains(msg, yamlNoTokenMsg) && tabLine(data, line) > 0) {
		return tabMsg
	}
	// Whatever else yaml.v3 says, never a Go type name.
	return yamlGoTypeRE.ReplaceAllStringFunc(msg, yamlExpected)
}

const tabMsg = "a tab character: YAML indents with spaces only; replace the tab with spaces"

// tabLine returns the line near line (1-based) whose indentation holds a
// tab, or 0: yaml.v3 reports some tabs on the line before.
func tabLine(data []byte, line int) int {
	lines := bytes.Split(data, []byte("\n"))
	for _, n := range []int{line, line + 1, line - 1} {
		if n < 1 || n > len(lines) {
			continue
		}
		indent := lines[n-1][:len(lines[n-1])-len(bytes.TrimLeft(lines[n-1], " \t-"))]
		if bytes.IndexByte(indent, '\t') >= 0 {
			return n
		}
	}
	return 0
}

func yamlTagName(tag string) string {
	switch tag {
	case "str":
		return "the text"
	case "int", "float":
		return "the number"
	case "bool":
		return "the boolean"
	case "seq":
		return "a list"
	case "map":
		return "a mapping (key: value)"
	case "null":
		return "nothing"
	}
	return "a " + tag
}

// yamlExpected says in policy-file words what a Go type holds.
func yamlExpected(goType string) string {
	switch {
	case goType == "time.Duration":
		return "a duration such as 4h or 30m"
	case goType == "time.Time":
		return "an RFC 3339 time such as 2027-01-08T17:00:00Z"
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	case strings.HasPrefix(goType, "map["):
		return "a mapping (key: value)"
	case goType == "bool":
		return "true or false"
	case strings.HasPrefix(goType, "int") || strings.HasPrefix(goType, "uint") || strings.HasPrefix(goType, "float"):
		return "a number"
	case goType == "string" || yamlKeys()[goType] == nil && strings.HasPrefix(goType, "rbac."):
		// Named string types (rbac.RoleID, rbac.Permission, ...).
		return "a single value"
	case goType == "rbac.Policy":
		return "a mapping of sections (roles:, users:, ...)"
	}
	return "a mapping (key: value) for " + yamlTypeName(goType)
}

// yamlTypeName names a policy type as a policy file reader knows it.
func yamlTypeName(goType string) string {
	switch strings.TrimPrefix(goType, "*") {
	case "rbac.Policy":
		return "the top level (keys are " + strings.Join(yamlKeys()["rbac.Policy"], ", ") + ")"
	case "rbac.AccountTypeDef":
		return "an account type"
	case "rbac.PermissionDef":
		return "a permission"
	case "rbac.Role":
		return "a role"
	case "rbac.Group":
		return "a group"
	case "rbac.Workgroup":
		return "a workgroup"
	case "rbac.User":
		return "a user"
	case "rbac.Constraint":
		return "a constraint"
	case "rbac.Approval":
		return "an approval"
	case "rbac.Campaign":
		return "a campaign"
	case "rbac.OwnershipRule":
		return "an ownership rule"
	case "rbac.Ownership":
		return "an owners entry"
	case "rbac.PolicyTest":
		return "a test"
	case "rbac.Request":
		return "a test's request"
	case "rbac.Resource":
		return "a resource"
	case "rbac.Expectation":
		return "a test's expect"
	case "rbac.Kind":
		return "a kind"
	case "rbac.Elevation":
		return "an elevation"
	}
	return "this entry"
}

var (
	yamlKeysOnce sync.Once
	yamlKeysMap  map[string][]string
)

// yamlKeys maps each struct type reachable from Policy ("rbac.Role") to
// its YAML keys, read from the struct tags so that it never drifts.
func yamlKeys() map[string][]string {
	yamlKeysOnce.Do(func() {
		yamlKeysMap = map[string][]string{}
		queue := []reflect.Type{reflect.TypeOf(Policy{})}
		for len(queue) > 0 {
			t := queue[0]
			queue = queue[1:]
			for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
				t = t.Elem()
			}
			if t.Kind() != reflect.Struct || yamlKeysMap[t.String()] != nil {
				continue
			}
			var keys []string
			for i := 0; i < t.NumField(); i++ {
				f := t.Field(i)
				tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
				if !f.IsExported() || tag == "-" {
					continue
				}
				if tag == "" {
					tag = strings.ToLower(f.Name)
				}
				keys = append(keys, tag)
				queue = append(queue, f.Type)
			}
			yamlKeysMap[t.String()] = keys
		}
	})
	return yamlKeysMap
}

// nearestKey returns the known key closest to key by edit distance, if it
// is close enough to be a typo.
func nearestKey(key string, known []string) string {
	best, bestDist := "", len(key)/2+2
	for _, k := range known {
		if d := editDistance(strings.ToLower(key), k); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the Damerau–Levenshtein distance (adjacent swaps count
// one), on bytes.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return max(len(a), len(b))
	}
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

var sectionKinds = map[string]EntityKind{
	"account_types": EntityAccountType,
	"permissions":   EntityPermission,
	"roles":         EntityRole,
	"groups":        EntityGroup,
	"workgroups":    EntityWorkgroup,
	"users":         EntityUser,
	"constraints":   EntityConstraint,
	"approvals":     EntityApproval,
	"campaigns":     EntityCampaign,
	"kinds":         EntityResourceKind,
	"ownership":     EntityOwnershipRule,
	"owners":        EntityOwnership,
	"elevations":    EntityElevation,
}

// recordPositions remembers where each entity and test was written.
func recordPositions(p *Policy, root *yaml.Node, name string) {
	doc := root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	if doc.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		section, seq := doc.Content[i].Value, doc.Content[i+1]
		if seq.Kind != yaml.SequenceNode {
			continue
		}
		if section == "tests" {
			for j, item := range seq.Content {
				if j < len(p.Tests) {
					p.Tests[j].Where = fmt.Sprintf("%s:%d", name, item.Line)
				}
			}
			continue
		}
		kind, ok := sectionKinds[section]
		if !ok {
			continue
		}
		for _, item := range seq.Content {
			if item.Kind != yaml.MappingNode {
				continue
			}
			fields := map[string]string{}
			for k := 0; k+1 < len(item.Content); k += 2 {
				fields[item.Content[k].Value] = item.Content[k+1].Value
			}
			var key string
			switch kind {
			case EntityPermission, EntityConstraint, EntityApproval:
				key = fields["name"]
			case EntityOwnershipRule:
				key = fields["kind"]
			case EntityResourceKind:
				key = fields["name"]
			case EntityOwnership:
				key = OwnershipKey(fields["kind"], fields["id"])
			default:
				key = fields["id"]
			}
			pos := fmt.Sprintf("%s:%d", name, item.Line)
			if p.where == nil {
				p.where = make(map[entityRef]string)
			}
			ref := entityRef{kind, key}
			if old, dup := p.where[ref]; dup {
				p.where[ref] = old + " and " + pos
			} else {
				p.where[ref] = pos
			}
			if p.refs == nil {
				p.refs = make(map[refPos]string)
			}
			for k := 0; k+1 < len(item.Content); k += 2 {
				field, val := item.Content[k].Value, item.Content[k+1]
				values := []*yaml.Node{val}
				if val.Kind == yaml.SequenceNode {
					values = val.Content
				}
				for _, v := range values {
					if v.Kind != yaml.ScalarNode {
						continue
					}
					at := refPos{ref, field, v.Value}
					if _, dup := p.refs[at]; !dup {
						p.refs[at] = fmt.Sprintf("%s:%d", name, v.Line)
					}
				}
			}
		}
	}
}

// MarshalYAML-compatible output: Marshal writes the policy as a policy file
// that LoadPolicy reads back to an equal policy.
func (p *Policy) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(p); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// DecodePolicyFiles reads several files into one policy, as
// LoadPolicyFiles does, without validating it: for tools that report every
// problem of a broken policy (a linter) rather than stop at the first.
func DecodePolicyFiles(paths ...string) (*Policy, error) {
	merged := &Policy{}
	for _, path := range paths {
		f, err := openPolicyFile(path)
		if err != nil {
			return nil, err
		}
		p, err := loadPolicy(f, path, false)
		f.Close()
		if err != nil {
			return nil, err
		}
		merged.merge(p)
	}
	return merged, nil
}
