package rbac

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Policy is a whole access-control model: what a Store holds, what a
// policy file describes, what Validate checks.
type Policy struct {
	AccountTypes   []AccountTypeDef `yaml:"account_types,omitempty"`
	Permissions    []PermissionDef  `yaml:"permissions,omitempty"`
	Roles          []Role           `yaml:"roles,omitempty"`
	Groups         []Group          `yaml:"groups,omitempty"`
	Workgroups     []Workgroup      `yaml:"workgroups,omitempty"`
	Users          []User           `yaml:"users,omitempty"`
	Constraints    []Constraint     `yaml:"constraints,omitempty"`
	Kinds          []Kind           `yaml:"kinds,omitempty"`
	OwnershipRules []OwnershipRule  `yaml:"ownership,omitempty"`
	Ownerships     []Ownership      `yaml:"owners,omitempty"`
	// Tests are expectations run by policytest and the CLI; they are never
	// written to a store.
	Tests []PolicyTest `yaml:"tests,omitempty"`

	// where maps an entity to its source position, "file:line".
	where map[entityRef]string
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
		AccountTypes:   cloneAll(p.AccountTypes),
		Permissions:    cloneAll(p.Permissions),
		Roles:          cloneAll(p.Roles),
		Groups:         cloneAll(p.Groups),
		Workgroups:     cloneAll(p.Workgroups),
		Users:          cloneAll(p.Users),
		Constraints:    cloneAll(p.Constraints),
		Kinds:          cloneAll(p.Kinds),
		OwnershipRules: cloneAll(p.OwnershipRules),
		Ownerships:     cloneAll(p.Ownerships),
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

// Entities returns every entity of the policy as puts, in dependency order
// (EntityKinds): the change set that writes the policy into an empty store.
func (p *Policy) Entities() []Entity {
	var out []Entity
	add := func(e Entity) { out = append(out, CloneEntity(e)) }
	for _, k := range EntityKinds {
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
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{Op: "load policy", Where: path, Msg: err.Error(), Err: ErrInvalid}
	}
	defer f.Close()
	return loadPolicy(f, path, true)
}

// LoadPolicyFiles reads several files into one policy; a later file may
// not redefine an id of an earlier one. The merged policy is validated.
func LoadPolicyFiles(paths ...string) (*Policy, error) {
	merged := &Policy{}
	for _, path := range paths {
		f, err := os.Open(path)
		if err != nil {
			return nil, &Error{Op: "load policy", Where: path, Msg: err.Error(), Err: ErrInvalid}
		}
		p, err := loadPolicy(f, path, false)
		f.Close()
		if err != nil {
			return nil, err
		}
		merged.merge(p)
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

func (p *Policy) merge(q *Policy) {
	p.AccountTypes = append(p.AccountTypes, q.AccountTypes...)
	p.Permissions = append(p.Permissions, q.Permissions...)
	p.Roles = append(p.Roles, q.Roles...)
	p.Groups = append(p.Groups, q.Groups...)
	p.Workgroups = append(p.Workgroups, q.Workgroups...)
	p.Users = append(p.Users, q.Users...)
	p.Constraints = append(p.Constraints, q.Constraints...)
	p.Kinds = append(p.Kinds, q.Kinds...)
	p.OwnershipRules = append(p.OwnershipRules, q.OwnershipRules...)
	p.Ownerships = append(p.Ownerships, q.Ownerships...)
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
		return nil, yamlError(name, err)
	}
	var second yaml.Node
	if err := nodes.Decode(&second); err == nil {
		return nil, &Error{Op: "load policy", Where: fmt.Sprintf("%s:%d", name, second.Line), Msg: "more than one YAML document", Err: ErrInvalid}
	} else if !errors.Is(err, io.EOF) {
		return nil, yamlError(name, err)
	}
	if err := checkNodes(&root, name); err != nil {
		return nil, err
	}
	p := &Policy{}
	if len(root.Content) > 0 {
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(p); err != nil && !errors.Is(err, io.EOF) {
			return nil, yamlError(name, err)
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

// checkNodes rejects aliases (no alias bombs), excessive nesting and more
// than one document, iteratively.
func checkNodes(root *yaml.Node, name string) error {
	if root.Kind == yaml.DocumentNode && len(root.Content) > 1 {
		return &Error{Op: "load policy", Where: name, Msg: "more than one YAML document", Err: ErrInvalid}
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

var yamlLineRE = regexp.MustCompile(`line (\d+): `)

// yamlError turns a yaml.v3 error into an *Error whose Where is file:line.
func yamlError(name string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n")
	var lines []string
	where := name
	for _, l := range strings.Split(msg, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if m := yamlLineRE.FindStringSubmatchIndex(l); m != nil {
			n, _ := strconv.Atoi(l[m[2]:m[3]])
			if where == name {
				where = fmt.Sprintf("%s:%d", name, n)
			}
			l = fmt.Sprintf("%s:%d: %s", name, n, l[m[1]:])
		}
		lines = append(lines, l)
	}
	return &Error{Op: "load policy", Where: where, Msg: strings.Join(lines, "; "), Err: ErrInvalid}
}

var sectionKinds = map[string]EntityKind{
	"account_types": EntityAccountType,
	"permissions":   EntityPermission,
	"roles":         EntityRole,
	"groups":        EntityGroup,
	"workgroups":    EntityWorkgroup,
	"users":         EntityUser,
	"constraints":   EntityConstraint,
	"kinds":         EntityResourceKind,
	"ownership":     EntityOwnershipRule,
	"owners":        EntityOwnership,
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
			case EntityPermission, EntityConstraint:
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
