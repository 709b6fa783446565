package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

// Messages of a rotation.
type (
	rotationPlannedMsg struct {
		run   *run
		c     *cf.Client
		items []cf.RotationItem
		err   error
	}
	rotationStepMsg struct {
		run       *run
		item      cf.RotationItem
		deleteOld bool
	}
	rotationEndMsg struct {
		run        *run
		items      []cf.RotationItem
		deleteOld  bool
		journalErr error
		err        error // the rotation did not start (a certificate that cannot be read)
	}
)

// rotateSelected plans the rotation of the marked keys of the list on top, or of the key under the cursor. The
// plan is read in the background (reads only); its form opens when it is ready.
func (m *Model) rotateSelected() tea.Cmd {
	var f *foundationState
	var keys []*cf.KeyReport
	if lp, ok := m.top().(*listPage); ok {
		fs, marked := m.marked(lp)
		for _, mf := range fs {
			if mf != fs[0] {
				m.setStatus("the marked keys belong to several foundations: rotate one foundation's at a time")
				return nil
			}
		}
		if len(marked) > 0 {
			f, keys = fs[0], marked
		}
	}
	if keys == nil {
		kf, k := m.selectedKey()
		if k == nil {
			m.setStatus("select a key to rotate (or mark several with space)")
			return nil
		}
		f, keys = kf, []*cf.KeyReport{k}
	}
	c, why := m.writer(f)
	if why != "" {
		m.setStatus(why)
		return nil
	}
	r := m.acts.newRun(f, "planning the rotation of", keys...)
	olds := make([]cf.KeyReport, len(keys))
	for i, k := range keys {
		olds[i] = *k
	}
	ctx := m.c.ctx
	return func() tea.Msg {
		items, err := c.PlanRotation(ctx, olds, cf.RotateOptions{})
		return rotationPlannedMsg{run: r, c: c, items: items, err: err}
	}
}

// rotateAnswers are what the rotation form asks.
type rotateAnswers struct {
	name, params, pemPath string
	editParams, needsPEM  bool
	origParams            string
	deleteOld, confirm    bool
}

// rotationPlanned shows the plan, exactly as cfkeys key rotate --dry-run words it, with the form that edits and
// confirms it.
func (m *Model) rotationPlanned(msg rotationPlannedMsg) tea.Cmd {
	r := msg.run
	if msg.err != nil {
		r.done, r.failed, r.outcome = true, true, "planning the rotation failed: "+cf.Redact(describeErr(msg.err))
		return nil
	}
	m.acts.runs = removeRun(m.acts.runs, r)
	items := msg.items
	todo := 0
	for _, it := range items {
		if it.Step == cf.StepPlanned {
			todo++
		}
	}
	a := &rotateAnswers{}
	var fields []huh.Field
	if len(items) == 1 {
		it := items[0]
		a.needsPEM = it.Step == cf.StepSkipped && it.Shape == cf.ShapeExternal
		if it.Step == cf.StepPlanned || a.needsPEM {
			a.name = it.NewName
			old := it.Old.Name
			fields = append(fields, huh.NewInput().Title("New name").Value(&a.name).Validate(func(s string) error {
				switch strings.TrimSpace(s) {
				case "":
					return errors.New("the new key needs a name")
				case old:
					return errors.New("the new key needs a name of its own")
				}
				return nil
			}))
		}
		if a.needsPEM {
			dir := m.opts.Dir
			fields = append(fields, huh.NewInput().Title("New certificate (PEM file)").
				Description("an external-certificate key is renewed with its owner's new certificate").Value(&a.pemPath).
				Validate(func(s string) error { _, err := readCertificate(dir, s); return err }))
		} else if it.Step == cf.StepPlanned && paramsEditable(it.Parameters) {
			a.editParams = true
			if it.Parameters != nil {
				data, _ := json.Marshal(it.Parameters)
				a.params = string(data)
			}
			a.origParams = a.params
			fields = append(fields, huh.NewText().Title("Parameters (JSON)").Description("sent with the create request; empty sends none").
				Value(&a.params).Lines(3).Validate(func(s string) error {
				if strings.TrimSpace(s) == "" {
					return nil
				}
				if _, err := cf.ParseParameters([]byte(s)); err != nil {
					return errors.New("the parameters must be a JSON object")
				}
				return nil
			}))
		}
	}
	if todo == 0 && !a.needsPEM {
		r := m.acts.newRun(msg.run.f, "")
		r.done, r.failed = true, true
		var why []string
		for _, it := range items {
			why = append(why, it.Old.Name+": "+it.SkipReason)
		}
		r.outcome = "nothing to rotate: " + strings.Join(why, "; ")
		return nil
	}
	n := max(todo, 1)
	// Two short steps rather than one tall form, so the plan above them stays in view on a small terminal.
	var groups []*huh.Group
	if len(fields) > 0 {
		groups = append(groups, huh.NewGroup(fields...))
	}
	groups = append(groups, huh.NewGroup(
		huh.NewConfirm().Title("Delete the old key once its successor is verified?").Affirmative("Delete it").Negative("Keep it").Value(&a.deleteOld),
		huh.NewConfirm().Title(fmt.Sprintf("Rotate %d %s?", n, plural(n, "key", "keys"))).Affirmative("Rotate").Negative("Cancel").Value(&a.confirm)))
	f, c := msg.run.f, msg.c
	done := func(m *Model) tea.Cmd {
		if !a.confirm {
			m.setStatus("rotation cancelled; nothing was sent")
			return nil
		}
		return m.startRotation(f, c, items, a)
	}
	title := "rotate " + items[0].Old.Name
	if len(items) > 1 {
		title = fmt.Sprintf("rotate %d keys", len(items))
	}
	return m.push(newFormPage(title, f, planLines(items), done, groups...))
}

// planLines are the plan in the words and columns of cfkeys key rotate --dry-run: its table for several keys,
// a block of the same columns for one.
func planLines(items []cf.RotationItem) []string {
	out := []string{"The plan (as cfkeys key rotate --dry-run shows it):"}
	if len(items) > 1 {
		rows := [][]string{cf.PlanHeader}
		for _, it := range items {
			rows = append(rows, it.Row(false).PlanCells())
		}
		widths := make([]int, len(cf.PlanHeader))
		for _, r := range rows {
			for i, c := range r {
				r[i] = safetext.Clean(c)
				widths[i] = max(widths[i], min(safetext.Width(r[i]), 48))
			}
		}
		for _, r := range rows {
			var b strings.Builder
			for i, c := range r {
				if i < len(r)-1 {
					c = safetext.Pad(safetext.Fit(c, widths[i]), widths[i]) + "  "
				}
				b.WriteString(c)
			}
			out = append(out, b.String())
		}
		return out
	}
	for _, it := range items {
		cells := it.Row(false).PlanCells()
		for i, h := range cf.PlanHeader {
			prefix := "  "
			if i == 0 {
				prefix = "• "
			}
			out = append(out, prefix+safetext.Pad(h, 24)+cells[i])
		}
	}
	return cleanLines(out...)
}

// paramsEditable reports whether parameters can be shown for editing: they hold no secret (a masked value sent
// back would replace the real one).
func paramsEditable(p map[string]any) bool {
	raw, _ := json.Marshal(p)
	safe, _ := json.Marshal(cf.RotationItem{Parameters: p}.SafeParameters())
	return string(raw) == string(safe)
}

// readCertificate reads a PEM file holding at least one certificate.
func readCertificate(dir, path string) (string, error) {
	path = strings.TrimSpace(path)
	if path == "" {
		return "", errors.New("name the PEM file of the new certificate")
	}
	data, err := os.ReadFile(resolvePath(dir, path))
	if err != nil {
		return "", fmt.Errorf("reading the certificate: %w", err)
	}
	if _, err := expiry.ParseChain(string(data)); err != nil {
		return "", err
	}
	return string(data), nil
}

// resolvePath is a path the user typed, relative to dir when it is relative.
func resolvePath(dir, path string) string {
	path = strings.TrimSpace(path)
	if strings.HasPrefix(path, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			path = filepath.Join(home, path[2:])
		}
	}
	if dir != "" && !filepath.IsAbs(path) {
		return filepath.Join(dir, path)
	}
	return path
}

// startRotation runs the rotation in the background, with cf's own ApplyRotation; every step comes back as a
// message for the status line, and the journal records it as cfkeys key rotate's does.
func (m *Model) startRotation(f *foundationState, c *cf.Client, items []cf.RotationItem, a *rotateAnswers) tea.Cmd {
	if len(items) == 1 && a.name != "" {
		items[0].NewName = strings.TrimSpace(a.name)
	}
	if a.editParams && a.params != a.origParams {
		p, err := cf.ParseParameters([]byte(a.params))
		if strings.TrimSpace(a.params) == "" {
			p, err = nil, nil
		}
		if err != nil {
			m.setStatus("parameters: " + err.Error())
			return nil
		}
		items[0].Parameters = p
	}
	var keys []*cf.KeyReport
	for i := range items {
		if items[i].Step == cf.StepPlanned || a.needsPEM {
			keys = append(keys, &items[i].Old)
		}
	}
	r := m.acts.newRun(f, "rotating", keys...)
	ch := make(chan tea.Msg, 16*len(items)+4) // a key takes fewer steps than 16: the rotation never waits on the UI
	ctx, dir, now, deleteOld := m.c.ctx, m.opts.JournalDir, m.c.now(), a.deleteOld
	name, pemPath, fileDir := strings.TrimSpace(a.name), a.pemPath, m.opts.Dir
	go func() {
		defer close(ch)
		ropts := cf.RotateOptions{DeleteOld: deleteOld}
		if pemPath != "" {
			pem, err := readCertificate(fileDir, pemPath)
			if err == nil {
				ropts.CertificatePEM = pem
				var replanned []cf.RotationItem
				if replanned, err = c.PlanRotation(ctx, []cf.KeyReport{items[0].Old}, ropts); err == nil {
					items = replanned
					items[0].NewName = name
				}
			}
			if err != nil {
				ch <- rotationEndMsg{run: r, err: err}
				return
			}
		}
		ropts.Progress = func(it cf.RotationItem) { ch <- rotationStepMsg{run: r, item: it, deleteOld: deleteOld} }
		var journal *cf.Journal
		var jerr error
		if dir != "" {
			if journal, jerr = cf.NewJournal(dir, c.Endpoints().API, "ui rotate", now); jerr == nil {
				ropts.Journal = journal
			}
		}
		if err := c.ApplyRotation(ctx, items, ropts); jerr == nil {
			jerr = err
		}
		if journal != nil && !failedAny(items) {
			_ = journal.Finish(now)
		}
		ch <- rotationEndMsg{run: r, items: items, deleteOld: deleteOld, journalErr: jerr}
	}()
	if len(keys) > 1 {
		return tea.Batch(listen(ch), m.push(&runPage{r: r})) // one line per key
	}
	return listen(ch)
}

func failedAny(items []cf.RotationItem) bool {
	for _, it := range items {
		if it.Step != cf.StepDone && it.Step != cf.StepSkipped {
			return true
		}
	}
	return false
}

// rotationStep shows a key's step on the status line; the lists follow once the successor exists and once
// the old key is gone.
func (m *Model) rotationStep(msg rotationStepMsg) tea.Cmd {
	it := msg.item
	if _, ok := msg.run.lines[it.Old.GUID]; !ok {
		return nil // a skipped key of the plan: not part of the run
	}
	msg.run.lines[it.Old.GUID] = safetext.Clean(it.Old.Name) + ": " + stepText(it, msg.deleteOld)
	if it.Step == cf.StepCreated || (it.Step == cf.StepDone && msg.deleteOld) {
		return m.refresh(msg.run.f) // unless one runs: a rotation of many keys must not sweep once per key
	}
	return nil
}

// stepText is how far a key's rotation came: created → job done → verified → old deleted.
func stepText(it cf.RotationItem, deleteOld bool) string {
	switch it.Step {
	case cf.StepPlanned:
		return "waiting"
	case cf.StepCreating:
		return "creating…"
	case cf.StepCreated:
		return "created ✓ job done ✓ verifying…"
	case cf.StepVerified, cf.StepAnnotated:
		return "created ✓ job done ✓ verified ✓"
	case cf.StepDeleting:
		return "created ✓ job done ✓ verified ✓ deleting the old key…"
	case cf.StepDone:
		if deleteOld {
			return "created ✓ job done ✓ verified ✓ old deleted ✓"
		}
		return "created ✓ job done ✓ verified ✓ (old key kept)"
	case cf.StepFailed:
		return "failed: " + cf.Redact(describeErr(it.Err))
	}
	return string(it.Step)
}

// rotationEnd says how the rotation ended and selects the new key.
func (m *Model) rotationEnd(msg rotationEndMsg) tea.Cmd {
	r := msg.run
	r.done = true
	if msg.err != nil {
		r.failed, r.outcome = true, "the rotation did not start: "+cf.Redact(describeErr(msg.err))
		return nil
	}
	var okNames, failed []string
	newGUID := ""
	for _, it := range msg.items {
		switch it.Step {
		case cf.StepDone:
			m.unmark(r.f, it.Old.GUID)
			okNames = append(okNames, it.NewName)
			if newGUID == "" {
				newGUID = it.NewGUID
			}
		case cf.StepSkipped:
		default:
			failed = append(failed, it.Old.Name+": "+stepText(it, msg.deleteOld))
		}
	}
	var parts []string
	if len(okNames) > 0 {
		old := "old keys kept (marked replaced-by)"
		if msg.deleteOld {
			old = "old keys deleted"
		}
		if len(okNames) == 1 {
			old = strings.Replace(strings.Replace(old, "keys", "key", 1), "old keys", "old key", 1)
		}
		parts = append(parts, fmt.Sprintf("rotated: %s; %s", strings.Join(okNames, ", "), old))
	}
	if len(failed) > 0 {
		r.failed = true
		parts = append(parts, "not rotated: "+strings.Join(failed, "; "))
	}
	if msg.journalErr != nil {
		parts = append(parts, "journal: "+msg.journalErr.Error())
	}
	r.outcome = strings.Join(parts, " · ")
	return m.refreshSelecting(r.f, newGUID)
}

func removeRun(runs []*run, r *run) []*run {
	out := runs[:0]
	for _, x := range runs {
		if x != r {
			out = append(out, x)
		}
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
