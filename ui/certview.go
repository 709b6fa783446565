package ui

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/safetext"
	"github.com/cfkeys/cfkeys/internal/atomicfile"
)

// chainLines are the full certificate view: every certificate of the key's PEM chain, which one decides the
// expiry, fingerprints as the Integration Suite keystore and the cockpit show them, the key and the SANs.
func (p *detailPage) chainLines(c *common) []string {
	if p.creds == nil || p.current().Finding.Certificate == nil {
		return nil
	}
	st := c.styles
	chain, err := expiry.ExtractChain(p.creds.Reveal())
	if errors.Is(err, expiry.ErrNoChain) {
		return []string{"", st.Dim.Render("Certificate chain: the credentials hold no PEM certificate")}
	}
	if err != nil {
		return []string{"", st.Error.Render("Certificate chain: ") + safetext.Clean(err.Error())}
	}
	now := c.now()
	out := []string{"", st.Bold.Render(fmt.Sprintf("Certificate chain (%s, %d %s)", safetext.Clean(chain.Path), len(chain.Certs),
		plural(len(chain.Certs), "certificate", "certificates"))) + st.Dim.Render(" · c saves it as PEM")}
	width := max(c.width-18, 20)
	put := func(label, value string) {
		for i, l := range wrapText(safetext.Clean(value), width) {
			if i == 0 {
				out = append(out, "  "+safetext.Pad(label, 16)+l)
			} else {
				out = append(out, strings.Repeat(" ", 18)+l)
			}
		}
	}
	for i, cert := range chain.Certs {
		role := "certificate"
		if cert.IsCA {
			role = "CA"
		}
		head := fmt.Sprintf("%d. %s", i+1, role)
		if cert.Decides {
			head += " · decides the key's expiry"
		}
		d := cert.DaysLeft(now)
		status := expiry.StatusOK // the one that decides carries the key's status, as the policy judges it
		switch {
		case d < 0:
			status = expiry.StatusExpired
		case cert.Decides:
			status = c.judge.state(p.f, p.current(), now).status
		}
		out = append(out, " "+st.Status(status).Render(head))
		put("Subject", cert.Subject)
		put("Issuer", cert.Issuer)
		put("Not before", cert.NotBefore.Format("2006-01-02 15:04:05 UTC"))
		put("Not after", fmt.Sprintf("%s (%s)", cert.NotAfter.Format("2006-01-02 15:04:05 UTC"), daysText(d)))
		put("Serial", cert.Serial)
		key := cert.KeyType
		if cert.KeyBits > 0 {
			key += fmt.Sprintf(" %d bits", cert.KeyBits)
		}
		put("Key", key)
		if len(cert.SANs) > 0 {
			put("SANs", strings.Join(cert.SANs, ", "))
		}
		put("SHA-1", cert.SHA1)
		put("SHA-256", cert.SHA256)
	}
	return out
}

// daysText says how many days are left: "5 days left", "expires today", "expired 3 days ago".
func daysText(d int) string {
	switch {
	case d < 0:
		return fmt.Sprintf("expired %d days ago", -d)
	case d == 0:
		return "expires today"
	case d == 1:
		return "1 day left"
	}
	return fmt.Sprintf("%d days left", d)
}

// saveChainForm asks where to save the key's certificate chain (public certificates only) and saves it there.
func (m *Model) saveChainForm(d *detailPage) tea.Cmd {
	if d.creds == nil {
		m.setStatus("the credentials are not read yet")
		return nil
	}
	chain, err := expiry.ExtractChain(d.creds.Reveal())
	if err != nil {
		m.setStatus("no certificate chain to save: " + err.Error())
		return nil
	}
	data := expiry.EncodePEM(chain.Certs)
	name := fileName(d.current().Name) + "-chain.pem"
	return m.saveFileForm("save chain", d.f, name, 0o644, data,
		fmt.Sprintf("Save the %d certificates of %s as PEM (no private key).", len(chain.Certs), d.current().Name), "certificates")
}

// saveCredsForm asks where to write the key's credentials for handover (mode 0600) and writes them there.
func (m *Model) saveCredsForm(d *detailPage) tea.Cmd {
	if d.creds == nil {
		m.setStatus("the credentials are not read yet")
		return nil
	}
	data := append(append([]byte{}, d.creds.Reveal()...), '\n')
	return m.saveFileForm("save credentials", d.f, fileName(d.current().Name)+"-credentials.json", 0o600, data,
		fmt.Sprintf("Write the credentials of %s, secrets included, to a file only you can read (0600), for handover.", d.current().Name), "credentials")
}

// saveFileForm asks for a path (an existing file is not replaced) and writes data there atomically.
func (m *Model) saveFileForm(title string, f *foundationState, suggested string, perm os.FileMode, data []byte, intro, what string) tea.Cmd {
	path := suggested
	dir := m.opts.Dir
	ok := true
	done := func(m *Model) tea.Cmd {
		if !ok {
			m.setStatus(title + ": cancelled; nothing was written")
			return nil
		}
		full := resolvePath(dir, path)
		write := func(w io.Writer) error { _, err := w.Write(data); return err }
		var err error
		if perm == 0o600 { // secrets: 0600 even over a file made since the name was checked
			err = atomicfile.WritePrivate(full, write)
		} else {
			err = atomicfile.Write(full, perm, write)
		}
		if err != nil {
			m.setStatus(fmt.Sprintf("writing the %s to %s: %v", what, full, err))
			return nil
		}
		m.setStatus(fmt.Sprintf("wrote the %s to %s (mode %04o)", what, full, perm))
		return nil
	}
	return m.push(newFormPage(title, f, cleanLines(intro), done, huh.NewGroup(
		huh.NewInput().Title("File").Value(&path).Validate(func(s string) error {
			if strings.TrimSpace(s) == "" {
				return errors.New("name a file")
			}
			if _, err := os.Lstat(resolvePath(dir, s)); err == nil {
				return errors.New("the file exists: name another (it is not replaced)")
			}
			return nil
		}),
		huh.NewConfirm().Title("Write it?").Affirmative("Write").Negative("Cancel").Value(&ok))))
}

// fileName makes a key's name fit for a file name.
func fileName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, safetext.Clean(s))
	s = strings.TrimLeft(s, ".")
	if s == "" {
		return "key"
	}
	return s
}
