package main

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/profile"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

// cacheOptions are the findings-cache flags of the commands that read keys (scan, find, the UI).
type cacheOptions struct {
	Off    bool          // --no-cache: read every key's credentials, and leave the cache as it is
	MaxAge time.Duration // --cache-max-age; 0 means cf.DefaultCacheMaxAge
}

func (o *cacheOptions) addFlags(f *pflag.FlagSet) {
	f.BoolVar(&o.Off, "no-cache", false, "read every key's credentials instead of the findings cache, and leave the cache as it is")
	f.Var((*maxAgeValue)(&o.MaxAge), "cache-max-age", "read a cached key's credentials again once its finding is about this old (e.g. 7d, 36h; spread per key between half of it and all of it)")
}

// maxAgeValue is --cache-max-age: days as users write them (7d, 2w) or a Go duration (36h).
type maxAgeValue time.Duration

func (v *maxAgeValue) String() string {
	d := time.Duration(*v)
	if d <= 0 {
		d = cf.DefaultCacheMaxAge
	}
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}

func (v *maxAgeValue) Set(s string) error {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		days, derr := expiry.ParseDays(s)
		if derr != nil {
			return fmt.Errorf("want a duration such as 7d or 36h")
		}
		d = time.Duration(days) * 24 * time.Hour
	}
	if d <= 0 {
		return fmt.Errorf("must be above zero (--no-cache reads every key)")
	}
	*v = maxAgeValue(d)
	return nil
}

func (v *maxAgeValue) Type() string { return "duration" }

// findingsCaches are the details caches of one run, made on first use and shared by all its clients, as the
// process-wide one was: a persistent one for runs that use the findings cache, one of this run alone for
// --no-cache.
type findingsCaches struct {
	mu         sync.Mutex
	persistent *cf.DetailsCache
	memory     *cf.DetailsCache
	warnMu     sync.Mutex // serialises warnings of parallel sweeps (--all-profiles)
}

// detailsCache returns the details cache a client of this run uses under the given flags. A cache directory
// that cannot be found leaves the run with an in-memory cache and a warning; it never stops a scan.
func (a *app) detailsCache(o cacheOptions) *cf.DetailsCache {
	if a.details != nil {
		return a.details
	}
	c := &a.findings
	c.mu.Lock()
	defer c.mu.Unlock()
	if !o.Off && c.persistent == nil {
		dir, err := cf.CacheDir(a.getenv)
		if err != nil {
			a.cacheWarning(err)
		} else {
			c.persistent = cf.NewPersistentDetailsCache(cf.NewFindingsStore(dir, o.MaxAge, a.cacheWarning))
		}
	}
	if !o.Off && c.persistent != nil {
		return c.persistent
	}
	if c.memory == nil {
		c.memory = cf.NewDetailsCache()
	}
	return c.memory
}

// cacheWarning tells the user the findings cache could not be used; the scan goes on without it.
func (a *app) cacheWarning(err error) {
	a.findings.warnMu.Lock()
	defer a.findings.warnMu.Unlock()
	fmt.Fprintln(a.errOut, safetext.Clean("cfkeys: warning: "+err.Error()))
}

func newCacheCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cache",
		Short: "Show or clear the findings cache",
		Long: `cfkeys remembers what each service key's certificate says (subject, issuer, serial, expiry; never a
credential, token or key), per foundation and user, in the findings cache: $CFKEYS_CACHE_DIR, else cfkeys in the
user cache directory. A key's credentials never change after it is created, so a scan reads only the credentials
of keys it has not seen: every read writes an audit event (audit.service_key.show) on the foundation and counts
against its rate limit. A cached finding is read again once it is older than --cache-max-age (7 days by default,
spread per key), for credentials held as a CredHub reference that can change behind the same key.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newCacheShowCmd(a), newCacheClearCmd(a))
	return cmd
}

func newCacheShowCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "show",
		Short: "Say where the findings cache is and what it holds",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := cf.CacheDir(a.getenv)
			if err != nil {
				return err
			}
			caches, err := cf.FindingsCaches(dir)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "findings cache: %s\n", dir)
			if len(caches) == 0 {
				fmt.Fprintln(a.out, "empty: the next scan reads every key's credentials")
				return nil
			}
			profiles, _, err := a.loadProfiles()
			if err != nil {
				profiles = &profile.Config{} // the caches are still shown, named by their origins
			}
			rows := [][]string{{"FOUNDATION", "USER / CLIENT", "KEYS", "CERTIFICATES", "READ", "SAVED", "SIZE"}}
			for _, c := range caches {
				if c.Err != nil {
					rows = append(rows, []string{"?", "?", "-", "-", "-", "-", sizeOf(c.Size) + "  unusable: " + c.Err.Error()})
					continue
				}
				read := "-"
				if c.Keys > 0 {
					newest, oldest := ago(a.now(), c.NewestRead), ago(a.now(), c.OldestRead)
					if read = newest; oldest != newest {
						read = newest + " to " + oldest
					}
				}
				rows = append(rows, []string{foundationName(profiles, c.Origin), c.Principal, fmt.Sprint(c.Keys), fmt.Sprint(c.Certificates),
					read, ago(a.now(), c.SavedAt), sizeOf(c.Size)})
			}
			writeRows(a, rows)
			return nil
		},
	}
}

func newCacheClearCmd(a *app) *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "clear",
		Short: "Empty the findings cache, of every foundation or of one profile's",
		Long: `Clear removes the findings cache, so the next scan reads every key's credentials again. With --profile it
removes only what is cached about that profile's foundation (for every user of it).`,
		Example: `  cfkeys cache clear
  cfkeys cache clear --profile eu10`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := cf.CacheDir(a.getenv)
			if err != nil {
				return err
			}
			api := ""
			if name != "" {
				cfg, cfgDir, err := a.loadProfiles()
				if err != nil {
					return err
				}
				p, ok := cfg.Get(name)
				if !ok {
					return fmt.Errorf("no profile %q in %s (known: %v)", name, cfgDir, cfg.Names())
				}
				api = p.API
			}
			n, err := cf.ClearFindingsCaches(dir, api)
			if err != nil {
				return err
			}
			noun := "files"
			if n == 1 {
				noun = "file"
			}
			fmt.Fprintf(a.out, "removed %d findings %s from %s\n", n, noun, dir)
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "profile", "", "clear only what is cached about this profile's foundation")
	return cmd
}

// foundationName names a cached foundation by its origin and the profiles that log in to it, if any.
func foundationName(cfg *profile.Config, origin string) string {
	var names []string
	for _, p := range cfg.Profiles {
		if o, ok := cf.APIOrigin(p.API); ok && o == origin {
			names = append(names, p.Name)
		}
	}
	if len(names) == 0 {
		return origin
	}
	return origin + " (" + strings.Join(names, ", ") + ")"
}

// ago says how long before now t was, in the largest whole unit: "3d ago", "5h ago", "just now".
func ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case t.IsZero():
		return "-"
	case d < 0:
		return "in the future"
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd ago", d/(24*time.Hour))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%dh ago", d/time.Hour)
	case d >= 2*time.Minute:
		return fmt.Sprintf("%dm ago", d/time.Minute)
	}
	return "just now"
}

// sizeOf prints a file size in kB or MB.
func sizeOf(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
}
