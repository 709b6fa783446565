package notify_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/notify"
)

// echoingSMTP is a mail server on loopback that refuses AUTH PLAIN with an answer quoting what it was sent, as a
// careless server or proxy may: the base64 of the user and the password.
func echoingSMTP(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				r := bufio.NewReader(conn)
				conn.Write([]byte("220 echo ESMTP\r\n"))
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					line = strings.TrimRight(line, "\r\n")
					switch {
					case strings.HasPrefix(line, "EHLO"):
						conn.Write([]byte("250-echo\r\n250 AUTH PLAIN\r\n"))
					case strings.HasPrefix(line, "AUTH PLAIN "):
						conn.Write([]byte("535 5.7.8 credentials " + strings.TrimPrefix(line, "AUTH PLAIN ") + " rejected\r\n"))
					case line == "QUIT":
						conn.Write([]byte("221 bye\r\n"))
						return
					default:
						conn.Write([]byte("250 ok\r\n"))
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// TestMailAuthEchoIsRedacted: a server that quotes the AUTH PLAIN blob in its refusal does not get the password,
// in any spelling, into the error that watch logs and /healthz shows.
func TestMailAuthEchoIsRedacted(t *testing.T) {
	t.Parallel()
	const user, password = "cfkeys", "smtp-echo-Pa55word"
	m := &notify.Mail{Addr: echoingSMTP(t), Security: notify.SecurityNone, Username: user, Password: cf.NewSecret(password),
		From: "cfkeys@example.org", To: []string{"ops@example.org"}}
	err := m.Send(context.Background(), hostileBatch())
	if err == nil || !strings.Contains(err.Error(), "credentials AGNm") {
		t.Fatalf("want the server's refusal, got %v", err)
	}
	blob := base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + password))
	if msg := cf.Redact(err.Error()); strings.Contains(msg, blob) || strings.Contains(msg, password) || !strings.Contains(msg, cf.Redacted) {
		t.Errorf("the refusal is not redacted: %q", msg)
	}
}

// TestMailRefusesAHugeAnswer: a mail server whose greeting never ends is cut off after a bound, not read into
// memory for the whole delivery timeout.
func TestMailRefusesAHugeAnswer(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var sent atomic.Int64
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		conn.Write([]byte("220 "))
		chunk := []byte(strings.Repeat("x", 64<<10))
		for sent.Load() < 256<<20 { // a quarter of a gigabyte on one line, unless the client hangs up
			n, err := conn.Write(chunk)
			sent.Add(int64(n))
			if err != nil {
				return
			}
		}
	}()
	m := &notify.Mail{Addr: ln.Addr().String(), Security: notify.SecurityNone, From: "cfkeys@example.org", To: []string{"ops@example.org"}}
	err = m.Send(context.Background(), hostileBatch())
	if err == nil || !strings.Contains(err.Error(), "answered more than") {
		t.Fatalf("want the answer refused as too long, got %v", err)
	}
	if n := sent.Load(); n > 64<<20 {
		t.Errorf("read %d bytes before giving up", n)
	}
}
