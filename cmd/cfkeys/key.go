package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/report"
	"github.com/cfkeys/cfkeys/cf/safetext"
	"github.com/cfkeys/cfkeys/internal/atomicfile"
)

func newKeyCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "key",
		Short: "Create, rotate and delete service keys (writes: the foundation must allow them)",
		Long: `Key changes service keys: create a key, renew (rotate) keys whose certificates expire, delete a key.

A foundation is read-only for cfkeys unless allowed: cfkeys login --allow-writes, or cfkeys profiles set NAME
--allow-writes on; with --api, pass --allow-writes to each command. --dry-run prints the requests a command
would send and changes nothing.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newKeyCreateCmd(a), newKeyRotateCmd(a), newKeyDeleteCmd(a))
	return cmd
}

// presetFlags are the key presets of key create and instance create --key.
type presetFlags struct {
	preset          cf.KeyPreset
	certificateFile string
	parameters      string
}

func (p *presetFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&p.parameters, "parameters", "", "the broker's create parameters: JSON, or @FILE")
	f.StringVar(&p.preset.KeyType, "key-type", "", "it-rt: client-secret, certificate or external-certificate")
	f.StringVar(&p.preset.CredentialType, "credential-type", "", "xsuaa: x509 or binding-secret")
	f.IntVar(&p.preset.Validity, "validity", 0, "certificate validity in days (it-rt 1 to 365, xsuaa 1 to 30)")
	f.IntVar(&p.preset.KeyLength, "key-length", 0, "certificate key length (it-rt 2048|4096, xsuaa 2048|4096|8192)")
	f.StringVar(&p.certificateFile, "certificate-file", "", "PEM file of the certificate of an external-certificate key")
}

// load reads the certificate file and checks what can be checked before any request.
func (p *presetFlags) load() error {
	if p.certificateFile != "" {
		data, err := os.ReadFile(p.certificateFile)
		if err != nil {
			return fmt.Errorf("--certificate-file: %w", err)
		}
		p.preset.CertificatePEM = string(data)
	}
	if p.parameters != "" && !p.preset.IsZero() {
		return errors.New("--parameters excludes the presets (--key-type, --credential-type, --validity, --key-length, --certificate-file)")
	}
	// The preset alone must make sense for the offering it names.
	switch {
	case p.preset.KeyType != "" || (p.preset.CertificatePEM != "" && p.preset.CredentialType == ""):
		_, err := p.preset.Parameters(cf.OfferingIntegrationRuntime)
		return err
	case p.preset.CredentialType != "":
		_, err := p.preset.Parameters(cf.OfferingXSUAA)
		return err
	case !p.preset.IsZero():
		return errors.New("--validity and --key-length need --key-type (it-rt) or --credential-type (xsuaa)")
	}
	return nil
}

// parametersFor returns the parameters for an instance of the offering, refusing a preset that does not fit.
func (p *presetFlags) parametersFor(offering string) (map[string]any, error) {
	if p.parameters != "" {
		return readParameters(p.parameters)
	}
	return p.preset.Parameters(offering)
}

// handoverOptions say where a new key's credentials go.
type handoverOptions struct {
	CredentialsFile string
	Force           bool
	ShowCredentials bool
}

func (h *handoverOptions) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&h.CredentialsFile, "credentials-file", "", "write the new key's credentials to this file (mode 0600) for handover")
	f.BoolVar(&h.Force, "force", false, "let --credentials-file replace an existing file")
	f.BoolVar(&h.ShowCredentials, "show-credentials", false, "print the new key's credentials (on a terminal only)")
}

// check refuses, before any request, a handover that could not be done.
func (h *handoverOptions) check(a *app) error {
	if h.ShowCredentials && !a.stdoutTTY {
		return errors.New("--show-credentials prints secrets on a terminal only; use --credentials-file PATH to hand them over")
	}
	if h.CredentialsFile != "" {
		return checkCredentialsFile(h.CredentialsFile, h.Force)
	}
	return nil
}

// deliver writes or shows the credentials as asked.
func (h *handoverOptions) deliver(a *app, creds cf.KeyCredentials) error {
	if h.CredentialsFile != "" {
		err := atomicfile.WritePrivate(h.CredentialsFile, func(w io.Writer) error {
			_, err := w.Write(append(creds.Reveal(), '\n'))
			return err
		})
		if err != nil {
			return fmt.Errorf("writing the credentials to %s: %w", h.CredentialsFile, err)
		}
		fmt.Fprintf(a.errOut, "cfkeys: credentials written to %s (mode 0600)\n", h.CredentialsFile)
	}
	if h.ShowCredentials && a.stdoutTTY {
		var tree any
		if json.Unmarshal(creds.Reveal(), &tree) == nil {
			data, _ := json.MarshalIndent(tree, "", "  ")
			fmt.Fprintln(a.out, safetext.Clean(string(data)))
		}
	}
	return nil
}

// keyCreateOptions are the inputs of cfkeys key create.
type keyCreateOptions struct {
	write    writeOptions
	presets  presetFlags
	handover handoverOptions
	Instance string
	Org      string
	Space    string
	Name     string
	Output   string
}

func newKeyCreateCmd(a *app) *cobra.Command {
	o := &keyCreateOptions{}
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a service key and show its certificate's expiry",
		Long: `Create creates a service key on an instance, waits for the broker, and shows the new key as scan would.

Presets write exactly the JSON SAP documents. SAP Integration Suite (it-rt): --key-type client-secret |
certificate (--validity 1-365, --key-length 2048|4096) | external-certificate (--certificate-file PEM). XSUAA:
--credential-type x509 (--validity 1-30 days, --key-length) | binding-secret. Other offerings: --parameters.
A preset that does not fit the instance's offering is refused before anything is sent.

No secret is printed: --credentials-file PATH writes the credentials for handover (0600), --show-credentials
prints them, on a terminal only.`,
		Example: `  cfkeys key create --instance cpi-orders-inbound --org acme-prod --space integration --name erp-2027 --key-type certificate --validity 365
  cfkeys key create --instance orders-app-uaa --name orders-x509 --credential-type x509 --validity 30 --credentials-file orders.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Instance == "" || o.Name == "" {
				return usageError(cmd, "key create needs --instance and --name")
			}
			if o.Output != "table" && o.Output != "json" {
				return usageError(cmd, "--output must be table or json")
			}
			if err := o.presets.load(); err != nil {
				return err
			}
			if err := o.handover.check(a); err != nil {
				return err
			}
			return runKeyCreate(cmd, a, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Instance, "instance", "", "the service instance: name or GUID")
	f.StringVar(&o.Org, "org", "", "the instance's org (when its name is not unique)")
	f.StringVar(&o.Space, "space", "", "the instance's space")
	f.StringVar(&o.Name, "name", "", "the new key's name")
	f.StringVarP(&o.Output, "output", "o", "table", "output format: table or json")
	o.write.addFlags(cmd)
	o.presets.add(cmd)
	o.handover.add(cmd)
	return cmd
}

func runKeyCreate(cmd *cobra.Command, a *app, o *keyCreateOptions) error {
	ctx := cmd.Context()
	conn, err := a.connectForWrite(ctx, o.write)
	if err != nil {
		return err
	}
	defer a.done(conn)
	c := conn.client
	si, err := c.FindInstance(ctx, o.Instance, o.Org, o.Space)
	if err != nil {
		return conn.wrap(err)
	}
	params, err := o.presets.parametersFor(si.OfferingName)
	if err != nil {
		return err
	}
	req := cf.KeyRequest{InstanceGUID: si.GUID, Name: o.Name, Parameters: params, WaitTimeout: o.write.WaitTimeout}
	if o.write.DryRun {
		fmt.Fprintln(a.out, safetext.Clean(fmt.Sprintf("Would create key %q on %s / %s / %s (%s):", o.Name, si.OrgName, si.SpaceName, si.Name, si.OfferingName)))
		a.printRequest("POST", "/v3/service_credential_bindings", req.Body())
		return nil
	}
	created, err := c.CreateKey(ctx, req)
	if err != nil {
		return conn.wrap(cf.ExplainWrite(err, si.OrgName, si.SpaceName))
	}
	if err := a.writeKeys(o.Output, c.Endpoints().API, created.Report(si)); err != nil {
		return err
	}
	return o.handover.deliver(a, created.Credentials)
}

// writeKeys prints keys as find does (a block each, or the JSON report).
func (a *app) writeKeys(format, api string, keys ...cf.KeyReport) error {
	r := report.Report{GeneratedAt: a.now(), API: api, Thresholds: expiry.DefaultThresholds,
		Entries: report.FromKeys("", keys, a.now(), expiry.DefaultThresholds)}
	if format == "json" {
		return report.WriteJSON(a.out, r)
	}
	writeFound(a, r)
	return nil
}

// keyDeleteOptions are the inputs of cfkeys key delete.
type keyDeleteOptions struct {
	write writeOptions
	GUID  string
}

func newKeyDeleteCmd(a *app) *cobra.Command {
	o := &keyDeleteOptions{}
	cmd := &cobra.Command{
		Use:   "delete GUID",
		Short: "Delete a service key (type its name to confirm)",
		Long: `Delete deletes one service key by GUID and waits for the broker. On a terminal you confirm by typing the
key's name; without a terminal it needs --yes. Whoever uses the key loses access: rotate first.`,
		Example: `  cfkeys key delete 5b1c0e6e-1d2a-4f4e-9f57-0c2f4f3c9a11`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cf.IsGUID(args[0]) {
				return usageError(cmd, "key delete takes the key's GUID (cfkeys find NAME shows it)")
			}
			o.GUID = strings.ToLower(args[0])
			return runKeyDelete(cmd, a, o)
		},
	}
	o.write.addFlags(cmd)
	return cmd
}

func runKeyDelete(cmd *cobra.Command, a *app, o *keyDeleteOptions) error {
	ctx := cmd.Context()
	conn, err := a.connectForWrite(ctx, o.write)
	if err != nil {
		return err
	}
	defer a.done(conn)
	c := conn.client
	k, err := c.FindByGUID(ctx, o.GUID)
	if err != nil {
		return conn.wrap(err)
	}
	if k.Type != "key" {
		return fmt.Errorf("%s is an app binding, not a service key; cfkeys deletes service keys only", o.GUID)
	}
	if o.write.DryRun {
		fmt.Fprintln(a.out, safetext.Clean(fmt.Sprintf("Would delete key %q (%s):", k.Name, k.Path())))
		a.printRequest("DELETE", "/v3/service_credential_bindings/"+k.GUID, nil)
		return nil
	}
	if err := a.confirm(o.write, fmt.Sprintf("Delete key %s? Type its name to confirm: ", safetext.Clean(k.Path())), k.Name); err != nil {
		return err
	}
	if err := c.DeleteKey(ctx, k.GUID, o.write.WaitTimeout); err != nil {
		return conn.wrap(cf.ExplainWrite(err, k.Instance.OrgName, k.Instance.SpaceName))
	}
	fmt.Fprintf(a.out, "Deleted key %s (%s).\n", safetext.Clean(k.Path()), safetext.Clean(k.GUID))
	return nil
}
