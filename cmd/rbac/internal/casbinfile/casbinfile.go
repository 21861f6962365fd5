// Package casbinfile reads a Casbin RBAC model (.conf) and policy (.csv)
// and writes the same access-control model as a rolegraph policy, with
// tests: generated from Casbin's Enforce semantics for every subject and
// every permission of the policy.
//
// What converts: requests sub, obj, act or sub, dom, obj, act; role
// definitions g (users and roles, in domains when g has three fields) and
// g2 (object groups, flattened into the grants); the allow-only effect
// some(where (p.eft == allow)); matchers that are a conjunction of
// g(r.sub, p.sub[, r.dom]), r.sub == p.sub, r.obj == p.obj,
// g2(r.obj, p.obj), r.act == p.act and r.dom == p.dom.
//
// What is refused, by name: deny and priority effects, keyMatch, regexMatch,
// globMatch and ipMatch matchers, ABAC (eval, attributes of r.sub or
// r.obj), other operators, domain and subject wildcards, role cycles, and
// role hierarchies deeper than Casbin's 10 levels (Casbin silently denies
// there; rolegraph would allow, so the answers would change).
//
// Names map as follows. Every Casbin subject becomes a user (in Casbin a
// role may be asked about like a user). A subject that p lines grant
// something, or that another inherits through g, is also a role of the
// same name, which the user of that name holds: the role contains the
// roles the subject inherits and grants what the subject's p lines allow.
// A subject that only inherits (a plain user) holds the roles it inherits
// directly, with no role of its own. With domains, role N in domain D
// is "N@D" and a permission is "D.obj.act". A permission is "obj.act"; a
// character that an identifier does not allow, and the dot, the plus and
// the at sign, are written +XX (hex), so "file.txt" + "read" is
// "file+2Etxt.read" and never collides with "file" + "txt.read".
package casbinfile

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/rolegraph/rbac"
)

// ErrUnsupported marks a Casbin construct rolegraph cannot express.
var ErrUnsupported = errors.New("cannot express in rolegraph")

// MaxHierarchy is Casbin's default role hierarchy limit: g(a, b) holds
// only if b is at most this many g steps from a.
const MaxHierarchy = 10

// MaxTests bounds the generated tests (subjects × permissions).
const MaxTests = 20000

// Model is the part of a Casbin model the conversion understands.
type Model struct {
	Request   []string // r = sub, obj, act
	Policy    []string // p = sub, obj, act
	Domains   bool     // g = _, _, _
	HasG      bool
	HasG2     bool
	SubjectEq bool // r.sub == p.sub instead of g
	ObjectEq  bool // r.obj == p.obj (else g2)
}

// Rule is one line of a policy file.
type Rule struct {
	Line   int
	Type   string // p, g, g2
	Fields []string
}

// Conversion is a converted policy with the Casbin facts behind it.
type Conversion struct {
	Policy *rbac.Policy
	Model  Model
	Rules  []Rule
}

var sectionRE = regexp.MustCompile(`^\[(\w+)\]$`)

// ReadModel parses a model file. name is used in errors.
func ReadModel(r io.Reader, name string) (Model, error) {
	var m Model
	sections := map[string]map[string]string{}
	section := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	var pending string // a line continued with a backslash
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if pending != "" {
			text = pending + " " + text
			pending = ""
		}
		if strings.HasSuffix(text, "\\") {
			pending = strings.TrimSuffix(text, "\\")
			continue
		}
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if mm := sectionRE.FindStringSubmatch(text); mm != nil {
			section = mm[1]
			if sections[section] == nil {
				sections[section] = map[string]string{}
			}
			continue
		}
		key, val, ok := strings.Cut(text, "=")
		if !ok || section == "" {
			return m, fmt.Errorf("%s:%d: expected [section] or key = value, found %q", name, line, text)
		}
		sections[section][strings.TrimSpace(key)] = strings.TrimSpace(val)
	}
	if err := sc.Err(); err != nil {
		return m, fmt.Errorf("%s: %w", name, err)
	}
	fields := func(s string) []string {
		var out []string
		for _, f := range strings.Split(s, ",") {
			out = append(out, strings.TrimSpace(f))
		}
		return out
	}
	if what := abac(sections["matchers"]["m"], sections["policy_definition"]["p"]); what != "" {
		return m, fmt.Errorf("%s: %w: ABAC (attribute-based access control: %s); rolegraph decides by roles, scopes and ownership, not by attributes of the subject or the object", name, ErrUnsupported, what)
	}
	req, ok := sections["request_definition"]["r"]
	if !ok {
		return m, fmt.Errorf("%s: no [request_definition] with r = sub, obj, act", name)
	}
	m.Request = fields(req)
	pol, ok := sections["policy_definition"]["p"]
	if !ok {
		return m, fmt.Errorf("%s: no [policy_definition] with p = sub, obj, act", name)
	}
	m.Policy = fields(pol)
	for k := range sections["policy_definition"] {
		if k != "p" {
			return m, fmt.Errorf("%s: %w: more than one policy type (%s)", name, ErrUnsupported, k)
		}
	}
	switch {
	case slices.Equal(m.Request, []string{"sub", "obj", "act"}):
	case slices.Equal(m.Request, []string{"sub", "dom", "obj", "act"}):
		m.Domains = true
	default:
		return m, fmt.Errorf("%s: %w: request %s (supported: sub, obj, act and sub, dom, obj, act)", name, ErrUnsupported, req)
	}
	switch {
	case slices.Equal(m.Policy, m.Request):
	case slices.Equal(m.Policy, append(slices.Clone(m.Request), "eft")):
		// An eft column: allowed only with the allow-only effect, and every line must allow.
	default:
		return m, fmt.Errorf("%s: %w: policy definition %s does not match the request %s", name, ErrUnsupported, pol, req)
	}
	for k, v := range sections["role_definition"] {
		n := len(fields(v))
		switch {
		case k == "g" && n == 2 && !m.Domains:
			m.HasG = true
		case k == "g" && n == 3 && m.Domains:
			m.HasG = true
		case k == "g2" && n == 2:
			m.HasG2 = true
		case n > 3:
			return m, fmt.Errorf("%s: %w: role definition %s = %s (conditional or temporal roles)", name, ErrUnsupported, k, v)
		default:
			return m, fmt.Errorf("%s: %w: role definition %s = %s", name, ErrUnsupported, k, v)
		}
	}
	eff := strings.Join(strings.Fields(sections["policy_effect"]["e"]), "")
	switch {
	case eff == "some(where(p.eft==allow))":
	case strings.Contains(eff, "deny"):
		return m, fmt.Errorf("%s: %w: deny effects (%s); rolegraph grants only, so a deny rule has no equivalent", name, ErrUnsupported, sections["policy_effect"]["e"])
	case strings.Contains(eff, "priority"):
		return m, fmt.Errorf("%s: %w: priority effects (%s)", name, ErrUnsupported, sections["policy_effect"]["e"])
	default:
		return m, fmt.Errorf("%s: %w: policy effect %q (supported: some(where (p.eft == allow)))", name, ErrUnsupported, sections["policy_effect"]["e"])
	}
	matcher, ok := sections["matchers"]["m"]
	if !ok {
		return m, fmt.Errorf("%s: no [matchers] with m = (the matcher)", name)
	}
	if err := m.readMatcher(matcher); err != nil {
		return m, fmt.Errorf("%s: %w", name, err)
	}
	return m, nil
}

var refusedFunctions = []struct {
	re   *regexp.Regexp
	what string
}{
	{regexp.MustCompile(`\bkeyMatch\d*\s*\(`), "keyMatch matchers (path patterns)"},
	{regexp.MustCompile(`\bkeyGet\d*\s*\(`), "keyGet matchers (path patterns)"},
	{regexp.MustCompile(`\bregexMatch\s*\(`), "regexMatch matchers (regular expressions)"},
	{regexp.MustCompile(`\bglobMatch\s*\(`), "globMatch matchers (glob patterns)"},
	{regexp.MustCompile(`\bipMatch\s*\(`), "ipMatch matchers (IP ranges)"},
	{regexp.MustCompile(`\|\|`), "disjunctions (||) in the matcher"},
	{regexp.MustCompile(`\bin\s*\(`), "the in operator in the matcher"},
	{regexp.MustCompile(`!`), "negations in the matcher"},
}

// abac says how a model decides by attributes, or "" if it does not: the
// matcher evaluates rules held in the policy (eval), or reads attributes of
// the request's subject or object (r.sub.Age, r.obj.Owner).
func abac(matcher, policy string) string {
	switch {
	case evalCall.MatchString(matcher):
		return "the matcher evaluates rules held in the policy with eval()"
	case strings.Contains(policy, "_rule"):
		return fmt.Sprintf("the policy holds rules (p = %s)", policy)
	}
	if attr := requestAttribute.FindString(matcher); attr != "" {
		return fmt.Sprintf("the matcher reads %s, an attribute of the request", attr)
	}
	return ""
}

var (
	evalCall         = regexp.MustCompile(`\beval\s*\(`)
	requestAttribute = regexp.MustCompile(`\br\.(sub|obj|dom|act)\.\w+`)
)

// readMatcher accepts a conjunction of the supported terms, each at most once.
func (m *Model) readMatcher(src string) error {
	for _, f := range refusedFunctions {
		if f.re.MatchString(src) {
			return fmt.Errorf("%w: %s: %s", ErrUnsupported, f.what, src)
		}
	}
	terms := map[string]bool{}
	for _, t := range strings.Split(src, "&&") {
		t = strings.Join(strings.Fields(t), "")
		for strings.HasPrefix(t, "(") && strings.HasSuffix(t, ")") && strings.Count(t, "(") == strings.Count(t, ")") && balanced(t[1:len(t)-1]) {
			t = t[1 : len(t)-1]
		}
		if terms[t] {
			continue
		}
		terms[t] = true
		switch {
		case t == "g(r.sub,p.sub)" && m.HasG && !m.Domains,
			t == "g(r.sub,p.sub,r.dom)" && m.HasG && m.Domains:
		case t == "r.sub==p.sub":
			m.SubjectEq = true
		case t == "r.obj==p.obj":
			m.ObjectEq = true
		case t == "g2(r.obj,p.obj)" && m.HasG2:
		case t == "r.act==p.act":
		case t == "r.dom==p.dom" && m.Domains:
		default:
			return fmt.Errorf("%w: matcher term %q (supported: g(r.sub, p.sub[, r.dom]), r.sub == p.sub, r.obj == p.obj, g2(r.obj, p.obj), r.act == p.act, r.dom == p.dom)", ErrUnsupported, t)
		}
	}
	need := func(ok bool, what string) error {
		if !ok {
			return fmt.Errorf("%w: the matcher does not compare %s; every request field must be matched", ErrUnsupported, what)
		}
		return nil
	}
	hasG := terms["g(r.sub,p.sub)"] || terms["g(r.sub,p.sub,r.dom)"]
	return errors.Join(
		need(hasG || m.SubjectEq, "the subject"),
		need(m.ObjectEq || terms["g2(r.obj,p.obj)"], "the object"),
		need(terms["r.act==p.act"], "the action"),
		need(!m.Domains || terms["r.dom==p.dom"], "the domain"),
	)
}

// balanced reports whether s's parentheses balance.
func balanced(s string) bool {
	depth := 0
	for _, c := range s {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth < 0 {
				return false
			}
		}
	}
	return depth == 0
}

// ReadPolicy parses a policy file against a model.
func ReadPolicy(r io.Reader, name string, m Model) ([]Rule, error) {
	data, err := io.ReadAll(io.LimitReader(r, rbac.MaxPolicyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(data) > rbac.MaxPolicyBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes", name, rbac.MaxPolicyBytes)
	}
	var rules []Rule
	for i, l := range bytes.Split(data, []byte("\n")) {
		text := strings.TrimSpace(string(l))
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		cr := csv.NewReader(strings.NewReader(text))
		cr.TrimLeadingSpace = true
		cr.LazyQuotes = true
		rec, err := cr.Read()
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, i+1, err)
		}
		for k := range rec {
			rec[k] = strings.TrimSpace(rec[k])
		}
		rule := Rule{Line: i + 1, Type: rec[0], Fields: rec[1:]}
		where := fmt.Sprintf("%s:%d", name, rule.Line)
		want := 0
		switch rule.Type {
		case "p":
			want = len(m.Policy)
		case "g":
			if !m.HasG && !m.SubjectEq {
				return nil, fmt.Errorf("%s: a g line, but the model defines no g", where)
			}
			want = 2
			if m.Domains {
				want = 3
			}
		case "g2":
			if !m.HasG2 {
				return nil, fmt.Errorf("%s: a g2 line, but the model defines no g2", where)
			}
			want = 2
		default:
			return nil, fmt.Errorf("%s: %w: policy type %q", where, ErrUnsupported, rule.Type)
		}
		if len(rule.Fields) != want {
			return nil, fmt.Errorf("%s: %s line has %d fields, want %d", where, rule.Type, len(rule.Fields), want)
		}
		for k, f := range rule.Fields {
			if f == "" {
				return nil, fmt.Errorf("%s: field %d is empty", where, k+1)
			}
			domainField := m.Domains && (rule.Type == "g" && k == 2 || rule.Type == "p" && k == 1)
			if domainField && strings.Contains(f, "*") {
				return nil, fmt.Errorf("%s: %w: domain wildcard %q (a role in every domain has no equivalent)", where, ErrUnsupported, f)
			}
		}
		if rule.Type == "p" && len(m.Policy) > len(m.Request) {
			if eft := rule.Fields[len(rule.Fields)-1]; eft != "allow" {
				return nil, fmt.Errorf("%s: %w: effect %q (only allow rules)", where, ErrUnsupported, eft)
			}
			rule.Fields = rule.Fields[:len(rule.Fields)-1]
		}
		rules = append(rules, rule)
	}
	return rules, nil
}

// Escape writes a Casbin name as an identifier segment: the characters an
// identifier allows stay, except the dot, the plus and the at sign; every
// other byte is +XX. Escape is injective and never yields a dot.
func Escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == ':', c == '/', c == '-':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "+%02X", c)
		}
	}
	return b.String()
}
