package policy

import (
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf/expiry"
)

// t0 is the fixed instant the tests judge at.
var t0 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// certKey is a key whose certificate was issued issued ago and lasts lifetime.
func certKey(offering string, lifetime, issued time.Duration) Key {
	nb := t0.Add(-issued)
	return Key{API: "https://api.example.org", Org: "acme", Space: "prod", Offering: offering, Plan: "application",
		Instance: "inst", Name: "k", GUID: "5f0e9c1a-1111-4222-8333-944455556666",
		Finding: expiry.Finding{Kind: expiry.KindCertificate, Certificate: &expiry.Certificate{Serial: "0x0A", NotBefore: nb, NotAfter: nb.Add(lifetime)}}}
}

const day = 24 * time.Hour

func TestJudgeThresholds(t *testing.T) {
	t.Parallel()
	def := Default()
	uniform := Uniform(expiry.DefaultThresholds)
	detailsOnly := certKey("it-rt", 365*day, 340*day)
	detailsOnly.Finding.Certificate.NotBefore = time.Time{} // certificatedetails: no issue date
	detailsXSUAA := certKey("xsuaa", 7*day, 6*day)
	detailsXSUAA.Finding.Certificate.NotBefore = time.Time{}
	cases := []struct {
		name     string
		p        *Policy
		k        Key
		want     expiry.Status
		days     int
		rule     string
		fallback bool
	}{
		// The examples: a 7-day XSUAA key, judged by shares, is fine at day 2 and a warning at day 6 ...
		{"xsuaa 7d key at day 2", def, certKey("xsuaa", 7*day, 2*day), expiry.StatusOK, 5, "xsuaa-x509", false},
		{"xsuaa 7d key at day 6", def, certKey("xsuaa", 7*day, 6*day), expiry.StatusWarning, 1, "xsuaa-x509", false},
		{"xsuaa 7d key 12h before expiry", def, certKey("xsuaa", 7*day, 7*day-12*time.Hour), expiry.StatusCritical, 0, "xsuaa-x509", false},
		// ... where one pair of day thresholds made it critical from birth.
		{"xsuaa 7d key at day 2, uniform 30d/7d", uniform, certKey("xsuaa", 7*day, 2*day), expiry.StatusCritical, 5, "default", false},
		// A 365-day key at day 340 has 25 days: a warning by days, critical by 10% (36.5 days).
		{"365d it-rt key at day 340", def, certKey("it-rt", 365*day, 340*day), expiry.StatusWarning, 25, "integration-suite", false},
		{"365d identity key at day 340", def, certKey("identity", 365*day, 340*day), expiry.StatusCritical, 25, "identity-x509", false},
		{"365d identity key at day 300", def, certKey("identity", 365*day, 300*day), expiry.StatusWarning, 65, "identity-x509", false},
		{"365d identity key at day 200", def, certKey("identity", 365*day, 200*day), expiry.StatusOK, 165, "identity-x509", false},
		{"365d other key at day 340", def, certKey("destination", 365*day, 340*day), expiry.StatusWarning, 25, "default", false},
		// Day boundaries: at most 30 days is a warning, at most 7 critical, past the end expired.
		{"31 days left", def, certKey("it-rt", 365*day, 334*day), expiry.StatusOK, 31, "integration-suite", false},
		{"exactly 30 days left", def, certKey("it-rt", 365*day, 335*day), expiry.StatusWarning, 30, "integration-suite", false},
		{"exactly 8 days left", def, certKey("it-rt", 365*day, 357*day), expiry.StatusWarning, 8, "integration-suite", false},
		{"exactly 7 days left", def, certKey("it-rt", 365*day, 358*day), expiry.StatusCritical, 7, "integration-suite", false},
		{"last second", def, certKey("it-rt", 365*day, 365*day-time.Second), expiry.StatusCritical, 0, "integration-suite", false},
		{"at the end", def, certKey("it-rt", 365*day, 365*day), expiry.StatusCritical, 0, "integration-suite", false},
		{"one second past", def, certKey("it-rt", 365*day, 365*day+time.Second), expiry.StatusExpired, -1, "integration-suite", false},
		// Share boundaries: 20% of 10 days is exactly 2 days.
		{"share: just above 20%", def, certKey("xsuaa", 10*day, 8*day-time.Second), expiry.StatusOK, 2, "xsuaa-x509", false},
		{"share: exactly 20%", def, certKey("xsuaa", 10*day, 8*day), expiry.StatusWarning, 2, "xsuaa-x509", false},
		{"share: just above 10%", def, certKey("xsuaa", 10*day, 9*day-time.Second), expiry.StatusWarning, 1, "xsuaa-x509", false},
		{"share: exactly 10%", def, certKey("xsuaa", 10*day, 9*day), expiry.StatusCritical, 1, "xsuaa-x509", false},
		{"share: expired", def, certKey("xsuaa", 7*day, 8*day), expiry.StatusExpired, -1, "xsuaa-x509", false},
		// Without an issue date a share cannot be taken: the fallback days apply.
		{"share without lifetime", def, detailsXSUAA, expiry.StatusCritical, 1, "xsuaa-x509", true},
		{"days without lifetime", def, detailsOnly, expiry.StatusWarning, 25, "integration-suite", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			v := c.p.Judge(c.k, t0)
			if v.Status != c.want || !v.HasDays || v.Days != c.days || v.Rule != c.rule || v.LifetimeUnknown != c.fallback {
				t.Errorf("got %v, %d days, rule %q, fallback %v; want %v, %d days, rule %q, fallback %v",
					v.Status, v.Days, v.Rule, v.LifetimeUnknown, c.want, c.days, c.rule, c.fallback)
			}
		})
	}
}

func TestJudgeWithoutCertificate(t *testing.T) {
	t.Parallel()
	p := Default()
	for _, c := range []struct {
		f    expiry.Finding
		want expiry.Status
	}{
		{expiry.Finding{Kind: expiry.KindNone}, expiry.StatusNone},
		{expiry.Unknown("unreadable"), expiry.StatusUnknown},
		{expiry.Finding{Kind: expiry.KindCertificate}, expiry.StatusUnknown},
	} {
		k := certKey("xsuaa", day, 0)
		k.Finding = c.f
		if v := p.Judge(k, t0); v.Status != c.want || v.HasDays {
			t.Errorf("%+v: got %v (days %v), want %v", c.f, v.Status, v.HasDays, c.want)
		}
	}
}

func TestJudgeEffectiveExpiry(t *testing.T) {
	t.Parallel()
	// A CA that expires first ends the key's life: days and status follow it, the share the leaf's lifetime.
	k := certKey("it-rt", 365*day, 100*day)
	k.Finding.Certificate.ChainExpiresFirst = true
	k.Finding.Certificate.ChainNotAfter = t0.Add(3 * day)
	if v := Default().Judge(k, t0); v.Status != expiry.StatusCritical || v.Days != 3 {
		t.Errorf("got %v %d, want critical 3", v.Status, v.Days)
	}
}

func TestRuleMatching(t *testing.T) {
	t.Parallel()
	p := &Policy{Rules: []Rule{
		{Name: "prod-cpi", Match: Match{Foundation: "eu10*", Org: "acme-*", Space: "prod", Offering: "it-rt"}, Warning: Days(60), Critical: Days(14)},
		{Name: "by-api", Match: Match{Foundation: "https://api.cf.us10.*"}, Warning: Days(45), Critical: Days(10)},
		{Name: "partner-keys", Match: Match{Key: "partner-?-*"}, Warning: Days(90), Critical: Days(30)},
		{Name: "broker-plan", Match: Match{Plan: "broker", Instance: "*-uaa"}, Warning: Share(50), Critical: Share(25)},
		{Name: "any-acme", Match: Match{Org: "acme-*"}, Warning: Days(20), Critical: Days(5)},
	}}
	base := Key{Foundation: "eu10-prod", API: "https://api.cf.eu10.hana.ondemand.com", Org: "acme-prod", Space: "prod",
		Offering: "it-rt", Plan: "integration-flow", Instance: "cpi", Name: "sender"}
	with := func(f func(*Key)) Key { k := base; f(&k); return k }
	cases := []struct {
		name string
		k    Key
		want string
	}{
		{"every field fits", base, "prod-cpi"},
		{"first match wins over a later one", base, "prod-cpi"},
		{"another space falls through", with(func(k *Key) { k.Space = "dev" }), "any-acme"},
		{"foundation by API URL", with(func(k *Key) { k.Foundation, k.API, k.Org = "", "https://api.cf.us10.hana.ondemand.com", "x" }), "by-api"},
		{"foundation glob on the profile name", with(func(k *Key) { k.Foundation = "us10"; k.API = "https://x" }), "any-acme"},
		{"? is exactly one character", with(func(k *Key) { k.Org, k.Name = "other", "partner-a-1" }), "partner-keys"},
		{"? does not match two", with(func(k *Key) { k.Org, k.Name = "other", "partner-ab-1" }), "default"},
		{"? matches one wide character", with(func(k *Key) { k.Org, k.Name = "other", "partner-東-1" }), "partner-keys"},
		{"several fields must all fit", with(func(k *Key) { k.Org, k.Plan, k.Instance = "o", "broker", "orders-uaa" }), "broker-plan"},
		{"one unfit field fails the rule", with(func(k *Key) { k.Org, k.Plan, k.Instance = "o", "broker", "orders" }), "default"},
		{"globs are case-sensitive", with(func(k *Key) { k.Org = "ACME-prod" }), "default"},
		{"* matches slashes too", with(func(k *Key) { k.Org = "acme-a/b"; k.Space = "x" }), "any-acme"},
		{"no rule fits: the fallback", with(func(k *Key) { k.Org = "globex" }), "default"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := p.Rule(c.k).Name; got != c.want {
				t.Errorf("rule %q, want %q", got, c.want)
			}
		})
	}
}

func TestGlobMatch(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		pattern, name string
		want          bool
	}{
		{"", "", true}, {"", "a", false}, {"*", "", true}, {"*", "anything", true}, {"a*", "a", true},
		{"a*c", "abbbc", true}, {"a*c", "abbbd", false}, {"*b*", "abc", true}, {"a**c", "ac", true},
		{"?", "", false}, {"?", "é", true}, {"a?c", "abc", true}, {"*-x509", "orders-app-x509", true},
		{"*-x509", "orders-app-x509-next", false}, {"[ab]", "a", false}, {"[ab]", "[ab]", true},
	} {
		if got := globMatch(c.pattern, c.name); got != c.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", c.pattern, c.name, got, c.want)
		}
	}
}

func TestParseThreshold(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want Threshold
		err  bool
	}{
		{"30d", Days(30), false}, {"2w", Days(14), false}, {"7", Days(7), false}, {"36h", Days(1), false},
		{"20%", Share(20), false}, {" 12.5% ", Share(12.5), false}, {"0%", Threshold{}, true}, {"100%", Threshold{}, true},
		{"-5%", Threshold{}, true}, {"abc%", Threshold{}, true}, {"NaN%", Threshold{}, true}, {"soon", Threshold{}, true}, {"-3d", Threshold{}, true},
	} {
		got, err := ParseThreshold(c.in)
		if (err != nil) != c.err || got != c.want {
			t.Errorf("ParseThreshold(%q) = %v, %v; want %v, error %v", c.in, got, err, c.want, c.err)
		}
		if err == nil {
			if back, _ := ParseThreshold(got.String()); back != got {
				t.Errorf("%v does not survive String: %q", got, got.String())
			}
		}
	}
}

func TestOverride(t *testing.T) {
	t.Parallel()
	w, c := Days(45), Days(10)
	p, err := Default().Override(&w, &c)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Overridden {
		t.Error("not marked overridden")
	}
	// Every rule, the XSUAA one too, now uses the command line's thresholds; the file's rule names stay.
	v := p.Judge(certKey("xsuaa", 7*day, 2*day), t0)
	if v.Status != expiry.StatusCritical || v.Rule != "xsuaa-x509" || v.Warning != w || v.Critical != c {
		t.Errorf("got %+v", v)
	}
	if v := p.Judge(certKey("it-rt", 365*day, 320*day), t0); v.Status != expiry.StatusWarning {
		t.Errorf("45 days left with --warn 45d: %v", v.Status)
	}
	// Only one of them: the other stays the file's.
	only := Days(3)
	p, err = Default().Override(nil, &only)
	if err != nil {
		t.Fatal(err)
	}
	if v := p.Judge(certKey("it-rt", 365*day, 360*day), t0); v.Status != expiry.StatusWarning || v.Warning != Days(30) {
		t.Errorf("--critical 3d alone: %v %v", v.Status, v.Warning)
	}
	// A critical above a rule's warning is refused, naming the rule.
	big := Days(40)
	if _, err := Default().Override(nil, &big); err == nil {
		t.Error("--critical 40d under a 30d warning accepted")
	}
	// Nothing to override: the same policy.
	if p, _ := Default().Override(nil, nil); p.Overridden || len(p.Rules) != len(Default().Rules) {
		t.Error("an empty override changed the policy")
	}
}
