package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

func newInstanceCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "instance",
		Short: "Create service instances (writes: the foundation must allow them)",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newInstanceCreateCmd(a))
	return cmd
}

// instanceCreateOptions are the inputs of cfkeys instance create.
type instanceCreateOptions struct {
	write      writeOptions
	keyPresets presetFlags
	handover   handoverOptions
	Offering   string
	Plan       string
	Name       string
	Org, Space string
	Roles      []string
	GrantTypes []string
	Parameters string
	Key        string
	Output     string
}

func newInstanceCreateCmd(a *app) *cobra.Command {
	o := &instanceCreateOptions{}
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create the inbound OAuth client of SAP Integration Suite (it-rt), optionally with its first key",
		Long: `Create creates a managed service instance and waits for its last operation. For SAP Integration Suite's
Process Integration Runtime (--offering it-rt, --plan integration-flow or api) --roles and --grant-types
write the instance parameters SAP documents (roles, grant-types, redirect-uris); other offerings take
--parameters. --key NAME creates the instance's first key in the same command, with the presets of key create.`,
		Example: `  cfkeys instance create --offering it-rt --plan integration-flow --name erp-inbound --org acme-prod --space integration \
      --roles ESBMessaging.send --grant-types client_credentials --key erp-sender --key-type certificate --validity 365`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Offering == "" || o.Plan == "" || o.Name == "" || o.Org == "" || o.Space == "" {
				return usageError(cmd, "instance create needs --offering, --plan, --name, --org and --space")
			}
			if o.Parameters != "" && (len(o.Roles) > 0 || len(o.GrantTypes) > 0) {
				return usageError(cmd, "--parameters excludes --roles and --grant-types")
			}
			if o.Offering != cf.OfferingIntegrationRuntime && (len(o.Roles) > 0 || len(o.GrantTypes) > 0) {
				return usageError(cmd, "--roles and --grant-types are it-rt instance parameters; give %s's with --parameters", o.Offering)
			}
			if o.Key == "" && (!o.keyPresets.preset.IsZero() || o.keyPresets.parameters != "" || o.keyPresets.certificateFile != "") {
				return usageError(cmd, "key presets need --key NAME")
			}
			if o.Output != "table" && o.Output != "json" {
				return usageError(cmd, "--output must be table or json")
			}
			if err := o.keyPresets.load(); err != nil {
				return err
			}
			if o.Key != "" {
				if _, err := o.keyPresets.parametersFor(o.Offering); err != nil {
					return err
				}
				if err := o.handover.check(a); err != nil {
					return err
				}
			}
			return runInstanceCreate(cmd, a, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Offering, "offering", "", "the service offering, e.g. it-rt")
	f.StringVar(&o.Plan, "plan", "", "the plan, e.g. integration-flow or api")
	f.StringVar(&o.Name, "name", "", "the new instance's name")
	f.StringVar(&o.Org, "org", "", "the org")
	f.StringVar(&o.Space, "space", "", "the space")
	f.StringSliceVar(&o.Roles, "roles", nil, "it-rt roles, e.g. ESBMessaging.send (comma-separated)")
	f.StringSliceVar(&o.GrantTypes, "grant-types", nil, "it-rt grant types, e.g. client_credentials,client_x509")
	f.StringVar(&o.Parameters, "parameters", "", "the broker's provision parameters: JSON, or @FILE")
	f.StringVar(&o.Key, "key", "", "also create the instance's first key with this name")
	f.StringVarP(&o.Output, "output", "o", "table", "output format of the key: table or json")
	o.write.addFlags(cmd)
	o.handover.add(cmd)
	// The key presets, without their own --parameters (that flag is the instance's here).
	kf := cmd.Flags()
	kf.StringVar(&o.keyPresets.preset.KeyType, "key-type", "", "the key's type (it-rt): client-secret, certificate or external-certificate")
	kf.IntVar(&o.keyPresets.preset.Validity, "validity", 0, "the key's certificate validity in days")
	kf.IntVar(&o.keyPresets.preset.KeyLength, "key-length", 0, "the key's certificate key length")
	kf.StringVar(&o.keyPresets.certificateFile, "certificate-file", "", "PEM file of an external-certificate key")
	return cmd
}

// instanceParameters returns the provision parameters the flags ask for.
func (o *instanceCreateOptions) instanceParameters() (map[string]any, error) {
	if o.Parameters != "" {
		return readParameters(o.Parameters)
	}
	if o.Offering != cf.OfferingIntegrationRuntime {
		return nil, nil
	}
	p := map[string]any{}
	if len(o.Roles) > 0 {
		p["roles"] = o.Roles
	}
	if len(o.GrantTypes) > 0 {
		p["grant-types"] = o.GrantTypes
	}
	if len(p) == 0 {
		return nil, nil
	}
	return p, nil
}

func runInstanceCreate(cmd *cobra.Command, a *app, o *instanceCreateOptions) error {
	ctx := cmd.Context()
	params, err := o.instanceParameters()
	if err != nil {
		return err
	}
	conn, err := a.connectForWrite(ctx, o.write)
	if err != nil {
		return err
	}
	defer a.done(conn)
	c := conn.client
	space, org, err := c.FindSpace(ctx, o.Org, o.Space)
	if err != nil {
		return conn.wrap(err)
	}
	plan, err := c.FindPlan(ctx, o.Offering, o.Plan)
	if err != nil {
		return conn.wrap(err)
	}
	req := cf.InstanceRequest{Name: o.Name, SpaceGUID: space.GUID, PlanGUID: plan.GUID, Parameters: params, WaitTimeout: o.write.WaitTimeout}
	var keyParams map[string]any
	if o.Key != "" {
		if keyParams, err = o.keyPresets.parametersFor(plan.OfferingName); err != nil {
			return err
		}
	}
	if o.write.DryRun {
		fmt.Fprintln(a.out, safetext.Clean(fmt.Sprintf("Would create instance %q (%s, plan %s) in %s / %s:", o.Name, plan.OfferingName, plan.Name, org.Name, space.Name)))
		a.printRequest("POST", "/v3/service_instances", req.Body())
		if o.Key != "" {
			fmt.Fprintf(a.out, "then key %q:\n", o.Key)
			a.printRequest("POST", "/v3/service_credential_bindings", cf.KeyRequest{InstanceGUID: "<new instance>", Name: o.Key, Parameters: keyParams}.Body())
		}
		return nil
	}
	si, err := c.CreateInstance(ctx, req)
	if err != nil {
		return conn.wrap(cf.ExplainWrite(err, org.Name, space.Name))
	}
	fmt.Fprintln(a.out, safetext.Clean(fmt.Sprintf("Created instance %s (%s, plan %s) in %s / %s: %s", si.Name, plan.OfferingName, plan.Name,
		org.Name, space.Name, strings.TrimSpace(si.GUID))))
	if o.Key == "" {
		return nil
	}
	created, err := c.CreateKey(ctx, cf.KeyRequest{InstanceGUID: si.GUID, Name: o.Key, Parameters: keyParams, WaitTimeout: o.write.WaitTimeout})
	if err != nil {
		return conn.wrap(cf.ExplainWrite(err, org.Name, space.Name))
	}
	si.OrgName, si.SpaceName = org.Name, space.Name
	if err := a.writeKeys(o.Output, c.Endpoints().API, created.Report(si)); err != nil {
		return err
	}
	return o.handover.deliver(a, created.Credentials)
}
