package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"

	"github.com/cfkeys/cfkeys/cf"
)

// Security is how a mail connection is protected.
type Security string

// The ways to protect a mail connection.
const (
	SecurityStartTLS Security = "starttls" // plain connection upgraded with STARTTLS, which the server must offer (port 587)
	SecurityTLS      Security = "tls"      // TLS from the first byte (port 465)
	SecurityNone     Security = "none"     // no encryption; authentication is refused except to localhost
)

// ErrNoRecipient and ErrNoPassword say what Validate found missing; the command says where to give it (a flag or
// a policy file's field).
var (
	ErrNoRecipient = errors.New("no recipient")
	ErrNoPassword  = errors.New("an SMTP user needs a password")
)

// ParseSecurity checks a connection security setting: starttls, tls or none.
func ParseSecurity(s string) (Security, error) {
	switch Security(s) {
	case SecurityStartTLS, SecurityTLS, SecurityNone:
		return Security(s), nil
	}
	return "", fmt.Errorf("unknown SMTP security %q (want starttls, tls or none)", s)
}

// Mail sends notifications by e-mail over SMTP.
type Mail struct {
	Addr     string // host:port of the SMTP server
	Security Security
	Username string    // empty: no authentication
	Password cf.Secret // from the keyring or the environment, never a flag
	From     string
	To       []string
	// TLSConfig, when set, replaces the default TLS settings (tests give their own roots).
	TLSConfig *tls.Config
	// Timeout bounds one delivery (default 60s).
	Timeout time.Duration
}

// Validate checks the addresses and settings before anything is sent. A missing recipient or password is
// ErrNoRecipient or ErrNoPassword.
func (m *Mail) Validate() error {
	if _, port, err := net.SplitHostPort(m.Addr); err != nil || port == "" {
		return fmt.Errorf("SMTP server %q: want host:port, e.g. smtp.example.org:587", m.Addr)
	}
	if _, err := ParseSecurity(string(m.Security)); err != nil {
		return err
	}
	if _, err := mail.ParseAddress(m.From); err != nil {
		return fmt.Errorf("sender address %q: %w", m.From, err)
	}
	if len(m.To) == 0 {
		return ErrNoRecipient
	}
	for _, to := range m.To {
		if _, err := mail.ParseAddress(to); err != nil {
			return fmt.Errorf("recipient address %q: %w", to, err)
		}
	}
	if m.Username != "" && m.Password.IsZero() {
		return ErrNoPassword
	}
	return nil
}

// ID names the target in metrics, the health page and the state file: the server and the recipients, never the
// password.
func (m *Mail) ID() string { return "mail:" + m.Addr + ":" + strings.Join(m.To, ",") }

// Send delivers one message to every recipient.
func (m *Mail) Send(ctx context.Context, b Batch) error {
	msg := Compose(b.Events, b.Now)
	body, err := m.render(msg, b.Now)
	if err != nil {
		return err
	}
	timeout := m.Timeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := m.deliver(ctx, body); err != nil {
		return fmt.Errorf("sending mail through %s: %w", m.Addr, err)
	}
	return nil
}

func (m *Mail) tlsConfig(host string) *tls.Config {
	if m.TLSConfig != nil {
		c := m.TLSConfig.Clone()
		if c.ServerName == "" {
			c.ServerName = host
		}
		return c
	}
	return &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
}

// deliver runs one SMTP transaction.
func (m *Mail) deliver(ctx context.Context, body []byte) error {
	host, _, _ := net.SplitHostPort(m.Addr)
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", m.Addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	conn = &boundedConn{Conn: conn, left: maxSMTPAnswers}
	if m.Security == SecurityTLS {
		tc := tls.Client(conn, m.tlsConfig(host))
		if err := tc.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("TLS handshake: %w", err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return err
	}
	defer c.Close()
	if m.Security == SecurityStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return errors.New("the server does not offer STARTTLS (use --smtp-security tls for port 465)")
		}
		if err := c.StartTLS(m.tlsConfig(host)); err != nil {
			return fmt.Errorf("STARTTLS: %w", err)
		}
	}
	if m.Username != "" {
		// A server that quotes the AUTH PLAIN answer in its refusal quotes the password in base64: redact that too.
		cf.NewSecret(base64.StdEncoding.EncodeToString([]byte("\x00" + m.Username + "\x00" + m.Password.Reveal())))
		if err := c.Auth(smtp.PlainAuth("", m.Username, m.Password.Reveal(), host)); err != nil {
			return fmt.Errorf("authenticating as %s: %w", m.Username, err)
		}
	}
	from, _ := mail.ParseAddress(m.From)
	if err := c.Mail(from.Address); err != nil {
		return err
	}
	for _, to := range m.To {
		a, _ := mail.ParseAddress(to)
		if err := c.Rcpt(a.Address); err != nil {
			return fmt.Errorf("recipient %s: %w", a.Address, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(body); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// maxSMTPAnswers bounds what one delivery reads from the mail server, every answer together: a few hundred bytes
// is usual, so a server that sends without end is cut off rather than read into memory (net/smtp reads each
// answer line whole, however long).
const maxSMTPAnswers = 1 << 20

// errAnswerTooLong says the mail server sent more than maxSMTPAnswers.
var errAnswerTooLong = fmt.Errorf("the server answered more than %d bytes", maxSMTPAnswers)

// boundedConn is a connection that fails its reads once left bytes have been read.
type boundedConn struct {
	net.Conn
	left int64
}

func (c *boundedConn) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, errAnswerTooLong
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.Conn.Read(p)
	c.left -= int64(n)
	return n, err
}

// render writes the mail: headers, then a text and an HTML part.
func (m *Mail) render(msg Message, now time.Time) ([]byte, error) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	id := make([]byte, 12)
	_, _ = rand.Read(id)
	from, _ := mail.ParseAddress(m.From)
	hdr := []string{
		"From: " + from.String(),
		"To: " + strings.Join(addresses(m.To), ", "),
		"Subject: " + mime.QEncoding.Encode("utf-8", msg.Subject),
		"Date: " + now.Format(time.RFC1123Z),
		"Message-ID: <" + hex.EncodeToString(id) + "@cfkeys>",
		"MIME-Version: 1.0",
		"Content-Type: multipart/alternative; boundary=" + mw.Boundary(),
		"Auto-Submitted: auto-generated",
	}
	b.WriteString(strings.Join(hdr, "\r\n") + "\r\n\r\n")
	for _, part := range []struct{ ctype, body string }{{"text/plain; charset=utf-8", msg.Text}, {"text/html; charset=utf-8", msg.HTML}} {
		pw, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {part.ctype}, "Content-Transfer-Encoding": {"quoted-printable"}})
		if err != nil {
			return nil, err
		}
		qp := quotedprintable.NewWriter(pw)
		if _, err := qp.Write([]byte(part.body)); err != nil {
			return nil, err
		}
		if err := qp.Close(); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// addresses renders recipients as parsed addresses, so no header can carry anything but addresses.
func addresses(list []string) []string {
	out := make([]string, 0, len(list))
	for _, s := range list {
		if a, err := mail.ParseAddress(s); err == nil {
			out = append(out, a.String())
		}
	}
	return out
}
