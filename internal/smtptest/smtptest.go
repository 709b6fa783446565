// Package smtptest runs a real SMTP server in-process for tests (github.com/emersion/go-smtp): STARTTLS with
// testcert's certificate for 127.0.0.1, PLAIN authentication, and every accepted message kept for inspection.
package smtptest

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/cfkeys/cfkeys/internal/testcert"
)

// Message is one accepted mail.
type Message struct {
	User string // the authenticated user
	From string
	To   []string
	Data []byte
}

// Server is a running SMTP server.
type Server struct {
	Addr    string         // 127.0.0.1:port
	RootCAs *x509.CertPool // trusts the server's certificate

	user, password string

	mu       sync.Mutex
	messages []Message
	failNext int
}

// Start runs a server that requires STARTTLS (or, with implicitTLS, TLS from the first byte, as on port 465)
// and PLAIN authentication as user with password; it stops at the end of the test.
func Start(t testing.TB, user, password string, implicitTLS bool) *Server {
	t.Helper()
	cert, pool := testcert.Localhost()
	s := &Server{RootCAs: pool, user: user, password: password}
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.ErrorLog = log.New(io.Discard, "", 0) // clients that give up on purpose are not news
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	if implicitTLS {
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

// Messages returns the mails accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// FailNext makes the next n deliveries fail with a temporary error (451).
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = n
}

// NewSession implements smtp.Backend.
func (s *Server) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{srv: s, conn: c}, nil
}

type session struct {
	srv  *Server
	conn *smtp.Conn
	user string
	msg  Message
}

var errAuthRequired = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(mech string) (sasl.Server, error) {
	if _, isTLS := s.conn.TLSConnectionState(); !isTLS {
		return nil, &smtp.SMTPError{Code: 538, EnhancedCode: smtp.EnhancedCode{5, 7, 11}, Message: "Encryption required"}
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != s.srv.user || password != s.srv.password {
			return errors.New("invalid credentials")
		}
		s.user = username
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.user == "" {
		return errAuthRequired
	}
	s.msg = Message{User: s.user, From: from}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.msg.To = append(s.msg.To, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	if s.srv.failNext > 0 {
		s.srv.failNext--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	}
	s.msg.Data = b
	s.srv.messages = append(s.srv.messages, s.msg)
	return nil
}

func (s *session) Reset()        { s.msg = Message{User: s.user} }
func (s *session) Logout() error { return nil }

// Decode parses the mail: the Subject header decoded, then each part's content type and decoded body, so tests
// can read the text. It fails when the mail is not well-formed MIME.
func (m Message) Decode() (string, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		return "", fmt.Errorf("not a mail: %w", err)
	}
	var out strings.Builder
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return "", fmt.Errorf("subject: %w", err)
	}
	out.WriteString("Subject: " + subject + "\n")
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return "", fmt.Errorf("content type: %w", err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", fmt.Errorf("part: %w", err)
		}
		body, err := io.ReadAll(quotedprintable.NewReader(p))
		if err != nil {
			return "", fmt.Errorf("part body: %w", err)
		}
		out.WriteString("--- " + p.Header.Get("Content-Type") + "\n" + string(body) + "\n")
	}
	return out.String(), nil
}
