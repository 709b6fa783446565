package ui

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

// createdMsg is the answer of a key create.
type createdMsg struct {
	run     *run
	f       *foundationState
	inst    cf.ServiceInstance
	created cf.CreatedKey
	err     error
}

// Presets the create form offers, by offering; "json" is raw parameters, "none" sends none.
const (
	presetJSON = "json"
	presetNone = "none"
)

func presetChoices(offering string) []huh.Option[string] {
	switch offering {
	case cf.OfferingIntegrationRuntime:
		return []huh.Option[string]{huh.NewOption("certificate (validity, key length)", cf.KeyTypeCertificate),
			huh.NewOption("client secret", cf.KeyTypeClientSecret), huh.NewOption("external certificate (a PEM file)", cf.KeyTypeExternalCertificate),
			huh.NewOption("raw JSON parameters", presetJSON)}
	case cf.OfferingXSUAA:
		return []huh.Option[string]{huh.NewOption("x509 (validity, key length)", cf.CredentialTypeX509),
			huh.NewOption("binding secret", cf.CredentialTypeBindingSecret), huh.NewOption("raw JSON parameters", presetJSON)}
	}
	return []huh.Option[string]{huh.NewOption("no parameters", presetNone), huh.NewOption("raw JSON parameters", presetJSON)}
}

// createAnswers are what the create form asks.
type createAnswers struct {
	name, preset, validity, keyLength, pemPath, params string
	confirm                                            bool
}

// parameters turns the answers into the create parameters, by cf's presets (the JSON SAP documents) or as typed.
func (a *createAnswers) parameters(offering, dir string) (map[string]any, error) {
	switch a.preset {
	case presetNone:
		return nil, nil
	case presetJSON:
		if strings.TrimSpace(a.params) == "" {
			return nil, nil
		}
		p, err := cf.ParseParameters([]byte(a.params))
		if err != nil {
			return nil, errors.New("the parameters must be a JSON object")
		}
		return p, nil
	}
	var p cf.KeyPreset
	if offering == cf.OfferingXSUAA {
		p.CredentialType = a.preset
	} else {
		p.KeyType = a.preset
	}
	if a.preset == cf.KeyTypeCertificate || a.preset == cf.CredentialTypeX509 {
		for _, v := range []struct {
			text string
			to   *int
			what string
		}{{a.validity, &p.Validity, "validity"}, {a.keyLength, &p.KeyLength, "key length"}} {
			if t := strings.TrimSpace(v.text); t != "" {
				n, err := strconv.Atoi(t)
				if err != nil {
					return nil, fmt.Errorf("%s: %q is not a number", v.what, t)
				}
				*v.to = n
			}
		}
	}
	if a.preset == cf.KeyTypeExternalCertificate {
		pem, err := readCertificate(dir, a.pemPath)
		if err != nil {
			return nil, err
		}
		p.CertificatePEM = pem
	}
	return p.Parameters(offering)
}

// createOnSelected opens the form that creates a key on the selected instance.
func (m *Model) createOnSelected() tea.Cmd {
	f, si := m.selectedInstance()
	if si == nil {
		m.setStatus("select an instance (or one of its keys) to create a key on")
		return nil
	}
	c, why := m.writer(f)
	if why != "" {
		m.setStatus(why)
		return nil
	}
	inst := *si
	a := &createAnswers{}
	choices := presetChoices(inst.OfferingName)
	a.preset = choices[0].Value
	dir := m.opts.Dir
	existing := map[string]bool{}
	if f.idx != nil {
		for _, k := range f.idx.keysByInstance[inst.GUID] {
			existing[k.Name] = true
		}
	}
	is := func(presets ...string) func() bool {
		return func() bool {
			for _, p := range presets {
				if a.preset == p {
					return false
				}
			}
			return true
		}
	}
	check := func(string) error { _, err := a.parameters(inst.OfferingName, dir); return err }
	groups := []*huh.Group{
		huh.NewGroup(
			huh.NewInput().Title("Name of the new key").Value(&a.name).Validate(func(s string) error {
				switch s = strings.TrimSpace(s); {
				case s == "":
					return errors.New("the key needs a name")
				case existing[s]:
					return fmt.Errorf("the instance has a key named %s already", s)
				}
				return nil
			}),
			huh.NewSelect[string]().Title("Kind of key ("+inst.OfferingName+")").Options(choices...).Value(&a.preset),
		),
		huh.NewGroup(
			huh.NewInput().Title("Validity in days").Description("empty: the broker's default").Value(&a.validity).Validate(check),
			huh.NewInput().Title("Key length in bits").Description("empty: the broker's default").Value(&a.keyLength).Validate(check),
		).WithHideFunc(is(cf.KeyTypeCertificate, cf.CredentialTypeX509)),
		huh.NewGroup(huh.NewInput().Title("Certificate (PEM file)").Value(&a.pemPath).Validate(check)).WithHideFunc(is(cf.KeyTypeExternalCertificate)),
		huh.NewGroup(huh.NewText().Title("Parameters (JSON)").Value(&a.params).Lines(4).Validate(check)).WithHideFunc(is(presetJSON)),
		// A static title: huh computes *Func titles in commands, off the event loop, racing the answers.
		huh.NewGroup(huh.NewConfirm().Title("Create the key on " + safetext.Clean(inst.Name) + "?").Affirmative("Create").Negative("Cancel").Value(&a.confirm)),
	}
	intro := cleanLines(fmt.Sprintf("A new key on %s / %s / %s (%s, plan %s)", inst.OrgName, inst.SpaceName, inst.Name, inst.OfferingName, inst.PlanName))
	done := func(m *Model) tea.Cmd {
		if !a.confirm {
			m.setStatus("key creation cancelled; nothing was sent")
			return nil
		}
		params, err := a.parameters(inst.OfferingName, dir)
		if err != nil {
			m.setStatus(err.Error() + "; nothing was sent")
			return nil
		}
		name := strings.TrimSpace(a.name)
		r := m.acts.newRun(f, "creating", &cf.KeyReport{GUID: "new", Name: name})
		r.lines["new"] = safetext.Clean(name) + " on " + safetext.Clean(inst.Name) + "…"
		ctx := m.c.ctx
		req := cf.KeyRequest{InstanceGUID: inst.GUID, Name: name, Parameters: params}
		return func() tea.Msg {
			created, err := c.CreateKey(ctx, req)
			if err != nil {
				err = cf.ExplainWrite(err, inst.OrgName, inst.SpaceName)
			}
			return createdMsg{run: r, f: f, inst: inst, created: created, err: err}
		}
	}
	return m.push(newFormPage("new key on "+inst.Name, f, intro, done, groups...))
}

// created opens the new key's detail page (secrets masked) and refreshes the lists to show it.
func (m *Model) created(msg createdMsg) tea.Cmd {
	r := msg.run
	r.done = true
	if msg.err != nil {
		r.failed, r.outcome = true, "creating the key failed: "+cf.Redact(describeErr(msg.err))
		return nil
	}
	k := msg.created.Key
	kr := msg.created.Report(msg.inst) // as key create reports it
	r.outcome = "created " + safetext.Clean(k.Name) + " on " + safetext.Clean(msg.inst.Name) + ": v reveals its credentials, w writes them to a file for handover"
	d := newDetailPage(msg.f, &kr)
	creds := msg.created.Credentials
	d.creds, d.loading = &creds, false // the create read them already
	m.stack = append(m.stack, d)
	return m.refreshSelecting(msg.f, k.GUID)
}
