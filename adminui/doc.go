// Package adminui is an admin console to embed: the screens the seed
// systems give their administrators, as one http.Handler over an
// Authorizer's Admin API.
//
//	console := adminui.New(authz, adminui.Options{Actor: currentUser})
//	mux.Handle("/admin/", http.StripPrefix("/admin", console))
//
// The host service signs people in; Options.Actor names the person behind
// each request, and the console has no logins of its own. Every link is
// relative, so the console works under any prefix. A service whose users
// come from its identity provider's tokens sets Options.Principal instead:
// the administrator is then the principal the token describes, judged by
// Authorizer.AdminAs as a stored user with its fields, and need not be
// stored.
//
// # Screens
//
//   - Roles: search; a role's grants by section, what it contains and what
//     contains it, a server-rendered SVG of that neighbourhood, who holds it
//     and through what (direct, group, account-type default, containment);
//     create, change, delete.
//   - Groups: roles, members and managers; copy (nVIRO), add a role (if it
//     is there already, a plain message), delete showing who loses it. A
//     group's manager who has no administration permission sees only the
//     groups they manage and may only add and remove members (HMPPS Auth).
//   - Users: search by id, name, email or organisation, and pages; roles
//     with where each comes from; each permission once, with the scopes it
//     is held at, the route that grants it (Explain's) and a link to its
//     holders; workgroups, organisation; assign roles the user does not
//     hold yet, unassign, add to groups.
//   - Permissions: the catalogue by section, deprecated permissions with
//     their reason, sensitive ones with their warning; a role's grants are
//     edited section by section with a "select all in section" box (One
//     IYSS), which grants the section's wildcard when the section has one.
//   - History with filters (actor, kind, entity, dates) and revert, newest
//     first, a page of change sets at a time, each with its first 25
//     matching changes and how many more there are (Admin.HistoryPage). On
//     a store that is an rbac.HistoryReader (memstore and sqlstore are) the
//     page reads only what it shows, also when an import of every entity
//     is on it: 0.65 ms on the 100,000-user shape on a quiet machine, up to
//     3.9 ms under load (BenchmarkPages; bench/BENCHMARKS.md). On other
//     stores it reads the whole log. A change set made by approving a
//     proposal names the approver and the proposer.
//   - An access review of sensitive and deprecated permissions, "who can",
//     and a CSV download.
//   - Proposals (four eyes, rbac.Admin.Propose): the pending ones with
//     their preview and the approval entries they match, to approve or
//     reject with a reason, and the latest resolved ones. The Admin API
//     judges the approver as himself; the proposer's own approval is
//     refused.
//
// # Every change is previewed, then judged by the Admin API
//
// A change form posts to a preview page that shows who gains and loses
// which permission at which scope (Admin.Preview), what is written field
// by field under the policy file's names, and warns about sensitive
// permissions. A reason is required for a change that gives a sensitive
// permission and for a revert, and for every change with
// Options.RequireReason. Confirming makes the change with the
// Admin method that does it (Admin.CopyGroup, Admin.AddMember,
// Admin.UpdateRole, Admin.Revert, ...), which applies every rule of
// administration; a refusal shows the rule's message. The console decides
// only what it offers and shows; it never writes by itself. If the model
// changed between the preview and the confirmation, the preview is shown
// again instead.
//
// # Security
//
// Every change is a POST carrying a token HMAC-signed over the actor and
// the hour (Options.CSRFKey; no cookie is set), and posts that browsers mark
// as cross-site are refused. A form over 2 MB is answered 413. Pages carry a Content-Security-Policy with no
// inline script or style, and html/template escapes every id and name.
// Reading the model needs an administration permission (rbac.roles.manage,
// rbac.groups.manage, rbac.users.manage or rbac.audit.read) at scope global
// or wider; History and the access review need rbac.audit.read. A holder of
// rbac.users.manage at scope workgroup (an agency's user manager) sees and
// administers only the users whose workgroups theirs cover
// (Snapshot.CoversUser). Anything else is a 403 page.
//
// # Accessibility
//
// The console works without JavaScript (the one script only ticks a
// section's boxes when its "select all" box is ticked). Every control has a
// label, headings are in order, focus is visible, and long lists are cut
// into pages so that every page stays small on a model of 100,000 users.
package adminui
