package adminui

import (
	"math"
	"strings"

	"github.com/rolegraph/rbac"
)

// picture is a role's containment neighbourhood drawn as SVG on the
// server: the roles that contain it above, the role in the middle, the
// roles it contains below, each a link. Beyond maxPictureNodes on a row the
// rest are counted, not drawn; the lists beside the picture name them all.
type picture struct {
	Width, Height int
	Nodes         []pictureNode
	Edges         []pictureEdge
	Label         string
}

type pictureNode struct {
	ID       rbac.RoleID
	Text     string
	Full     string // the whole id when Text is cut short
	X, Y     int    // top left
	W, H     int
	TX, TY   int // text anchor
	Centre   bool
	Overflow bool // "and N more": not a link
}

type pictureEdge struct{ X1, Y1, X2, Y2 int }

const (
	maxPictureNodes = 6
	minNodeW, nodeH = 170, 40
	gapX            = 20
	rowY0, rowGap   = 20, 90
	// maxLabel bounds a label, in characters; a longer id is cut short
	// with "…" and named whole in the node's tooltip and the lists
	// beside the picture.
	maxLabel = 48
	// labelPad is the room left and right of a label inside its box.
	labelPad = 12
)

// labelWidth is a generous estimate of the width of s in pixels, drawn at
// the picture's 14px in bold sans-serif: the server cannot measure text,
// so each character counts as wide as the widest of its sort. Boxes are
// as wide as the widest label, so that no label runs out of its box
// (adminui/browsertest's TestPictureLabelsFit compares with the
// browser's own measure).
func labelWidth(s string) int {
	w := 0.0
	for _, r := range s {
		switch {
		case strings.ContainsRune("WM@mw%", r):
			w += 15
		case strings.ContainsRune("ijlI.,:;|!'/-tfr ", r):
			w += 6
		case r >= 'A' && r <= 'Z', r == '_', r == '+', r == '…':
			w += 12
		default:
			w += 10
		}
	}
	return int(math.Ceil(w))
}

func neighbourhood(all []rbac.Role, r rbac.Role, parents []rbac.RoleID) picture {
	byID := map[rbac.RoleID]rbac.Role{}
	for _, x := range all {
		byID[x.ID] = x
	}
	// Rows that have roles: the containers (if any), the role, the
	// contained (if any).
	var rows [][]rbac.RoleID
	centreRow := 0
	if len(parents) > 0 {
		rows = append(rows, parents)
		centreRow = 1
	}
	rows = append(rows, []rbac.RoleID{r.ID})
	if len(r.Contains) > 0 {
		rows = append(rows, r.Contains)
	}
	widest := 1
	nodeW := minNodeW
	for _, row := range rows {
		widest = max(widest, min(len(row), maxPictureNodes+1))
		for _, id := range row[:min(len(row), maxPictureNodes+1)] {
			nodeW = max(nodeW, labelWidth(shorten(string(id), maxLabel))+2*labelPad)
		}
	}
	p := picture{Width: widest*(nodeW+gapX) + gapX, Height: rowY0*2 + (len(rows)-1)*rowGap + nodeH,
		Label: "Containment of " + string(r.ID) + ": contained by " + itoa(len(parents)) + " roles, contains " + itoa(len(r.Contains)) + " roles"}
	centres := make([][]int, len(rows))
	for i, row := range rows {
		n := min(len(row), maxPictureNodes+1)
		x0 := (p.Width - (n*(nodeW+gapX) - gapX)) / 2
		y := rowY0 + i*rowGap
		for k := 0; k < n; k++ {
			node := pictureNode{X: x0 + k*(nodeW+gapX), Y: y, W: nodeW, H: nodeH, Centre: i == centreRow}
			node.TX, node.TY = node.X+nodeW/2, y+nodeH/2+5
			if k == maxPictureNodes && len(row) > maxPictureNodes+1 {
				node.Overflow = true
				node.Text = "and " + itoa(len(row)-maxPictureNodes) + " more"
			} else {
				node.ID = row[k]
				node.Text = shorten(string(row[k]), maxLabel)
				if node.Text != string(row[k]) {
					node.Full = string(row[k])
				}
			}
			p.Nodes = append(p.Nodes, node)
			centres[i] = append(centres[i], node.TX)
		}
	}
	mid := centres[centreRow][0]
	midY := rowY0 + centreRow*rowGap
	if centreRow == 1 {
		for _, x := range centres[0] {
			p.Edges = append(p.Edges, pictureEdge{X1: x, Y1: rowY0 + nodeH, X2: mid, Y2: midY})
		}
	}
	if centreRow+1 < len(rows) {
		for _, x := range centres[centreRow+1] {
			p.Edges = append(p.Edges, pictureEdge{X1: mid, Y1: midY + nodeH, X2: x, Y2: midY + rowGap})
		}
	}
	return p
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
